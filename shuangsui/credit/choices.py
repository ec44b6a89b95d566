"""信用反馈的代码表。"""

from django.db import models


class RuleEvent(models.TextChoices):
    RESULT_APPROVED = "result_approved", "检查结果审核通过"
    LISTING_APPROVED = "listing_approved", "列入经营异常名录"
    LISTING_REMOVED = "listing_removed", "移出经营异常名录"
    FOLLOWUP_CLOSED = "followup_closed", "后续处置完结"


class RuleEffect(models.TextChoices):
    AT_LEAST = "at_least", "调整为不低于（至少为）"
    RESTORE = "restore", "恢复为列入前的分类"
    NONE = "none", "不调整"


class ProposalStatus(models.TextChoices):
    PENDING = "pending", "待确认"
    CONFIRMED = "confirmed", "已确认"
    REJECTED = "rejected", "已驳回"


# 规则表的初始内容：示例，不是法定标准（各地按本地信用风险分类办法在后台修改）
# (代码, 名称, 事件, 检查结果代码, 效果, 分类, 说明)
EXAMPLE_NOTE = "示例默认值，非法定标准：请按本地信用风险分类管理办法修改。"
DEFAULT_RULES = [
    (
        "R1",
        "检查发现问题",
        RuleEvent.RESULT_APPROVED,
        "A,2,B,C,6,D,3,4,5,E",
        RuleEffect.AT_LEAST,
        "C",
    ),
    ("R2", "列入经营异常名录", RuleEvent.LISTING_APPROVED, "", RuleEffect.AT_LEAST, "D"),
    ("R3", "移出经营异常名录（信用修复）", RuleEvent.LISTING_REMOVED, "", RuleEffect.RESTORE, ""),
    ("R4", "后续处置完结", RuleEvent.FOLLOWUP_CLOSED, "", RuleEffect.NONE, ""),
]
