"""抽查事项的代码表（来自各省平台公开的代码）。"""

from django.db import models


class ItemKind(models.TextChoices):
    KEY = "key", "重点检查事项"
    GENERAL = "general", "一般检查事项"


class MethodMode(models.TextChoices):
    """核查方式的性质：检查规则按性质而不是按代码判断，管理员新增的方式只要选对性质就照样适用。"""

    ON_SITE = "on_site", "现场检查"
    WRITTEN = "written", "书面检查"
    REMOTE = "remote", "非现场监测"
    OTHER = "other", "其他"


# 核查方式代码表的初始值（迁移装入，之后由系统管理员维护）：(代码, 名称, 性质)
CHECK_METHODS = [
    ("1", "实地检查", MethodMode.ON_SITE),
    ("2", "书面检查", MethodMode.WRITTEN),
    ("3", "行政部门检查结果或专业意见", MethodMode.OTHER),
    ("4", "检验检测", MethodMode.OTHER),
    ("5", "网络监测", MethodMode.REMOTE),
    ("6", "委托专业机构辅助", MethodMode.OTHER),
]


class ObjectType(models.TextChoices):
    ENTERPRISE = "企业", "企业"
    COOP = "农民专业合作社", "农民专业合作社"
    INDIVIDUAL = "个体工商户", "个体工商户"
    FOREIGN_REP = "外国企业常驻代表机构", "外国企业常驻代表机构"
    PRODUCT = "产品", "产品"
    PROJECT = "项目", "项目"
    BEHAVIOUR = "行为", "行为"
    SPECIAL = "专门对象库", "专门对象库"


# 检查结果代码（多选、分层）：(代码, 名称, 上级代码)
RESULT_CODES = [
    ("1", "未发现问题", ""),
    ("A", "发现问题待后续处理", ""),
    ("2", "违反市场监管（工商）相关规定", "A"),
    ("B", "未按规定公示应当公示的信息", "2"),
    ("C", "公示信息隐瞒真实情况、弄虚作假", "2"),
    ("6", "通过登记的住所（经营场所）无法联系", "2"),
    ("D", "违反其他市场监管（工商）规定行为", "2"),
    ("3", "违反食品药品管理相关规定", "A"),
    ("4", "违反质量技术监督相关规定", "A"),
    ("5", "违反其他部门相关规定", "A"),
    ("E", "发现问题已责令改正", ""),
    ("F", "未发现开展本次抽查涉及的经营活动", ""),
    ("7", "已关闭停业或正在组织清算", ""),
    ("8", "不配合检查情节严重", ""),
    ("9", "已注销", ""),
    ("10", "被吊销营业执照", ""),
    ("11", "被撤销登记", ""),
    ("12", "已迁出", ""),
]
