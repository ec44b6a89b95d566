"""公示的代码表。"""

from django.db import models


class WithholdingStatus(models.TextChoices):
    PENDING = "pending", "待批准"
    APPROVED = "approved", "已批准（不予公示）"
    REJECTED = "rejected", "未批准"
