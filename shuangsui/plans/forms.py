"""计划与任务的表单：选项都限定在用户辖区之内；保存经 services 完成。"""

from decimal import Decimal

from django import forms

from shuangsui.catalog import methods as check_methods
from shuangsui.catalog.models import InspectionItem
from shuangsui.core import scope
from shuangsui.core.forms import PercentField
from shuangsui.core.models import OrgUnit
from shuangsui.directory.choices import KEY_DOMAIN_TAGS, EntityStatus, EntityType
from shuangsui.directory.models import ObjectLibrary

from . import services
from .choices import ALL_STRATUM, CREDIT_STRATA, PlanKind, QuotaMode, Stratify, TargetKind
from .models import AnnualPlan

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CHECKS = forms.CheckboxSelectMultiple


def _items(user):
    return scope.visible_shared(
        InspectionItem.objects.filter(active=True).order_by("code"), user, "catalog.view"
    )


class PlanForm(forms.ModelForm):
    class Meta:
        model = AnnualPlan
        fields = [
            "kind",
            "year",
            "name",
            "lead_department",
            "departments",
            "items",
            "target_scope",
            "ratio",
            "base_date",
            "base_count",
            "base_source",
            "batches",
            "deadline",
            "note",
        ]
        field_classes = {"ratio": PercentField}
        labels = {"ratio": "抽查比例（%）"}
        widgets = {
            "base_date": DATE,
            "departments": CHECKS,
            "items": CHECKS,
            "deadline": DATE,
            "target_scope": forms.Textarea(attrs={"rows": 3}),
            "note": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"name": "留空则自动命名，如“丰泽区2026年度“双随机、一公开”抽查工作计划”"}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False
        self.fields["year"].initial = services.today().year
        self.fields["kind"].initial = PlanKind.ANNUAL
        depts = services.department_choices(user)
        self.fields["lead_department"].queryset = depts
        self.fields["lead_department"].empty_label = "（不指定）"
        self.fields["departments"].queryset = depts
        self.fields["items"].queryset = _items(user)
        self.fields["ratio"].help_text = "百分数，如 3.5 表示 3.5%"
        if not self.is_bound and not self.instance.pk:
            self.initial.setdefault("base_date", f"{services.today().year - 1}-12-31")

    def clean(self):
        data = super().clean()
        if data.get("base_count") is not None and not (data.get("base_source") or "").strip():
            self.add_error("base_source", "填写官方实有数时请注明来源")
        return data

    def service_kwargs(self):
        data = dict(self.cleaned_data)
        return {
            "departments": list(data.pop("departments")),
            "items": list(data.pop("items")),
            **data,
        }


class TaskForm(forms.Form):
    """抽查任务（抽查方案）：事项、部门、对象范围、配额规则、检查方式、期限。"""

    plan = forms.ModelChoiceField(
        label="所属计划", queryset=AnnualPlan.objects.none(), required=False
    )
    name = forms.CharField(
        label="方案名称",
        max_length=200,
        required=False,
        help_text="留空则按“地区+年度+抽查事项+抽查方案”自动命名",
    )
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    items = forms.ModelMultipleChoiceField(
        label="抽查事项", queryset=InspectionItem.objects.none(), widget=CHECKS
    )
    lead_department = forms.ModelChoiceField(
        label="发起部门", queryset=OrgUnit.objects.none(), required=False
    )
    departments = forms.ModelMultipleChoiceField(
        label="参与部门（联合抽查）", queryset=OrgUnit.objects.none(), required=False, widget=CHECKS
    )
    target_kind = forms.ChoiceField(label="对象类别", choices=TargetKind.choices)
    library = forms.ModelChoiceField(
        label="对象库", queryset=ObjectLibrary.objects.none(), required=False
    )
    regions = forms.ModelMultipleChoiceField(
        label="抽查区域（所）",
        queryset=OrgUnit.objects.none(),
        required=False,
        widget=CHECKS,
        help_text="不选即全县（区）",
    )
    entity_types = forms.MultipleChoiceField(
        label="主体类型", choices=EntityType.choices, required=False, widget=CHECKS
    )
    industries = forms.CharField(
        label="行业",
        required=False,
        help_text="国民经济行业分类（GB/T 4754-2017）门类或大类代码，以逗号分隔，如 F,H62（H62 餐饮业）",
    )
    statuses = forms.MultipleChoiceField(
        label="登记状态", choices=EntityStatus.choices, widget=CHECKS, initial=["active"]
    )
    key_tags = forms.MultipleChoiceField(
        label="重点领域",
        choices=[(t, t) for t in KEY_DOMAIN_TAGS],
        required=False,
        widget=CHECKS,
    )
    professional = forms.BooleanField(
        label="专业领域",
        required=False,
        help_text="专业领域的任务不计入差异化抽查户数占比（“除专业领域外”）",
    )
    include_a = forms.BooleanField(
        label="明确纳入A类主体", required=False, help_text="默认A类“无事不扰”，不进入抽取名单"
    )
    stratify = forms.ChoiceField(label="分层", choices=Stratify.choices, initial=Stratify.CREDIT)
    quota_mode = forms.ChoiceField(
        label="配额方式", choices=QuotaMode.choices, initial=QuotaMode.CLASS_RATIO
    )
    ratio = PercentField(
        label="抽查比例（%）",
        required=False,
        help_text="统一比例或基数比例，百分数：3.5 表示 3.5%",
    )
    base_count = forms.IntegerField(
        label="比例基数（户）",
        required=False,
        min_value=0,
        help_text="如上年末企业实有数（含未年报）；留空则用所属计划的基数",
    )
    methods = forms.MultipleChoiceField(label="检查方式", choices=(), widget=CHECKS, required=False)
    inspectors_per_target = forms.IntegerField(label="每户检查人员数", min_value=1, initial=2)
    match_inspectors = forms.BooleanField(label="随机匹配检查人员", required=False, initial=True)
    allow_neighbouring = forms.BooleanField(
        label="允许跨区域（相邻所）匹配",
        required=False,
        help_text="勾选后，同县（区）其他所负责的检查人员也可被随机匹配到本所的对象",
    )
    batches = forms.IntegerField(
        label="批次", min_value=1, initial=1, help_text="重点事项按抽取名次分批检查"
    )
    start_date = forms.DateField(label="开始日期", widget=DATE)
    deadline = forms.DateField(label="完成时限", widget=DATE)
    note = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = services.plans_for(user)
        self.fields["items"].queryset = _items(user)
        depts = services.department_choices(user)
        self.fields["lead_department"].queryset = depts
        self.fields["departments"].queryset = depts
        self.fields["regions"].queryset = services.region_choices(user)
        self.fields["library"].queryset = scope.scoped(ObjectLibrary.objects.all(), user)
        self.fields["plan"].empty_label = "（不属于计划）"
        self.fields["lead_department"].empty_label = "（不指定）"
        self.fields["library"].empty_label = "（不选）"
        # 代码表里有效的方式；任务原有的停用方式照常列出（可保留）
        self.fields["methods"].choices = check_methods.choices(keep=self.initial.get("methods", ()))
        if not self.is_bound and "year" not in self.initial:
            self.initial["year"] = services.today().year
        weights = services.rules_for(user.unit).class_weights()
        for label in CREDIT_STRATA:
            name = "未分类" if label == "U" else f"{label}类"
            self.fields[f"ratio_{label}"] = PercentField(label=f"{name}比例（%）", required=False)
            self.fields[f"weight_{label}"] = forms.DecimalField(
                label=f"{name}权重",
                required=False,
                min_value=0,
                max_value=100,
                max_digits=6,
                decimal_places=3,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 6}),
            )
            if not self.is_bound and f"weight_{label}" not in self.initial:
                self.initial[f"weight_{label}"] = weights[label]
            self.fields[f"count_{label}"] = forms.IntegerField(
                label=f"{name}户数", required=False, min_value=0
            )
        for label in [*CREDIT_STRATA, ALL_STRATUM]:
            name = {"U": "未分类", ALL_STRATUM: "不分层"}.get(label, f"{label}类")
            self.fields[f"reserve_{label}"] = forms.IntegerField(
                label=f"{name}备选户数", required=False, min_value=0
            )

    @classmethod
    def initial_from(cls, task):
        initial = {
            name: getattr(task, name)
            for name in (
                "plan",
                "name",
                "year",
                "lead_department",
                "target_kind",
                "library",
                "professional",
                "include_a",
                "stratify",
                "quota_mode",
                "ratio",
                "base_count",
                "inspectors_per_target",
                "match_inspectors",
                "allow_neighbouring",
                "batches",
                "start_date",
                "deadline",
                "note",
            )
        }
        initial["items"] = list(task.items.all())
        initial["departments"] = list(task.departments.all())
        initial["regions"] = list(task.regions.all())
        initial["entity_types"] = task.entity_type_list
        initial["industries"] = ",".join(task.industry_list)
        initial["statuses"] = task.status_list
        initial["key_tags"] = task.key_tag_list
        initial["methods"] = task.method_list
        for label, value in task.class_ratios.items():
            initial[f"ratio_{label}"] = Decimal(value)
        for label, value in task.class_weights.items():
            initial[f"weight_{label}"] = value
        for label, value in task.class_counts.items():
            initial[f"count_{label}"] = value
        for label, value in task.reserves.items():
            initial[f"reserve_{label}"] = value
        return initial

    def ratio_fields(self):
        return [self[f"ratio_{label}"] for label in CREDIT_STRATA]

    def weight_fields(self):
        return [self[f"weight_{label}"] for label in CREDIT_STRATA]

    def count_fields(self):
        return [self[f"count_{label}"] for label in CREDIT_STRATA]

    def reserve_fields(self):
        return [self[f"reserve_{label}"] for label in [*CREDIT_STRATA, ALL_STRATUM]]

    def service_kwargs(self):
        d = self.cleaned_data
        kwargs = {
            name: d[name]
            for name in (
                "plan",
                "name",
                "year",
                "lead_department",
                "target_kind",
                "library",
                "entity_types",
                "statuses",
                "key_tags",
                "professional",
                "include_a",
                "stratify",
                "quota_mode",
                "ratio",
                "base_count",
                "methods",
                "inspectors_per_target",
                "match_inspectors",
                "batches",
                "start_date",
                "deadline",
                "note",
            )
        }
        if "allow_neighbouring" in services.TASK_FIELDS:  # 服务层接受此字段之后才传入
            kwargs["allow_neighbouring"] = d["allow_neighbouring"]
        kwargs["industries"] = [p.strip() for p in d["industries"].replace("，", ",").split(",")]
        kwargs["class_ratios"] = {
            label: d[f"ratio_{label}"] for label in CREDIT_STRATA if d[f"ratio_{label}"]
        }
        kwargs["class_weights"] = (
            {
                label: d[f"weight_{label}"]
                for label in CREDIT_STRATA
                if d[f"weight_{label}"] is not None
            }
            if d["quota_mode"] == QuotaMode.BASE_RATIO
            else {}
        )
        kwargs["class_counts"] = {
            label: d[f"count_{label}"] for label in CREDIT_STRATA if d[f"count_{label}"] is not None
        }
        kwargs["reserves"] = {
            label: d[f"reserve_{label}"]
            for label in [*CREDIT_STRATA, ALL_STRATUM]
            if d[f"reserve_{label}"]
        }
        kwargs["items"] = list(d["items"])
        kwargs["departments"] = list(d["departments"])
        kwargs["regions"] = list(d["regions"])
        return kwargs


class ApproveForm(forms.Form):
    allow_duplicates = forms.BooleanField(label="已核实：与所列任务不属于重复任务", required=False)
    duplicate_note = forms.CharField(
        label="核实说明", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
