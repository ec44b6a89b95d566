from django.db import models


class MailMethod(models.TextChoices):
    REGISTERED = "registered", "挂号信"
    EMS = "ems", "EMS"


class MailOutcome(models.TextChoices):
    PENDING = "pending", "待回执"
    DELIVERED = "delivered", "已送达"
    RETURNED = "returned", "被退回"


# 两次邮寄的寄出日期相隔的天数（自然日，含两端：至少 15 日、至多 30 日；是间隔不是期限，不顺延节假日）
MIN_GAP_DAYS = 15
MAX_GAP_DAYS = 30

# 告知书中“需准备的材料”的默认内容
MATERIALS = [
    "营业执照（或其他主体资格证明）副本",
    "法定代表人（负责人）身份证明；委托他人的，授权委托书及受托人身份证明",
    "与抽查事项有关的许可证件、台账、票据、合同等资料",
    "检查人员要求提供的其他材料",
]
