"""导入导出的列定义：中文表头、常见同义表头、是否必填，以及各代码表接受的写法。

表头按 NFKC（全角转半角）、去掉空白和必填标记后匹配；导出写的就是 `header`，
所以导出的文件可以原样再导入。
"""

import re
import unicodedata
from dataclasses import dataclass, field

from shuangsui.catalog import methods as check_methods
from shuangsui.catalog.choices import ItemKind
from shuangsui.directory.choices import AnnualReport, CreditClass, EntityStatus, EntityType
from shuangsui.inspectors.choices import InspectorKind
from shuangsui.lib.tabular import normalise_header

_PAREN = re.compile(r"\(.*\)$")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    synonyms: tuple = ()
    required: bool = False  # 必须有这一列，且每行都要有值
    note: str = ""  # 上传页面上的说明


@dataclass(frozen=True)
class Spec:
    kind: str
    label: str  # 中文对象名，如“市场主体”
    columns: tuple
    import_capability: str
    export_capability: str
    action: str  # 审计动作
    object_type: str
    filename_stem: str
    lookup: dict = field(default_factory=dict, compare=False)

    def __post_init__(self):
        for column in self.columns:
            for text in (column.header, *column.synonyms):
                self.lookup.setdefault(normalise_header(text), column.key)

    @property
    def headers(self):
        return [c.header for c in self.columns]

    def column(self, key):
        return next(c for c in self.columns if c.key == key)


ENTITY = Spec(
    kind="entities",
    label="市场主体",
    import_capability="directory.import",
    export_capability="directory.export",
    action="entity.imported",
    object_type="directory.entity",
    filename_stem="市场主体名录",
    columns=(
        Column(
            "uid",
            "统一社会信用代码",
            (
                "社会信用代码",
                "信用代码",
                "统一信用代码",
                "统一代码",
                "USCC",
                "统一社会信用代码/注册号",
            ),
            required=True,
            note="18 位，按 GB 32100-2015 校验；全角字符自动转半角",
        ),
        Column(
            "name",
            "名称",
            ("企业名称", "主体名称", "市场主体名称", "单位名称", "名称(字号)", "字号名称"),
            required=True,
        ),
        Column(
            "entity_type",
            "主体类型",
            ("市场主体类型", "类型", "主体类别"),
            note="企业、个体工商户、农民专业合作社、外国企业常驻代表机构；空白时按代码第 2 位推断",
        ),
        Column(
            "unit",
            "所属单位",
            ("管辖单位", "登记/管辖单位", "监管单位", "所属监管单位", "管辖机关", "所属市场监管所"),
            note="组织单元代码或名称，须在您的辖区内；新增的主体必填（或选默认单位）",
        ),
        Column(
            "region_code",
            "行政区划代码",
            ("区划代码", "行政区划", "所在地行政区划代码"),
            note="6、9 或 12 位数字",
        ),
        Column(
            "industry_code",
            "行业代码",
            ("国民经济行业代码", "行业分类代码", "国民经济行业分类代码"),
            note="以 GB/T 4754 门类字母 A–T 开头，如 F5211；可空",
        ),
        Column(
            "address",
            "住所",
            ("住所(经营场所)", "经营场所", "住所/经营场所", "地址", "注册地址", "经营地址"),
        ),
        Column(
            "legal_rep",
            "法定代表人",
            ("法定代表人(负责人)", "法定代表人/负责人", "负责人", "经营者", "法人代表"),
        ),
        Column("phone", "联系电话", ("电话", "联系方式", "手机", "手机号码")),
        Column(
            "status",
            "登记状态",
            ("经营状态", "状态", "企业状态", "主体状态"),
            note="存续、注销、吊销、迁出；空白为存续",
        ),
        Column(
            "established",
            "成立日期",
            ("成立时间", "注册日期", "设立日期"),
            note="YYYY-MM-DD、YYYY/M/D、YYYY年M月D日或 Excel 日期",
        ),
        Column(
            "credit_class",
            "信用风险分类",
            ("信用等级", "信用风险等级", "风险分类", "信用分类", "信用风险分类结果"),
            note="A、B、C、D（或“A类”等写法）；空白为未分类",
        ),
        Column("credit_date", "分类日期", ("信用分类日期", "风险分类日期", "分类时间")),
        Column(
            "key_tags",
            "重点领域",
            ("重点领域标签", "重点监管领域"),
            note="多个以“、”分隔",
        ),
        Column(
            "annual_report",
            "年报状态",
            ("年报情况", "年度报告状态", "年报报送状态"),
            note="已报送、未报送、无需报送",
        ),
    ),
)

INSPECTOR = Spec(
    kind="inspectors",
    label="检查人员",
    import_capability="inspectors.import",
    export_capability="inspectors.view",
    action="inspector.imported",
    object_type="inspectors.inspector",
    filename_stem="检查人员名录",
    columns=(
        Column(
            "badge_no",
            "执法证号",
            ("执法证号/人员编号", "人员编号", "执法证编号", "证号", "执法证件号"),
            required=True,
            note="辅助检查人员、专家填人员编号",
        ),
        Column("name", "姓名", ("人员姓名", "检查人员姓名"), required=True),
        Column(
            "unit",
            "所在单位",
            ("所属单位", "单位", "工作单位"),
            note="组织单元代码或名称，须在您的辖区内；必填（或选默认单位）",
        ),
        Column(
            "department",
            "所属部门",
            ("部门", "科室", "股室", "所在部门"),
            note="本县（区）的部门/股室，可空",
        ),
        Column(
            "kind",
            "人员类别",
            ("类别", "人员类型"),
            note="执法人员、辅助检查人员、专家；空白为执法人员",
        ),
        Column("qualifications", "资质标签", ("资质", "执法资质"), note="多个以“、”分隔"),
        Column("expertise", "专长标签", ("专长", "业务专长"), note="多个以“、”分隔"),
        Column(
            "regions",
            "负责区域",
            ("负责片区", "区域", "分管区域"),
            note="组织单元代码或名称，多个以“、”分隔；空白为所在单位",
        ),
        Column("on_duty", "在岗", ("是否在岗", "在岗状态"), note="是/否；空白为是"),
        Column("phone", "电话", ("联系电话", "手机", "手机号码")),
        Column(
            "conflicts",
            "申报回避（统一社会信用代码，多个以、分隔）",
            ("申报回避", "回避", "回避主体", "申报回避的市场主体", "回避企业"),
            note="须是名录库（本辖区）中已有的市场主体",
        ),
    ),
)

ITEM = Spec(
    kind="items",
    label="抽查事项",
    import_capability="catalog.edit",
    export_capability="catalog.view",
    action="item.imported",
    object_type="catalog.inspectionitem",
    filename_stem="抽查事项清单",
    columns=(
        Column("code", "编号", ("事项编号", "抽查事项编号"), required=True),
        Column("name", "抽查事项名称", ("事项名称", "抽查事项"), required=True),
        Column("sub_items", "抽查子项", ("子项", "检查子项"), note="每行一项"),
        Column("legal_basis", "抽查依据", ("依据", "法律依据", "检查依据")),
        Column(
            "subject",
            "抽查主体",
            ("检查主体", "实施主体"),
            note="本县（区）部门名称时关联到该部门",
        ),
        Column("object_type", "抽查对象", ("检查对象",), note="多个以“、”分隔；空白为企业"),
        Column(
            "ratio",
            "抽查比例",
            ("比例", "抽查比例上限"),
            note="一般事项如“5%”“不超过5%”；重点事项填“不设上限”或留空",
        ),
        Column("frequency", "抽查频次", ("频次", "检查频次")),
        Column(
            "methods",
            "抽查方式",
            ("检查方式", "核查方式"),
            note="核查方式代码表中的名称或代码（如实地检查、书面检查），多个以“、”分隔",
        ),
        Column("inspector_requirements", "检查人员要求", ("人员要求", "检查人员资质要求")),
        Column("note", "备注", ("说明",)),
        Column(
            "kind",
            "事项类别",
            ("类别", "事项类型", "检查事项类别"),
            note="重点/一般；空白时有比例上限为一般，否则为重点",
        ),
        Column(
            "unit",
            "制定单位",
            ("发布单位",),
            note="可空，默认为您所在的县（区）局；须在您的辖区内",
        ),
    ),
)

SPECS = {spec.kind: spec for spec in (ENTITY, INSPECTOR, ITEM)}


def match_header(spec, cells):
    """把表头单元格对到列：返回 ({列键: 下标}, {列键: 文件里的表头}, 问题列表, 忽略的表头)。"""
    positions, labels, problems, ignored = {}, {}, [], []
    for index, raw in enumerate(cells):
        text = normalise_header(raw)
        if not text:
            continue
        key = spec.lookup.get(text) or spec.lookup.get(_PAREN.sub("", text))
        if key is None:
            ignored.append(str(raw).strip())
            continue
        if key in positions:
            problems.append(
                f"列“{str(raw).strip()}”与列“{labels[key]}”都对应“{spec.column(key).header}”，只能保留一列"
            )
            continue
        positions[key] = index
        labels[key] = str(raw).strip()
    return positions, labels, problems, ignored


# ---------------------------------------------------------------- 代码表


def norm_key(text):
    return _SPACE.sub("", unicodedata.normalize("NFKC", str(text))).lower()


def _table(choices, extra):
    table = {}
    for value, label in choices:
        table[norm_key(value)] = value
        table[norm_key(label)] = value
    for text, value in extra.items():
        table[norm_key(text)] = value
    return table


ENTITY_TYPES = _table(
    EntityType.choices,
    {
        "个体": EntityType.INDIVIDUAL,
        "个体户": EntityType.INDIVIDUAL,
        "合作社": EntityType.COOP,
        "专业合作社": EntityType.COOP,
        "农民合作社": EntityType.COOP,
        "外国企业代表机构": EntityType.FOREIGN_REP,
        "外企常驻代表机构": EntityType.FOREIGN_REP,
        "常驻代表机构": EntityType.FOREIGN_REP,
    },
)
# 统一社会信用代码第 1、2 位 → 主体类型（主体类型空白时推断）
TYPE_BY_PREFIX = {
    "91": EntityType.ENTERPRISE,
    "92": EntityType.INDIVIDUAL,
    "93": EntityType.COOP,
}
ENTITY_STATUSES = _table(
    EntityStatus.choices,
    {
        "在业": EntityStatus.ACTIVE,
        "开业": EntityStatus.ACTIVE,
        "在营": EntityStatus.ACTIVE,
        "正常": EntityStatus.ACTIVE,
        "存续(在营、开业、在册)": EntityStatus.ACTIVE,
        "已注销": EntityStatus.CANCELLED,
        "已吊销": EntityStatus.REVOKED,
        "吊销,未注销": EntityStatus.REVOKED,
        "吊销未注销": EntityStatus.REVOKED,
        "已迁出": EntityStatus.MOVED_OUT,
    },
)
CREDIT_CLASSES = _table(
    CreditClass.choices,
    {
        "A类": "A",
        "B类": "B",
        "C类": "C",
        "D类": "D",
        "低": "A",
        "一般": "B",
        "较高": "C",
        "高": "D",
        "信用风险低": "A",
        "信用风险一般": "B",
        "信用风险较高": "C",
        "信用风险高": "D",
        "未分类": "U",
    },
)
ANNUAL_REPORTS = _table(
    AnnualReport.choices,
    {
        "已报": AnnualReport.REPORTED,
        "已年报": AnnualReport.REPORTED,
        "已公示": AnnualReport.REPORTED,
        "未报": AnnualReport.NOT_REPORTED,
        "未年报": AnnualReport.NOT_REPORTED,
        "未公示": AnnualReport.NOT_REPORTED,
        "不需报送": AnnualReport.NOT_DUE,
        "无需": AnnualReport.NOT_DUE,
        "不需": AnnualReport.NOT_DUE,
    },
)
INSPECTOR_KINDS = _table(
    InspectorKind.choices,
    {
        "执法": InspectorKind.OFFICER,
        "行政执法人员": InspectorKind.OFFICER,
        "辅助人员": InspectorKind.AUXILIARY,
        "辅助": InspectorKind.AUXILIARY,
        "专家人员": InspectorKind.EXPERT,
    },
)
ITEM_KINDS = _table(
    ItemKind.choices,
    {
        "重点": ItemKind.KEY,
        "重点事项": ItemKind.KEY,
        "一般": ItemKind.GENERAL,
        "一般事项": ItemKind.GENERAL,
    },
)
# 其他平台导出文件里的核查方式别名 → 参考代码（该代码在代码表里有效时才认）
CHECK_METHOD_ALIASES = {
    "现场检查": "1",
    "实地核查": "1",
    "书面审查": "2",
    "专业意见": "3",
    "检验": "4",
    "检测": "4",
    "网络监测检查": "5",
    "网络核查": "5",
    "委托专业机构": "6",
}


def check_methods_table():
    """核查方式代码表里有效的方式：代码、名称与别名 → 代码（每次导入读一次库）。"""
    active = [m for m in check_methods.rows() if m.active]
    codes = {m.code for m in active}
    aliases = {k: v for k, v in CHECK_METHOD_ALIASES.items() if v in codes}
    return _table([(m.code, m.name) for m in active], aliases)


YES_NO = {
    norm_key(k): v
    for k, v in {
        "是": True,
        "在岗": True,
        "y": True,
        "yes": True,
        "true": True,
        "1": True,
        "√": True,
        "否": False,
        "不在岗": False,
        "离岗": False,
        "n": False,
        "no": False,
        "false": False,
        "0": False,
        "×": False,
    }.items()
}


def choice_labels(choices):
    return "、".join(label for _, label in choices)
