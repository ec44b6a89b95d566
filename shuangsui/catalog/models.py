"""一单：随机抽查事项清单与检查结果代码。"""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

from shuangsui.core import scope
from shuangsui.core.choices import Role, UnitLevel
from shuangsui.core.models import OrgUnit
from shuangsui.lib import ranges

from .choices import ItemKind, MethodMode, ObjectType


def split_tags(text):
    """把“、”“，”“,”“;”或换行分隔的文本拆成去重的标签列表。"""
    if not text:
        return []
    for sep in "，、；;\n|":
        text = text.replace(sep, ",")
    seen = []
    for part in text.split(","):
        part = part.strip()
        if part and part not in seen:
            seen.append(part)
    return seen


def join_tags(tags):
    """标签以“,a,b,”形式存储，便于 `contains=",a,"` 精确匹配。"""
    tags = [t for t in tags if t]
    return f",{','.join(tags)}," if tags else ""


class InspectionItem(models.Model):
    """随机抽查事项：一般事项有比例上限，重点事项不设上限、按抽取顺序分批检查。"""

    unit = models.ForeignKey(
        OrgUnit, verbose_name="制定单位", on_delete=models.PROTECT, related_name="items"
    )
    scope_path = models.CharField("辖区路径", max_length=255, db_index=True, editable=False)
    code = models.CharField("编号", max_length=32)
    name = models.CharField("抽查事项名称", max_length=200)
    sub_items = models.TextField("抽查子项", blank=True, help_text="每行一项")
    legal_basis = models.TextField("抽查依据", blank=True)
    department = models.ForeignKey(
        OrgUnit,
        verbose_name="抽查主体（部门）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    subject = models.CharField("抽查主体", max_length=100, blank=True)
    object_type = models.CharField(
        "抽查对象", max_length=100, default=ObjectType.ENTERPRISE, help_text="多个以“、”分隔"
    )
    kind = models.CharField(
        "事项类别", max_length=10, choices=ItemKind.choices, default=ItemKind.GENERAL
    )
    ratio_cap = models.DecimalField(
        "抽查比例上限",
        max_digits=6,
        decimal_places=4,
        null=True,
        blank=True,
        validators=ranges.ratio("抽查比例上限"),
        help_text="一般事项必填，如 0.05 表示 5%；重点事项不设上限",
    )
    ratio_text = models.CharField("抽查比例", max_length=100, blank=True)
    frequency = models.CharField("抽查频次", max_length=100, blank=True)
    methods = models.CharField(
        "抽查方式", max_length=40, blank=True, help_text="核查方式代码，以“,”分隔"
    )
    inspector_requirements = models.CharField(
        "检查人员要求", max_length=255, blank=True, help_text="资质标签，以“,”分隔存储"
    )
    note = models.TextField("备注", blank=True)
    active = models.BooleanField("有效", default=True)
    updated = models.DateTimeField("更新时间", auto_now=True)

    audited = True

    class Meta:
        verbose_name = "抽查事项"
        verbose_name_plural = "抽查事项清单"
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "code"],
                name="item_code_unique_per_unit",
                violation_error_message="同一单位的抽查事项编号不能重复",
            ),
            ranges.ratio_check("item", "ratio_cap", "抽查比例上限", null=True),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def clean(self):
        if self.kind == ItemKind.GENERAL and self.ratio_cap is None:
            raise ValidationError({"ratio_cap": "一般检查事项必须设定抽查比例上限"})
        if self.kind == ItemKind.KEY and self.ratio_cap is not None:
            raise ValidationError({"ratio_cap": "重点检查事项不设抽查比例上限"})
        from . import methods

        bad = methods.refused(self.method_list, keep=self._saved_methods())
        if bad:
            raise ValidationError({"methods": bad})

    def save(self, *args, **kwargs):
        self.scope_path = self.unit.path
        super().save(*args, **kwargs)

    def _saved_methods(self):
        """已保存的核查方式：其中后来停用的可以留着（旧记录照常显示），新选的须有效。"""
        if not self.pk:
            return []
        saved = InspectionItem.objects.filter(pk=self.pk).values_list("methods", flat=True)
        return [m for m in (saved.first() or "").split(",") if m]

    def change_refused(self, user):
        """`user` 为什么不能新增、修改或删除这条事项（中文原因）；可以时返回 None。

        事项属于它的制定单位和抽查主体部门：只有它们的人员（制定单位本级及其市场监管股室、
        抽查主体部门）和辖区内的系统管理员可以改，页面、API、导入、后台都一样。
        联合部门的账号只能改抽查主体是本部门的事项。`user` 为 None 表示系统身份（命令行）。
        """
        if user is None or user.is_superuser:
            return None
        if not scope.can(user, "catalog.edit"):
            return "没有修改抽查事项清单的权限"
        if user.role == Role.ADMIN:
            return None if scope.in_scope(user, self.unit.path) else "该抽查事项不在您的辖区内"
        mine = user.unit
        if mine.id in (self.unit_id, self.department_id):
            return None
        if (
            mine.level == UnitLevel.DEPARTMENT
            and mine.is_market_regulator
            and mine.parent_id == self.unit_id
        ):
            return None
        owner = f"“{self.unit.name}”"
        if self.department_id:
            owner += f"（抽查主体：{self.department.name}）"
        return (
            f"该抽查事项属于{owner}，只有制定单位、抽查主体部门和系统管理员可以新增或修改；"
            f"您所在的“{mine.name}”不能"
        )

    @property
    def method_list(self):
        return [m for m in self.methods.split(",") if m]

    @property
    def method_labels(self):
        from . import methods

        return methods.labels(self.method_list)

    @property
    def requirement_tags(self):
        return [t for t in self.inspector_requirements.split(",") if t]

    @property
    def sub_item_list(self):
        return [line.strip() for line in self.sub_items.splitlines() if line.strip()]


class ResultCode(models.Model):
    """检查结果代码（多选、分层），管理员可维护。"""

    code = models.CharField("代码", max_length=8, unique=True)
    name = models.CharField("名称", max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    order = models.PositiveSmallIntegerField("顺序", default=0)
    active = models.BooleanField("有效", default=True)

    audited = True

    class Meta:
        verbose_name = "检查结果代码"
        verbose_name_plural = "检查结果代码"
        ordering = ["order"]

    def __str__(self):
        return f"{self.code} {self.name}"


def ensure_result_codes():
    """检查结果代码表为空时按参考代码补齐（迁移已装入；清空过的库如演示、页面测试再装一次）。"""
    from .choices import RESULT_CODES

    if ResultCode.objects.exists():
        return 0
    made = {}
    for order, (code, name, parent) in enumerate(RESULT_CODES, start=1):
        made[code] = ResultCode.objects.create(
            code=code, name=name, order=order, parent=made.get(parent)
        )
    return len(made)


class FollowUpMeasure(models.Model):
    """检查后的后续处置措施（代码表），系统管理员可维护；停用而不删除。"""

    code = models.CharField("代码", max_length=8, unique=True)
    name = models.CharField("名称", max_length=100, unique=True)
    order = models.PositiveSmallIntegerField("顺序", default=0)
    active = models.BooleanField("有效", default=True)

    audited = True

    class Meta:
        verbose_name = "后续处置措施"
        verbose_name_plural = "后续处置措施"
        ordering = ["order", "code"]

    def __str__(self):
        return self.name


class CheckMethod(models.Model):
    """核查方式（代码表，多选），系统管理员可维护；停用而不删除，旧记录照常显示停用的方式。

    规则看“性质”而不看代码：含现场性质的事项、任务每户须两名执法人员，只有现场性质（没有书面、
    非现场性质）的事项“应当现场检查”，书面性质的方式用于B类书面检查优先。
    """

    code = models.CharField(
        "代码",
        max_length=8,
        unique=True,
        validators=[RegexValidator(r"^[0-9A-Za-z]+$", "代码只能由字母和数字组成")],
        help_text="字母或数字；保存后不能再改（已有记录按代码引用）",
    )
    name = models.CharField("名称", max_length=100, unique=True)
    mode = models.CharField(
        "性质",
        max_length=10,
        choices=MethodMode.choices,
        default=MethodMode.OTHER,
        help_text="现场：须两名以上执法人员到场，“应当现场检查”的事项必须选它；"
        "书面、非现场监测：事项含它们则不必现场；书面：B类书面检查优先时须选它",
    )
    order = models.PositiveSmallIntegerField("顺序", default=0)
    active = models.BooleanField("有效", default=True)

    audited = True

    class Meta:
        verbose_name = "核查方式"
        verbose_name_plural = "核查方式"
        ordering = ["order", "code"]

    def __str__(self):
        return f"{self.code} {self.name}"
