"""再检查的代码表。"""

from django.db import models


class Outcome(models.TextChoices):
    PENDING = "pending", "待再检查"
    CONSISTENT = "consistent", "与原检查结果一致"
    MISSED = "missed", "有问题未发现"


class FileKind(models.TextChoices):
    POPULATION = "population", "抽样名单（人口文件）"
    RECORD = "record", "抽样记录"


# 审计事件的中文名（在 RechecksConfig.ready 里并入 core.audit_labels.ACTIONS）
AUDIT_ACTIONS = {
    "recheck.frozen": "冻结再检查抽样名单",
    "recheck.committed": "再检查抽样：提交承诺",
    "recheck.revealed": "再检查抽样：揭示秘密值",
    "recheck.reveal_failed": "再检查抽样：揭示失败（与承诺不符）",
    "recheck.public_value": "再检查抽样：加入公开随机值",
    "recheck.completed": "执行再检查抽样",
    "recheck.assigned": "指派再检查人员",
    "recheck.recorded": "录入再检查结果",
}
