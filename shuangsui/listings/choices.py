"""列入经营异常名录的代码表。"""

from django.db import models


class Cause(models.TextChoices):
    """列异的事由（《企业经营异常名录管理暂行办法》第四条的情形）。"""

    UNREACHABLE = "unreachable", "通过登记的住所（经营场所）无法联系"
    CONCEALMENT = "concealment", "公示信息隐瞒真实情况、弄虚作假"
    NOT_PUBLISHED = "not_published", "未在责令的期限内公示有关信息"


class Mark(models.TextChoices):
    """企业、合作社列入经营异常名录；个体工商户标记为经营异常状态（003）。"""

    LIST = "list", "列入经营异常名录"
    STATE = "state", "标记为经营异常状态"


class Stage(models.TextChoices):
    """审批环节：（无法联系的先提醒）→ 所长审核 → 局审批 → 批准或不予批准。"""

    REMINDER = "reminder", "待提醒负责人"
    HEAD = "head", "待所长审核"
    BUREAU = "bureau", "待局审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "不予批准"


OPEN_STAGES = [Stage.REMINDER, Stage.HEAD, Stage.BUREAU]


class ReminderMethod(models.TextChoices):
    PHONE = "phone", "电话"
    SMS = "sms", "短信"


class ReminderOutcome(models.TextChoices):
    REACHED = "reached", "已接通并告知"
    NO_ANSWER = "no_answer", "无人接听"
    WRONG_NUMBER = "wrong_number", "号码有误或停机"
    SENT = "sent", "短信已发送"
    FAILED = "failed", "短信发送失败"


class OrderStatus(models.TextChoices):
    OPEN = "open", "限期公示中"
    FULFILLED = "fulfilled", "已按期公示"
    OVERDUE = "overdue", "逾期未公示（已提请列异）"


class RemovalChannel(models.TextChoices):
    COUNTER = "counter", "窗口申请（工作人员登记）"
    ONLINE = "online", "网上申请（接口）"


# 结果代码 → 事由（参考代码表：6 住所无法联系、C 弄虚作假；B 未按规定公示 → 责令限期公示）
CODE_UNREACHABLE = "6"
CODE_CONCEALMENT = "C"
CODE_NOT_PUBLISHED = "B"

# 结果没有写适用条款时的默认条款
DEFAULT_PROVISIONS = {
    Cause.UNREACHABLE: "《企业经营异常名录管理暂行办法》第四条第（四）项",
    Cause.CONCEALMENT: "《企业经营异常名录管理暂行办法》第四条第（三）项",
    Cause.NOT_PUBLISHED: "《企业经营异常名录管理暂行办法》第四条第（二）项",
}
INDIVIDUAL_PROVISIONS = "《个体工商户年度报告暂行办法》关于经营异常状态的规定"

# 责令限期公示的默认期限：10 个工作日（各地在“列异规则”里改）
DEFAULT_PUBLISH_DAYS = 10
