"""计划与抽查任务的代码表。"""

from django.db import models


class PlanKind(models.TextChoices):
    ANNUAL = "annual", "年度抽查计划"
    JOINT = "joint", "部门联合抽查计划"


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    FILED = "filed", "已备案"


class TaskStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    APPROVED = "approved", "已批准"
    DRAWN = "drawn", "已抽取"
    COMPLETED = "completed", "已完成"


class TargetKind(models.TextChoices):
    ENTITIES = "entities", "市场主体"
    LIBRARY = "library", "其他对象库"


class Stratify(models.TextChoices):
    CREDIT = "credit", "按信用风险分类分层（A/B/C/D/未分类）"
    NONE = "none", "不分层"


class QuotaMode(models.TextChoices):
    RATIO = "ratio", "统一比例（各层同一比例）"
    BASE_RATIO = "base_ratio", "基数比例（上年末企业实有数 × 比例，按各类人数 × 权重分配）"
    CLASS_RATIO = "class_ratio", "分类差异化比例"
    CLASS_COUNT = "class_count", "分类指定户数"


# 任务不分层时唯一的层标签
ALL_STRATUM = "ALL"
CREDIT_STRATA = ["A", "B", "C", "D", "U"]

# 计入“差异化抽查户数”的配额方式（还须按信用风险分类分层）
DIFFERENTIATED_MODES = (QuotaMode.CLASS_RATIO, QuotaMode.CLASS_COUNT, QuotaMode.BASE_RATIO)


class PublicationStart(models.TextChoices):
    CHECK_END = "check_end", "对象检查结束之日"
    TASK_DONE = "task_done", "抽查任务完成之日"
