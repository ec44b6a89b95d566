"""检查对象名录库的代码表。"""

from django.db import models


class EntityType(models.TextChoices):
    ENTERPRISE = "enterprise", "企业"
    INDIVIDUAL = "individual", "个体工商户"
    COOP = "coop", "农民专业合作社"
    FOREIGN_REP = "foreign_rep", "外国企业常驻代表机构"


class EntityStatus(models.TextChoices):
    ACTIVE = "active", "存续"
    CANCELLED = "cancelled", "注销"
    REVOKED = "revoked", "吊销"
    MOVED_OUT = "moved_out", "迁出"


class CreditClass(models.TextChoices):
    A = "A", "A类（信用风险低）"
    B = "B", "B类（信用风险一般）"
    C = "C", "C类（信用风险较高）"
    D = "D", "D类（信用风险高）"
    U = "U", "未分类"


# 分类由轻到重；“未分类”不比 A 类更重（问题发现后可直接调为 C 类）
CREDIT_SEVERITY = {"U": 0, "A": 1, "B": 2, "C": 3, "D": 4}


class CreditSource(models.TextChoices):
    IMPORT = "import", "省级分类导入"
    FEEDBACK = "feedback", "检查结果反馈"
    MANUAL = "manual", "人工"


class AnnualReport(models.TextChoices):
    REPORTED = "reported", "已报送"
    NOT_REPORTED = "not_reported", "未报送"
    NOT_DUE = "not_due", "无需报送"


class LibraryKind(models.TextChoices):
    PRODUCT = "product", "产品"
    PROJECT = "project", "项目"
    BEHAVIOUR = "behaviour", "行为"
    SPECIAL = "special", "专门对象库"


# 国民经济行业分类（GB/T 4754-2017）门类
INDUSTRY_SECTIONS = [
    ("A", "农、林、牧、渔业"),
    ("B", "采矿业"),
    ("C", "制造业"),
    ("D", "电力、热力、燃气及水生产和供应业"),
    ("E", "建筑业"),
    ("F", "批发和零售业"),
    ("G", "交通运输、仓储和邮政业"),
    ("H", "住宿和餐饮业"),
    ("I", "信息传输、软件和信息技术服务业"),
    ("J", "金融业"),
    ("K", "房地产业"),
    ("L", "租赁和商务服务业"),
    ("M", "科学研究和技术服务业"),
    ("N", "水利、环境和公共设施管理业"),
    ("O", "居民服务、修理和其他服务业"),
    ("P", "教育"),
    ("Q", "卫生和社会工作"),
    ("R", "文化、体育和娱乐业"),
    ("S", "公共管理、社会保障和社会组织"),
    ("T", "国际组织"),
]
INDUSTRY_NAMES = dict(INDUSTRY_SECTIONS)

# 重点领域标签（频次按法律法规规定，不受一般领域的 B/C 类上限约束）
KEY_DOMAIN_TAGS = [
    "食品",
    "药品",
    "特种设备",
    "工业产品质量",
    "计量",
    "危险化学品",
    "医疗器械",
    "化妆品",
    "网络交易",
]
