"""随机抽取的代码表。"""

from django.db import models


class DrawStatus(models.TextChoices):
    FROZEN = "frozen", "已冻结名单，收集承诺"
    REVEALING = "revealing", "揭示中"
    READY = "ready", "待抽取"
    COMPLETED = "completed", "已完成"
    VOIDED = "voided", "已作废"


class PartyRole(models.TextChoices):
    OPERATOR = "operator", "任务执行方"
    WITNESS = "witness", "监督见证方"


class TargetRole(models.TextChoices):
    SELECTED = "selected", "入选"
    RESERVE = "reserve", "备选"


class ExclusionCode(models.TextChoices):
    STATUS = "status", "登记状态不在抽查范围"
    A_UNDISTURBED = "a_undisturbed", "A类无事不扰"
    FREQUENCY = "frequency", "超过本年度检查频次上限"
    INACTIVE = "inactive", "对象已失效"


class FileKind(models.TextChoices):
    POPULATION = "population", "抽取名单（人口文件）"
    RECORD = "record", "抽取记录"
    PUBLIC_RECORD = "public_record", "公开抽取记录"
    PUBLIC_POPULATION = "public_population", "公开名单"
    POOL = "pool", "检查人员库快照"
