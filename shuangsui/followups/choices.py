"""后续处置的代码表与常量。

措施本身在代码表 `catalog.FollowUpMeasure`（管理员可维护）；这里按代码认出需要特别字段的措施。
"""

from django.db import models


class FollowUpStatus(models.TextChoices):
    OPEN = "open", "未完结"
    CLOSED = "closed", "已完结"


class RecheckOutcome(models.TextChoices):
    CORRECTED = "corrected", "已改正"
    NOT_CORRECTED = "not_corrected", "未改正"


# 代码表 catalog.FollowUpMeasure 的代码（catalog 迁移 0005 装入；“移送司法机关”由本应用迁移补入）
NO_ACTION = "01"  # 无需后续处置
ROUTINE = "02"  # 移交日常监管
ORDER_CORRECTION = "03"  # 责令改正：期限 + 复查
CASE_REFERRAL = "04"  # 线索移送办案机构
OTHER_DEPARTMENT = "05"  # 通报/移送其他部门
ABNORMAL_LISTING = "06"  # 列入经营异常名录（经列异审批流程办理）
SERIOUS_LIST = "07"  # 列入严重违法失信名单
CASE_FILED = "08"  # 立案调查：关联行政处罚决定书文号
OTHER = "09"  # 其他
JUDICIAL = "10"  # 移送司法机关

# 须写明接收单位的措施
NEEDS_RECEIVER = {CASE_REFERRAL, OTHER_DEPARTMENT, JUDICIAL}
# 接收单位的说明
RECEIVER_LABELS = {
    CASE_REFERRAL: "本部门执法办案机构",
    OTHER_DEPARTMENT: "通报或移送的部门",
    JUDICIAL: "接收的司法机关",
}

# 代码表的参考值（catalog 迁移 0005 与本应用迁移 0002 装入）；清空过的库（演示、页面测试）用它补齐
MEASURES = {
    NO_ACTION: "无需后续处置",
    ROUTINE: "移交日常监管",
    ORDER_CORRECTION: "责令改正",
    CASE_REFERRAL: "线索移送办案机构",
    OTHER_DEPARTMENT: "通报/移送其他部门",
    ABNORMAL_LISTING: "列入经营异常名录",
    SERIOUS_LIST: "列入严重违法失信名单",
    CASE_FILED: "立案调查",
    OTHER: "其他",
    JUDICIAL: "移送司法机关",
}
