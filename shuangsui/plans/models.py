"""抽查计划（年度计划、部门联合计划）、抽查任务（抽查方案）与各地区的抽查规则。"""

import calendar
import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q

from shuangsui.catalog.models import InspectionItem, join_tags
from shuangsui.core.models import OrgUnit
from shuangsui.directory.models import ObjectLibrary
from shuangsui.lib import ranges

from .choices import (
    ALL_STRATUM,
    DIFFERENTIATED_MODES,
    PlanKind,
    PlanStatus,
    PublicationStart,
    QuotaMode,
    Stratify,
    TargetKind,
    TaskStatus,
)

RATIO_VALIDATORS = ranges.ratio()
MONTH_DAY = RegexValidator(r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", "应为“月-日”，如 01-31")
WEIGHT_VALIDATORS = ranges.between(Decimal("0"), Decimal("100"), "权重应在 0 到 100 之间")
# 各地区未设定时的信用分类权重：A 类低比例，B 类常规，C 类提高，D 类重点
DEFAULT_CLASS_WEIGHTS = {"A": "0.5", "B": "1", "C": "3", "D": "5", "U": "1"}


def _weight_field(label, name):
    return models.DecimalField(
        f"{name}权重",
        max_digits=6,
        decimal_places=3,
        default=Decimal(DEFAULT_CLASS_WEIGHTS[label]),
        validators=WEIGHT_VALIDATORS,
        help_text="基数比例按“名单人数 × 权重”分配到各信用分类；0 表示该类不抽",
    )


def tag_list(text):
    return [t for t in (text or "").split(",") if t]


class RegionRules(models.Model):
    """某一地区（组织单元）的抽查规则；下级没有设定时沿用最近的上级，都没有时用默认值。

    频次上限按“本年度在其他任务的有效抽取中入选的次数”计算；空值表示不设上限（按需或按法定频次）。
    """

    unit = models.OneToOneField(
        OrgUnit, verbose_name="适用单位", on_delete=models.PROTECT, related_name="plan_rules"
    )
    scope_path = models.CharField("辖区路径", max_length=255, db_index=True, editable=False)
    a_undisturbed = models.BooleanField(
        "A类无事不扰", default=True, help_text="任务未明确纳入A类时，A类主体不进入抽取名单"
    )
    cap_a = models.PositiveSmallIntegerField(
        "A类年度上限（一般领域，明确纳入时）",
        null=True,
        blank=True,
        default=1,
        validators=ranges.count("年度次数上限", hi=ranges.MAX_YEARLY_CAP),
    )
    cap_b = models.PositiveSmallIntegerField(
        "B类年度上限（一般领域）",
        null=True,
        blank=True,
        default=1,
        validators=ranges.count("年度次数上限", hi=ranges.MAX_YEARLY_CAP),
    )
    cap_c = models.PositiveSmallIntegerField(
        "C类年度上限（一般领域）",
        null=True,
        blank=True,
        default=2,
        validators=ranges.count("年度次数上限", hi=ranges.MAX_YEARLY_CAP),
    )
    cap_d = models.PositiveSmallIntegerField(
        "D类年度上限（一般领域）",
        null=True,
        blank=True,
        help_text="空表示根据监管实际需要确定",
        validators=ranges.count("年度次数上限", hi=ranges.MAX_YEARLY_CAP),
    )
    cap_u = models.PositiveSmallIntegerField(
        "未分类年度上限（一般领域）",
        null=True,
        blank=True,
        validators=ranges.count("年度次数上限", hi=ranges.MAX_YEARLY_CAP),
    )
    cap_key = models.PositiveSmallIntegerField(
        "重点领域年度上限",
        null=True,
        blank=True,
        help_text="按法律法规规定的法定检查次数；空表示不在此处限制",
        validators=ranges.count("年度次数上限", hi=ranges.MAX_YEARLY_CAP),
    )
    annual_plan_due = models.CharField(
        "年度计划备案截止（月-日）", max_length=5, default="01-31", validators=[MONTH_DAY]
    )
    joint_plan_due = models.CharField(
        "联合计划备案截止（月-日）", max_length=5, default="03-31", validators=[MONTH_DAY]
    )
    weight_a = _weight_field("A", "A类")
    weight_b = _weight_field("B", "B类")
    weight_c = _weight_field("C", "C类")
    weight_d = _weight_field("D", "D类")
    weight_u = _weight_field("U", "未分类")
    min_yearly_ratio = models.DecimalField(
        "全年企业抽查比例下限",
        max_digits=6,
        decimal_places=4,
        default=Decimal("0.035"),
        validators=RATIO_VALIDATORS,
    )
    differentiated_share_min = models.DecimalField(
        "差异化抽查户数占比下限",
        max_digits=6,
        decimal_places=4,
        default=Decimal("0.85"),
        validators=RATIO_VALIDATORS,
    )
    # 检查结果的期限（按法定工作日历计算）
    entry_days = models.PositiveSmallIntegerField(
        "结果录入期限（工作日）", default=20, help_text="检查完毕之日起多少个工作日内录入"
    )
    review_required = models.BooleanField("结果须审核", default=True)
    review_days = models.PositiveSmallIntegerField(
        "审核期限（工作日）", default=3, help_text="提交之日起；不得晚于公示期限"
    )
    publication_start = models.CharField(
        "公示期限起算",
        max_length=12,
        choices=PublicationStart.choices,
        default=PublicationStart.CHECK_END,
    )
    publication_days = models.PositiveSmallIntegerField("公示期限天数", default=20)
    publication_working = models.BooleanField(
        "公示期限按工作日计算", default=False, help_text="不勾选时按自然日，届满日遇节假日顺延"
    )
    # 再检查（质量复查）：已检查完毕的对象按比例抽样，至少若干户（不足时全部）
    recheck_ratio = models.DecimalField(
        "再检查抽样比例",
        max_digits=6,
        decimal_places=4,
        default=Decimal("0.05"),
        validators=RATIO_VALIDATORS,
        help_text="每个所 ceil(已检查户数 × 比例)",
    )
    recheck_minimum = models.PositiveSmallIntegerField(
        "再检查最少户数", default=5, help_text="按比例不足此数时补足（已检查户数更少时全部抽取）"
    )
    credit_draws_public = models.BooleanField(
        "信用分类分层抽取的公开记录向社会公开",
        default=True,
        help_text="公开记录的键能透露主体属于抽取比例较高的类别（抽取协议第 8 节）；"
        "不勾选时只向审计方提供、依申请公开，公开页面只列任务、承诺、记录摘要与抽中名单",
    )

    audited = True

    class Meta:
        verbose_name = "抽查规则"
        verbose_name_plural = "抽查规则"
        constraints = [
            ranges.ratio_check("rules", "min_yearly_ratio", "全年企业抽查比例下限"),
            ranges.ratio_check("rules", "differentiated_share_min", "差异化抽查户数占比下限"),
            ranges.ratio_check("rules", "recheck_ratio", "再检查抽样比例"),
        ]

    def __str__(self):
        return f"{self.unit.name if self.unit_id else '默认'}抽查规则"

    def clean(self):
        for name in ("annual_plan_due", "joint_plan_due"):
            try:
                self._due(getattr(self, name), 2024)  # 闰年：02-29 可用
            except ValueError:
                label = self._meta.get_field(name).verbose_name
                raise ValidationError({name: f"{label}不是有效的日期"}) from None

    def save(self, *args, **kwargs):
        self.scope_path = self.unit.path
        super().save(*args, **kwargs)

    def cap_for(self, credit_class, key_domain):
        """该分类在此领域的年度次数上限；None 表示不限。"""
        if key_domain:
            return self.cap_key
        return {
            "A": self.cap_a,
            "B": self.cap_b,
            "C": self.cap_c,
            "D": self.cap_d,
            "U": self.cap_u,
        }.get(credit_class)

    def class_weights(self):
        """各信用分类的默认权重：{"A": "0.5", …}（规范的十进制字符串）。"""
        return {
            label: format(getattr(self, f"weight_{label.lower()}").normalize(), "f")
            for label in DEFAULT_CLASS_WEIGHTS
        }

    @staticmethod
    def _due(text, year):
        month, day = (int(p) for p in text.split("-"))
        if (month, day) == (2, 29) and not calendar.isleap(year):
            day = 28
        return datetime.date(year, month, day)

    def plan_due(self, kind, year):
        """计划的备案截止日；年度或“月-日”无效（库里的旧数据）时为 None，页面不因此出错。"""
        try:
            return self._due(
                self.joint_plan_due if kind == PlanKind.JOINT else self.annual_plan_due, year
            )
        except (TypeError, ValueError, OverflowError):
            return None


class AnnualPlan(models.Model):
    """抽查计划：部门年度抽查计划（1 月底前备案），或部门联合抽查计划（3 月底前备案）。"""

    unit = models.ForeignKey(
        OrgUnit, verbose_name="制定单位", on_delete=models.PROTECT, related_name="plans"
    )
    scope_path = models.CharField("辖区路径", max_length=255, db_index=True, editable=False)
    kind = models.CharField("计划类别", max_length=10, choices=PlanKind.choices)
    year = models.PositiveSmallIntegerField("年度", validators=ranges.year())
    name = models.CharField("计划名称", max_length=200)
    lead_department = models.ForeignKey(
        OrgUnit,
        verbose_name="牵头部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_plans",
    )
    departments = models.ManyToManyField(
        OrgUnit, verbose_name="参与部门", blank=True, related_name="joined_plans"
    )
    items = models.ManyToManyField(
        InspectionItem, verbose_name="抽查事项", blank=True, related_name="plans"
    )
    target_scope = models.TextField("抽查对象范围", blank=True)
    ratio = models.DecimalField(
        "抽查比例",
        max_digits=6,
        decimal_places=4,
        null=True,
        blank=True,
        validators=RATIO_VALIDATORS,
        help_text="如 0.035 表示 3.5%",
    )
    base_count = models.PositiveIntegerField(
        "官方实有数（户）",
        null=True,
        blank=True,
        help_text="统计部门或上级通报的上年末企业实有数（含未年报）；填写后以此为比例基数",
        validators=ranges.count("官方实有数"),
    )
    base_source = models.CharField(
        "实有数来源", max_length=200, blank=True, help_text="如“泉州市市场监管局2025年底企业统计”"
    )
    base_date = models.DateField(
        "基数日期",
        null=True,
        blank=True,
        help_text="如上年末 12 月 31 日；据此从名录统计基数",
        validators=ranges.date("基数日期"),
    )
    base_snapshot = models.PositiveIntegerField(
        "名录统计数（户）",
        null=True,
        blank=True,
        editable=False,
        help_text="基数日期时名录中存续的企业（含未年报）",
    )
    base_snapshot_at = models.DateTimeField("统计时间", null=True, blank=True, editable=False)
    batches = models.PositiveSmallIntegerField(
        "批次", default=1, validators=ranges.count("批次", 1, ranges.MAX_BATCHES)
    )
    deadline = models.DateField(
        "完成时限", null=True, blank=True, validators=ranges.date("完成时限")
    )
    status = models.CharField(
        "状态", max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    filed_on = models.DateField(
        "备案日期", null=True, blank=True, validators=ranges.date("备案日期")
    )
    note = models.TextField("备注", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="制定人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created = models.DateTimeField("创建时间", auto_now_add=True)
    updated = models.DateTimeField("更新时间", auto_now=True)

    audited = True

    class Meta:
        verbose_name = "抽查计划"
        verbose_name_plural = "抽查计划"
        ordering = ["-year", "kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "kind", "year", "name"],
                name="plan_name_unique_per_unit_year",
                violation_error_message="同一单位同一年度已有同名的同类计划",
                violation_error_code="unique",
            ),
            ranges.year_check("plan"),
            ranges.ratio_check("plan", "ratio", null=True),
            ranges.count_check("plan", "base_count", "比例基数", null=True),
            ranges.count_check("plan", "batches", "批次", 1, ranges.MAX_BATCHES),
            ranges.date_check("plan", "deadline", "完成时限", null=True),
            ranges.date_check("plan", "filed_on", "备案日期", null=True),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.scope_path = self.unit.path
        super().save(*args, **kwargs)

    @property
    def is_joint(self):
        return self.kind == PlanKind.JOINT

    @property
    def base(self):
        """比例基数：填写了官方实有数时用它，否则用名录统计数；都没有时 None。"""
        return self.base_count if self.base_count is not None else self.base_snapshot


class Task(models.Model):
    """抽查任务（抽查方案）：事项、部门、对象范围、配额规则、检查方式与完成时限。

    状态：草稿 → 已批准（有 plans.approve 能力的用户批准）→ 已抽取；只有草稿可以修改。
    职责分离：制定人与最后修改人都不能批准，须由另一位有批准权限的人批准。
    抽取作废后任务回到“已批准”，可重新抽取。
    """

    plan = models.ForeignKey(
        AnnualPlan,
        verbose_name="所属计划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name="制定单位", on_delete=models.PROTECT, related_name="tasks"
    )
    scope_path = models.CharField("辖区路径", max_length=255, db_index=True, editable=False)
    code = models.CharField("任务编号", max_length=40)
    name = models.CharField("方案名称", max_length=200)
    year = models.PositiveSmallIntegerField("年度", validators=ranges.year())
    items = models.ManyToManyField(InspectionItem, verbose_name="抽查事项", related_name="tasks")
    lead_department = models.ForeignKey(
        OrgUnit,
        verbose_name="发起部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_tasks",
    )
    departments = models.ManyToManyField(
        OrgUnit, verbose_name="参与部门", blank=True, related_name="joint_tasks"
    )
    # 检查对象范围
    target_kind = models.CharField(
        "对象类别", max_length=10, choices=TargetKind.choices, default=TargetKind.ENTITIES
    )
    library = models.ForeignKey(
        ObjectLibrary,
        verbose_name="对象库",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    regions = models.ManyToManyField(
        OrgUnit,
        verbose_name="抽查区域（所）",
        blank=True,
        related_name="region_tasks",
        help_text="不选即本单位所属县（区）全域",
    )
    entity_types = models.CharField("主体类型", max_length=255, blank=True)
    industries = models.CharField(
        "行业", max_length=255, blank=True, help_text="行业门类或代码前缀，如 F、H62"
    )
    statuses = models.CharField("登记状态", max_length=255, default=",active,")
    key_tags = models.CharField("重点领域", max_length=255, blank=True)
    professional = models.BooleanField(
        "专业领域",
        default=False,
        help_text="专业领域的抽查任务不计入差异化抽查户数占比（“除专业领域外”）",
    )
    include_a = models.BooleanField(
        "明确纳入A类", default=False, help_text="默认A类“无事不扰”；重点事项等确需检查时勾选"
    )
    # 配额规则
    stratify = models.CharField(
        "分层", max_length=10, choices=Stratify.choices, default=Stratify.CREDIT
    )
    quota_mode = models.CharField(
        "配额方式", max_length=12, choices=QuotaMode.choices, default=QuotaMode.CLASS_RATIO
    )
    ratio = models.DecimalField(
        "抽查比例",
        max_digits=6,
        decimal_places=4,
        null=True,
        blank=True,
        validators=RATIO_VALIDATORS,
        help_text="统一比例或基数比例，如 0.035",
    )
    base_count = models.PositiveIntegerField(
        "比例基数（户）",
        null=True,
        blank=True,
        help_text="如上年末企业实有数",
        validators=ranges.count("比例基数"),
    )
    class_ratios = models.JSONField(
        "分类比例", default=dict, blank=True, help_text="信用分类 → 比例字符串"
    )
    class_weights = models.JSONField(
        "分类权重",
        default=dict,
        blank=True,
        help_text="基数比例方式：信用分类 → 权重字符串；空时用本地区抽查规则的默认权重",
    )
    class_counts = models.JSONField(
        "分类户数", default=dict, blank=True, help_text="信用分类 → 户数"
    )
    reserves = models.JSONField("备选户数", default=dict, blank=True, help_text="层 → 备选户数")
    methods = models.CharField("检查方式", max_length=40, blank=True)
    inspectors_per_target = models.PositiveSmallIntegerField(
        "每户检查人员数",
        default=2,
        validators=ranges.count("每户检查人员数", 1, ranges.MAX_PER_TARGET),
    )
    match_inspectors = models.BooleanField("随机匹配检查人员", default=True)
    written_first_b = models.BooleanField(
        "B类书面检查优先",
        default=False,
        help_text="对B类对象先开展书面检查，未发现问题的可不开展现场检查（须现场检查的事项除外）",
    )
    completed_on = models.DateField("完成日期", null=True, blank=True, editable=False)
    allow_neighbouring = models.BooleanField(
        "允许跨区域（相邻所）匹配",
        default=False,
        help_text="勾选后，同县（区）其他所负责的检查人员也可被随机匹配到本所的对象",
    )
    batches = models.PositiveSmallIntegerField(
        "批次",
        default=1,
        validators=ranges.count("批次", 1, ranges.MAX_BATCHES),
        help_text="重点事项按抽取名次分批",
    )
    start_date = models.DateField("开始日期", validators=ranges.date("开始日期"))
    deadline = models.DateField("完成时限", validators=ranges.date("完成时限"))
    note = models.TextField("备注", blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=TaskStatus.choices, default=TaskStatus.DRAFT
    )
    duplicate_note = models.TextField("重复任务核实说明", blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="批准人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField("批准时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="制定人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="最后修改人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created = models.DateTimeField("创建时间", auto_now_add=True)
    updated = models.DateTimeField("更新时间", auto_now=True)

    audited = True

    class Meta:
        verbose_name = "抽查任务"
        verbose_name_plural = "抽查任务"
        ordering = ["-year", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], name="task_code_unique", violation_error_message="任务编号不能重复"
            ),
            models.CheckConstraint(
                condition=Q(deadline__gte=F("start_date")),
                name="task_deadline_after_start",
                violation_error_message="完成时限不能早于开始日期",
            ),
            ranges.year_check("task"),
            ranges.ratio_check("task", "ratio", null=True),
            ranges.count_check("task", "base_count", "比例基数", null=True),
            ranges.count_check("task", "batches", "批次", 1, ranges.MAX_BATCHES),
            ranges.count_check(
                "task", "inspectors_per_target", "每户检查人员数", 1, ranges.MAX_PER_TARGET
            ),
            ranges.date_check("task", "start_date", "开始日期"),
            ranges.date_check("task", "deadline", "完成时限"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def clean(self):
        """分类比例在 0–1 之间；分类户数、备选户数为不超过上限的非负整数。"""
        errors = {}
        for label, value in (self.class_ratios or {}).items():
            try:
                number = Decimal(str(value))
            except (ArithmeticError, ValueError):
                number = None
            if number is None or not number.is_finite() or not 0 <= number <= 1:
                errors.setdefault("class_ratios", []).append(
                    f"{label}类比例“{value}”应在 0 到 1 之间（即 0 到 100%）"
                )
        for name, what in (("class_counts", "户数"), ("reserves", "备选户数")):
            for label, value in (getattr(self, name) or {}).items():
                ok = isinstance(value, int) and not isinstance(value, bool)
                if not ok or not 0 <= value <= ranges.MAX_COUNT:
                    errors.setdefault(name, []).append(
                        f"{label} 的{what}“{value}”应为 0 到 {ranges.MAX_COUNT} 之间的整数"
                    )
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.scope_path = self.unit.path
        super().save(*args, **kwargs)

    # ---- 便于模板与服务使用的属性
    @property
    def entity_type_list(self):
        return tag_list(self.entity_types)

    @property
    def entity_type_labels(self):
        from shuangsui.directory.choices import EntityType

        labels = dict(EntityType.choices)
        return [labels.get(t, t) for t in self.entity_type_list]

    @property
    def status_labels(self):
        from shuangsui.directory.choices import EntityStatus

        labels = dict(EntityStatus.choices)
        return [labels.get(s, s) for s in self.status_list]

    @property
    def industry_list(self):
        return tag_list(self.industries)

    @property
    def status_list(self):
        return tag_list(self.statuses)

    @property
    def key_tag_list(self):
        return tag_list(self.key_tags)

    @property
    def method_list(self):
        return tag_list(self.methods)

    @property
    def method_labels(self):
        from shuangsui.catalog import methods

        return methods.labels(self.method_list)

    @property
    def is_editable(self):
        return self.status == TaskStatus.DRAFT

    def may_be_approved_by(self, user):
        """职责分离：制定或最后修改本任务的人不能批准它。"""
        return user is not None and user.pk not in (self.created_by_id, self.updated_by_id)

    @property
    def is_key_domain(self):
        """含重点事项，或限定了重点领域：频次按法定，不受一般领域 B/C 上限约束。"""
        from shuangsui.catalog.choices import ItemKind

        return bool(self.key_tag_list) or self.items.filter(kind=ItemKind.KEY).exists()

    @property
    def is_differentiated(self):
        """按信用分类分层且各类配额分别设定（分类比例、分类户数，或基数比例按分类加权），
        即“差异化抽查”。"""
        return (
            self.target_kind == TargetKind.ENTITIES
            and self.stratify == Stratify.CREDIT
            and self.quota_mode in DIFFERENTIATED_MODES
        )

    @property
    def stratum_labels(self):
        from .choices import CREDIT_STRATA

        if self.target_kind == TargetKind.ENTITIES and self.stratify == Stratify.CREDIT:
            return CREDIT_STRATA
        return [ALL_STRATUM]

    @staticmethod
    def join(values):
        return join_tags(values)
