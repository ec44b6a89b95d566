"""检查结果的代码表。"""

from django.db import models


class ResultStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "待审核"
    RETURNED = "returned", "已退回"
    APPROVED = "approved", "已审核"


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", "现场照片"
    SITE_RECORD = "site_record", "现场笔录"
    INQUIRY_RECORD = "inquiry_record", "询问笔录"
    OTHER = "other", "其他材料"


# 结果代码 1“未发现问题”与任何其他代码互斥
NO_PROBLEM = "1"
# 登记状态代码：与 1 互斥、彼此互斥，并与主体的登记状态核对
STATUS_CODES = {"9": "cancelled", "10": "revoked", "11": "", "12": "moved_out"}
