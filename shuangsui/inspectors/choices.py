from django.db import models


class InspectorKind(models.TextChoices):
    OFFICER = "officer", "执法人员"
    AUXILIARY = "auxiliary", "辅助检查人员"
    EXPERT = "expert", "专家"


# 常用资质/专长标签（可自由扩展）
QUALIFICATION_TAGS = [
    "行政执法证",
    "食品安全",
    "特种设备",
    "计量",
    "产品质量",
    "药品",
    "医疗器械",
    "化妆品",
    "广告",
    "价格",
    "网络交易",
    "登记注册",
    "企业公示",
]
