"""检查实施的代码表。"""

from django.db import models


class InspectionStatus(models.TextChoices):
    PENDING = "pending", "待检查"
    IN_PROGRESS = "in_progress", "检查中"
    COMPLETED = "completed", "已检查"
    CANCELLED = "cancelled", "已取消"


class AssignmentSource(models.TextChoices):
    MATCHED = "matched", "随机匹配"
    DIRECT = "direct", "直接指派"
    CROSS_REGION = "cross_region", "跨区域匹配"
    REASSIGNED = "reassigned", "调整后重新匹配"
    EXTRA = "extra", "额外成员"


# 检查对象需要处理的问题（页面上的标记）
class Problem(models.TextChoices):
    UNMATCHED = "unmatched", "随机匹配人员不足，待直接指派或跨区域匹配"
    OFFICERS_SHORT = "officers_short", "现场检查的执法人员不足两名"
    TEAM_SHORT = "team_short", "检查人员少于方案要求"
    DEPARTMENT_MISSING = "department_missing", "联合检查缺少参与部门的人员"


PROBLEM_LABELS = dict(Problem.choices)


def problem_labels(codes):
    """待处理问题的代码 → 说明；不认识的代码原样显示。"""
    return [PROBLEM_LABELS.get(p, p) for p in codes]


# 抽取记录中的匹配标记（规范第 5 节）；联合任务为“部门代码:标记”
MATCH_FLAGS = {"unmatched": "合格人员不足", "cap_relaxed": "已放宽人均上限"}
