"""计划与抽查任务的业务规则：命名、编号、备案期限、比例上限、重复任务、批准与差异化占比。

页面、接口与命令都调用这里的函数；每个写操作在一个事务里完成并写一条审计事件。
规则不满足时抛出 `ValidationError`（中文消息），越权时抛出 `PermissionDenied`。
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from shuangsui.catalog import methods as check_methods
from shuangsui.catalog.choices import ItemKind
from shuangsui.catalog.models import InspectionItem
from shuangsui.core import audit, scope
from shuangsui.core.choices import UnitLevel
from shuangsui.core.signals import changes, own_event
from shuangsui.directory import industry
from shuangsui.directory.choices import EntityStatus, EntityType

from . import signals
from .choices import (
    CREDIT_STRATA,
    PlanKind,
    PlanStatus,
    QuotaMode,
    Stratify,
    TargetKind,
    TaskStatus,
)
from .models import AnnualPlan, RegionRules, Task, tag_list
from .quota import split_base_ratio

# ---------------------------------------------------------------- 规则、名称与编号


def rules_for(unit):
    """该单元适用的抽查规则：本单元或最近的上级设定的一份；都没有时为默认值（未保存）。"""
    if unit is None:
        return RegionRules()
    found = (
        RegionRules.objects.filter(scope_path__in=unit.ancestor_paths())
        .select_related("unit")
        .order_by("-scope_path")
        .first()
    )
    return found or RegionRules()


def region_name(unit):
    """命名用的地区名：县（区）的简称（如“丰泽区”），没有简称时用单位名称。"""
    county = unit.county
    return county.short_name or county.name


_ITEM_SUFFIXES = ("的抽查", "的检查", "抽查", "检查")


def item_phrase(item_names):
    """把事项名称变成方案名里的短语：去掉结尾的“（的）抽查/检查”，多于三项时写“等N项”。"""
    names = []
    for name in item_names:
        name = name.strip()
        for suffix in _ITEM_SUFFIXES:
            if name.endswith(suffix) and len(name) > len(suffix):
                name = name[: -len(suffix)]
                break
        if name and name not in names:
            names.append(name)
    if not names:
        return ""
    if len(names) > 3:
        return f"{names[0]}等{len(names)}项"
    return "、".join(names)


def default_task_name(region, year, item_names, joint=False):
    """“地区+年度+抽查事项+抽查方案”，如“丰泽区2026年度企业公示信息抽查方案”。"""
    phrase = item_phrase(item_names)
    kind = "联合抽查方案" if joint else "抽查方案"
    return f"{region}{year}年度{phrase}{kind}"


def default_plan_name(region, year, kind):
    if kind == PlanKind.JOINT:
        return f"{region}{year}年度部门联合抽查工作计划"
    return f"{region}{year}年度“双随机、一公开”抽查工作计划"


def next_task_code(unit, year):
    """任务编号：县（区）代码-年度-四位序号，如 350503-2026-0001。"""
    prefix = f"{unit.county.code}-{year}-"
    codes = Task.objects.filter(code__startswith=prefix).values_list("code", flat=True)
    numbers = [int(c[len(prefix) :]) for c in codes if c[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


def ratio_str(value, what="比例"):
    """比例的规范十进制字符串（协议要求的形式，如 "0.035"）；须在 0 到 1 之间。"""
    if value is None or value == "":
        raise ValidationError(f"{what}不能为空")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValidationError(f"{what}“{value}”不是有效的小数") from exc
    if not number.is_finite() or number < 0 or number > 1:
        raise ValidationError(f"{what}应在 0 到 1 之间（如 0.035 表示 3.5%）")
    text = format(number.normalize(), "f")
    return text


def percent(value):
    """Decimal 比例 → “3.5%”。"""
    if value is None or value == "":
        return "—"
    return f"{(Decimal(value) * 100).quantize(Decimal('0.01')).normalize():f}%"


def weight_str(value, what="权重"):
    """权重的规范十进制字符串：0 到 100 之间，最多三位小数。"""
    if value is None or value == "":
        raise ValidationError(f"{what}不能为空")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValidationError(f"{what}“{value}”不是有效的数") from exc
    if not number.is_finite() or number < 0 or number > 100:
        raise ValidationError(f"{what}应在 0 到 100 之间")
    if number != number.quantize(Decimal("0.001")):
        raise ValidationError(f"{what}最多三位小数")
    return format(number.normalize(), "f")


def _date_cn(day):
    return f"{day.year}年{day.month}月{day.day}日"


# ---------------------------------------------------------------- 计划


PLAN_FIELDS = {
    "kind",
    "year",
    "name",
    "lead_department",
    "target_scope",
    "ratio",
    "base_count",
    "base_source",
    "base_date",
    "batches",
    "deadline",
    "note",
}


def _check_units_in_scope(user, units, what):
    for unit in units:
        if unit is not None and not scope.in_scope(user, unit.path):
            raise ValidationError(f"{what}“{unit.name}”不在您的辖区内")


def _check_items_visible(user, items):
    visible = set(
        scope.visible_shared(InspectionItem.objects.all(), user).values_list("pk", flat=True)
    )
    for item in items:
        if item.pk not in visible:
            raise ValidationError(f"抽查事项“{item.name}”不在您的辖区内")


def create_plan(user, *, unit=None, departments=(), items=(), **fields):
    """新建抽查计划（草稿）。"""
    unknown = set(fields) - PLAN_FIELDS
    if unknown:
        raise TypeError(f"未知字段：{', '.join(sorted(unknown))}")
    unit = unit or user.unit
    scope.check_write(user, "plans.edit", unit.path)
    _check_units_in_scope(user, [fields.get("lead_department"), *departments], "部门")
    _check_items_visible(user, items)
    with transaction.atomic(), own_event(AnnualPlan):
        plan = AnnualPlan(unit=unit, created_by=user, **fields)
        if not plan.name:
            plan.name = default_plan_name(region_name(unit), plan.year, plan.kind)
        plan.full_clean(exclude=["scope_path"])
        if plan.base_date:
            _take_base_snapshot(plan)
        plan.save()
        plan.departments.set(departments)
        plan.items.set(items)
        audit.log("plan.created", plan, after=plan_snapshot(plan))
    return plan


def update_plan(plan, user, *, departments=None, items=None, **fields):
    """修改计划（备案后仍可调整，“年度抽查工作计划可根据实际动态调整”，每次修改留痕）。"""
    unknown = set(fields) - PLAN_FIELDS
    if unknown:
        raise TypeError(f"未知字段：{', '.join(sorted(unknown))}")
    scope.check_write(user, "plans.edit", plan.scope_path)
    _check_units_in_scope(user, [fields.get("lead_department"), *(departments or [])], "部门")
    if items is not None:
        _check_items_visible(user, items)
    with transaction.atomic(), own_event(AnnualPlan):
        plan = AnnualPlan.objects.select_for_update().get(pk=plan.pk)
        before = plan_snapshot(plan)
        old_date = plan.base_date
        for name, value in fields.items():
            setattr(plan, name, value)
        plan.full_clean(exclude=["scope_path"])
        if plan.base_date != old_date:
            if plan.base_date:
                _take_base_snapshot(plan)
            else:
                plan.base_snapshot = plan.base_snapshot_at = None
        plan.save()
        if departments is not None:
            plan.departments.set(departments)
        if items is not None:
            plan.items.set(items)
        audit.log("plan.edited", plan, before=before, after=plan_snapshot(plan))
    return plan


def file_plan(plan, user, on=None):
    """计划备案：记下备案日期；逾期只作提示，不阻止。"""
    scope.check_write(user, "plans.edit", plan.scope_path)
    with transaction.atomic(), own_event(AnnualPlan):
        plan = AnnualPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status == PlanStatus.FILED:
            raise ValidationError("该计划已备案")
        snapshot = audit.snapshot(plan)
        plan.status = PlanStatus.FILED
        plan.filed_on = on or timezone.localdate()
        plan.save()
        before, after = changes(snapshot, audit.snapshot(plan))
        audit.log("plan.filed", plan, before=before, after={**after, "late": filing_warning(plan)})
    return plan


def count_base(unit, on):
    """名录统计的比例基数：县（区）内 on 日存续的企业户数（含未年报）。

    按名录当前的登记状态与成立日期计算：on 日之后成立的不计；已注销、吊销、迁出的不计
    （名录不保存状态变更的历史，基数日期之后才注销的也不在内，与官方实有数可能略有出入）。
    """
    from django.db.models import Q

    from shuangsui.directory.models import Entity

    return (
        Entity.objects.filter(
            scope_path__startswith=unit.county.path,
            entity_type=EntityType.ENTERPRISE,
            status=EntityStatus.ACTIVE,
        )
        .filter(Q(established__isnull=True) | Q(established__lte=on))
        .count()
    )


def _take_base_snapshot(plan):
    plan.base_snapshot = count_base(plan.unit, plan.base_date)
    plan.base_snapshot_at = timezone.now()


def snapshot_base(plan, user):
    """按计划的基数日期重新从名录统计基数并随计划保存（留痕）。"""
    scope.check_write(user, "plans.edit", plan.scope_path)
    with transaction.atomic():
        plan = AnnualPlan.objects.select_for_update().get(pk=plan.pk)
        if not plan.base_date:
            raise ValidationError({"base_date": "请先填写基数日期"})
        before = {"base_snapshot": plan.base_snapshot}
        _take_base_snapshot(plan)
        plan.save()
        audit.log(
            "plan.base_counted",
            plan,
            before=before,
            after={"base_date": plan.base_date, "base_snapshot": plan.base_snapshot},
        )
    return plan


def plan_due(plan):
    return rules_for(plan.unit).plan_due(plan.kind, plan.year)


def filing_warning(plan, today=None):
    """逾期备案的提示文字；按期或未到期时为 None。"""
    due = plan_due(plan)
    if due is None:  # 年度无效的旧数据：不给期限提示，页面照常显示
        return None
    what = "部门联合抽查计划" if plan.kind == PlanKind.JOINT else "年度抽查计划"
    if plan.filed_on:
        if plan.filed_on > due:
            late = (plan.filed_on - due).days
            return (
                f"逾期备案：{what}应于{_date_cn(due)}前备案，实际{_date_cn(plan.filed_on)}备案，"
                f"晚 {late} 天"
            )
        return None
    today = today or timezone.localdate()
    if today > due:
        return f"尚未备案：{what}应于{_date_cn(due)}前备案，已超期 {(today - due).days} 天"
    return None


def plan_snapshot(plan):
    data = audit.snapshot(plan)
    data["departments"] = sorted(plan.departments.values_list("code", flat=True))
    data["items"] = sorted(plan.items.values_list("code", flat=True))
    return data


def items_by_department(plan):
    """计划的事项按部门分组：[(部门名称, [事项…])]，先牵头部门，再参与部门，其余最后。"""
    groups = {}
    order = []
    depts = ([plan.lead_department] if plan.lead_department_id else []) + list(
        plan.departments.all()
    )
    for d in depts:
        if d.pk not in groups:
            groups[d.pk] = (d.name, [])
            order.append(d.pk)
    other = ("其他", [])
    for item in plan.items.select_related("department").order_by("code"):
        key = item.department_id
        if key in groups:
            groups[key][1].append(item)
        else:
            other[1].append(item)
    result = [groups[k] for k in order]
    if other[1]:
        result.append(other)
    return result


# ---------------------------------------------------------------- 任务


TASK_FIELDS = {
    "plan",
    "name",
    "year",
    "lead_department",
    "target_kind",
    "library",
    "entity_types",
    "industries",
    "statuses",
    "key_tags",
    "professional",
    "include_a",
    "stratify",
    "quota_mode",
    "ratio",
    "base_count",
    "class_ratios",
    "class_weights",
    "class_counts",
    "reserves",
    "methods",
    "inspectors_per_target",
    "match_inspectors",
    "allow_neighbouring",
    "batches",
    "start_date",
    "deadline",
    "note",
}
_LIST_FIELDS = ("entity_types", "industries", "statuses", "key_tags", "methods")


def _normalise_task_fields(fields):
    """列表字段存为“,a,b,”；比例存为规范字符串；户数存为整数。"""
    for name in _LIST_FIELDS:
        if name in fields and not isinstance(fields[name], str):
            fields[name] = Task.join([str(v).strip() for v in fields[name] if str(v).strip()])
    if "class_ratios" in fields:
        fields["class_ratios"] = {
            str(k): ratio_str(v, f"{k}类比例")
            for k, v in (fields["class_ratios"] or {}).items()
            if v not in (None, "")
        }
    if "class_weights" in fields:
        fields["class_weights"] = {
            str(k): weight_str(v, f"{k}类权重")
            for k, v in (fields["class_weights"] or {}).items()
            if v not in (None, "")
        }
    for name, what in (("class_counts", "户数"), ("reserves", "备选户数")):
        if name in fields:
            clean = {}
            for k, v in (fields[name] or {}).items():
                if v in (None, ""):
                    continue
                try:
                    n = int(v)
                except (TypeError, ValueError) as exc:
                    raise ValidationError(f"{k} 的{what}“{v}”不是整数") from exc
                if n < 0:
                    raise ValidationError(f"{k} 的{what}不能为负数")
                if n:
                    clean[str(k)] = n
            fields[name] = clean
    if fields.get("ratio") not in (None, ""):
        fields["ratio"] = Decimal(ratio_str(fields["ratio"]))
    return fields


class Problem(str):
    """一条问题说明；field 为相关的表单字段（页面把错误显示在该字段旁边），可为空。"""

    def __new__(cls, text, field=None):
        obj = super().__new__(cls, text)
        obj.field = field
        return obj


def problems_error(problems):
    """问题列表 → ValidationError：有字段的按字段归组（表单据此把错误放在字段旁边）。"""
    by_field = {}
    for p in problems:
        by_field.setdefault(getattr(p, "field", None) or "__all__", []).append(str(p))
    return ValidationError(by_field)


def _saved_methods(task):
    """任务已保存的检查方式：后来停用的可以留着，新选的须有效。"""
    if not task.pk:
        return []
    saved = Task.objects.filter(pk=task.pk).values_list("methods", flat=True).first()
    return tag_list(saved or "")


def validate_task(task, items, departments=(), regions=()):
    """任务本身的完整性（不含需要名录数据的规则）：返回问题列表。"""
    problems = []
    if not items:
        problems.append(Problem("至少选择一个抽查事项", "items"))
    if task.target_kind == TargetKind.LIBRARY and not task.library_id:
        problems.append(Problem("对象类别为“其他对象库”时须选择对象库", "library"))
    if task.target_kind == TargetKind.ENTITIES and task.library_id:
        problems.append(Problem("对象类别为“市场主体”时不应选择对象库", "library"))
    if task.start_date and task.deadline and task.deadline < task.start_date:
        problems.append(Problem("完成时限不能早于开始日期", "deadline"))
    mode = task.quota_mode
    if mode in (QuotaMode.CLASS_RATIO, QuotaMode.CLASS_COUNT):
        if task.target_kind != TargetKind.ENTITIES or task.stratify != Stratify.CREDIT:
            problems.append(Problem("分类差异化配额须对市场主体按信用风险分类分层", "stratify"))
        rules = task.class_ratios if mode == QuotaMode.CLASS_RATIO else task.class_counts
        if not rules:
            problems.append(Problem("请至少为一个信用分类设定比例或户数", "quota_mode"))
        bad = [k for k in rules if k not in CREDIT_STRATA]
        if bad:
            problems.append(f"未知的信用分类：{'、'.join(bad)}")
    elif mode == QuotaMode.RATIO:
        if task.ratio is None:
            problems.append(Problem("统一比例方式须填写抽查比例", "ratio"))
    elif mode == QuotaMode.BASE_RATIO:
        if task.ratio is None:
            problems.append(Problem("基数比例方式须填写抽查比例", "ratio"))
        if not task_base(task):
            problems.append(
                Problem("基数比例方式须填写比例基数，或选择已填基数的计划", "base_count")
            )
        bad = [k for k in task.class_weights if k not in CREDIT_STRATA]
        if bad:
            problems.append(Problem(f"未知的信用分类：{'、'.join(bad)}", "class_weights"))
    labels = task.stratum_labels
    bad = [k for k in task.reserves if k not in labels]
    if bad:
        problems.append(f"备选户数的层“{'、'.join(bad)}”不存在（可用：{'、'.join(labels)}）")
    bad = check_methods.refused(task.method_list, keep=_saved_methods(task))
    if bad:
        problems.append(Problem(bad, "methods"))
    bad = [t for t in task.entity_type_list if t not in EntityType.values]
    if bad:
        problems.append(f"未知的主体类型：{'、'.join(bad)}")
    bad = [c for c in task.industry_list if not industry.is_valid(c)]
    if bad:
        problems.append(
            Problem(
                f"行业代码“{'、'.join(bad)}”不在 GB/T 4754-2017 中（门类字母或门类加大类，如 F、H62）",
                "industries",
            )
        )
    bad = [s for s in task.status_list if s not in EntityStatus.values]
    if bad:
        problems.append(f"未知的登记状态：{'、'.join(bad)}")
    if task.target_kind == TargetKind.ENTITIES and not task.status_list:
        problems.append(Problem("至少选择一个登记状态（通常为“存续”）", "statuses"))
    for region in regions:
        if region.level not in (UnitLevel.COUNTY, UnitLevel.STATION):
            problems.append(f"抽查区域“{region.name}”应为县（区）或市场监管所")
        elif not region.path.startswith(task.unit.county.path):
            problems.append(f"抽查区域“{region.name}”不在本县（区）")
    for dept in departments:
        if dept.level != UnitLevel.DEPARTMENT:
            problems.append(f"“{dept.name}”不是部门")
    return problems


def uses_class_weights(task):
    return (
        task.quota_mode == QuotaMode.BASE_RATIO
        and task.target_kind == TargetKind.ENTITIES
        and task.stratify == Stratify.CREDIT
    )


def task_weights(task):
    """基数比例按信用分类分配时各类的权重：任务设定的，没有设定时用本地区抽查规则的默认值；
    不按信用分类分层时 None。"""
    if not uses_class_weights(task):
        return None
    return dict(task.class_weights) or rules_for(task.unit).class_weights()


def task_base(task):
    """基数比例的基数：任务填写的，没有时用所属计划的基数（官方实有数，或名录统计数）。"""
    if task.base_count:
        return task.base_count
    if task.plan_id and task.plan.base:
        return task.plan.base
    return None


def base_source_text(task):
    """任务所用基数的来历（页面说明用）。"""
    if task.base_count:
        return "任务中填写"
    plan = task.plan if task.plan_id else None
    if plan is None or not plan.base:
        return ""
    if plan.base_count is not None:
        source = f"，{plan.base_source}" if plan.base_source else ""
        return f"所属计划的官方实有数{source}"
    return f"所属计划按名录统计的 {plan.base_date:%Y年%-m月%-d日} 存续企业数（含未年报）"


def _save_task(task, items, departments, regions):
    if uses_class_weights(task) and not task.class_weights:
        # 未设定权重：把本地区的默认权重写进任务，批准、抽取所用的权重一目了然且不再随规则变动
        task.class_weights = rules_for(task.unit).class_weights()
    problems = validate_task(task, items, departments, regions)
    if problems:
        raise problems_error(problems)
    if not task.name:
        joint = len({d.pk for d in departments} | {task.lead_department_id} - {None}) > 1
        task.name = default_task_name(
            region_name(task.unit), task.year, [i.name for i in items], joint
        )
    task.full_clean(exclude=["scope_path", "code", "items", "departments", "regions"])
    task.save()
    task.items.set(items)
    task.departments.set(departments)
    task.regions.set(regions)


def create_task(user, *, items, departments=(), regions=(), unit=None, **fields):
    """新建抽查任务（草稿），编号自动生成；名称留空时按“地区+年度+抽查事项+抽查方案”命名。"""
    unknown = set(fields) - TASK_FIELDS
    if unknown:
        raise TypeError(f"未知字段：{', '.join(sorted(unknown))}")
    unit = unit or user.unit
    scope.check_write(user, "plans.edit", unit.path)
    items, departments, regions = list(items), list(departments), list(regions)
    _check_items_visible(user, items)
    _check_units_in_scope(user, [fields.get("lead_department"), *departments, *regions], "单位")
    plan = fields.get("plan")
    if plan is not None and not scope.in_scope(user, plan.scope_path):
        raise ValidationError("所选计划不在您的辖区内")
    fields = _normalise_task_fields(dict(fields))
    fields.setdefault("year", plan.year if plan else timezone.localdate().year)
    for attempt in range(5):
        try:
            with transaction.atomic(), own_event(Task):
                task = Task(unit=unit, created_by=user, updated_by=user, **fields)
                task.code = next_task_code(unit, task.year)
                _save_task(task, items, departments, regions)
                audit.log("task.created", task, after=task_snapshot(task))
            return task
        except IntegrityError:
            if attempt == 4:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def update_task(task, user, *, items=None, departments=None, regions=None, **fields):
    """修改任务：只有草稿可以修改。"""
    unknown = set(fields) - TASK_FIELDS
    if unknown:
        raise TypeError(f"未知字段：{', '.join(sorted(unknown))}")
    scope.check_write(user, "plans.edit", task.scope_path)
    fields = _normalise_task_fields(dict(fields))
    with transaction.atomic(), own_event(Task):
        task = Task.objects.select_for_update().get(pk=task.pk)
        if not task.is_editable:
            raise ValidationError(f"任务{task.get_status_display()}，只有草稿可以修改")
        before = task_snapshot(task)
        items = list(items) if items is not None else list(task.items.all())
        departments = list(departments) if departments is not None else list(task.departments.all())
        regions = list(regions) if regions is not None else list(task.regions.all())
        _check_items_visible(user, items)
        _check_units_in_scope(user, [fields.get("lead_department"), *departments, *regions], "单位")
        for name, value in fields.items():
            setattr(task, name, value)
        task.updated_by = user
        _save_task(task, items, departments, regions)
        audit.log("task.edited", task, before=before, after=task_snapshot(task))
    return task


def task_snapshot(task):
    data = audit.snapshot(task)
    data["items"] = sorted(task.items.values_list("code", flat=True))
    data["departments"] = sorted(task.departments.values_list("code", flat=True))
    data["regions"] = sorted(task.regions.values_list("code", flat=True))
    return data


def ratio_cap(task):
    """一般事项比例上限中最小的一个：(上限, 事项)；没有一般事项时 (None, None)。"""
    best = (None, None)
    for item in task.items.filter(kind=ItemKind.GENERAL).order_by("code"):
        if item.ratio_cap is not None and (best[0] is None or item.ratio_cap < best[0]):
            best = (item.ratio_cap, item)
    return best


def task_ratio(task, strata=None):
    """任务的总体抽查比例：统一/基数比例即所填比例；分类比例为按各层人数加权的比例，
    分类户数为 总户数 ÷ 总人数（strata 为各层人数，分类方式时需要）。"""
    mode = task.quota_mode
    if mode in (QuotaMode.RATIO, QuotaMode.BASE_RATIO):
        return task.ratio
    strata = strata or {}
    total = sum(strata.values())
    if not total:
        return None
    if mode == QuotaMode.CLASS_RATIO:
        weighted = sum(
            Decimal(task.class_ratios.get(label, "0")) * n for label, n in strata.items()
        )
        return weighted / total
    drawn = sum(min(int(task.class_counts.get(label, 0)), n) for label, n in strata.items())
    return Decimal(drawn) / total


def _paths_overlap(a, b):
    return any(x.startswith(y) or y.startswith(x) for x in a for y in b)


def _tags_overlap(a, b):
    return not a or not b or bool(set(a) & set(b))


def _prefixes_overlap(a, b):
    return not a or not b or any(x.startswith(y) or y.startswith(x) for x in a for y in b)


def _region_paths(task):
    return [r.path for r in task.regions.all()] or [task.unit.county.path]


def scopes_overlap(a, b):
    """两个任务的检查对象范围是否可能重叠（区域、主体类型、行业、登记状态、重点领域、对象库）。"""
    if a.target_kind != b.target_kind:
        return False
    if a.target_kind == TargetKind.LIBRARY:
        return a.library_id == b.library_id
    return (
        _paths_overlap(_region_paths(a), _region_paths(b))
        and _tags_overlap(a.entity_type_list, b.entity_type_list)
        and _prefixes_overlap(a.industry_list, b.industry_list)
        and _tags_overlap(a.status_list, b.status_list)
        and _tags_overlap(a.key_tag_list, b.key_tag_list)
    )


def find_duplicates(task, user):
    """可能重复的任务：辖区内已批准（或已抽取）的其他任务中，有同一事项、对象范围重叠、
    检查期间重叠的。草稿之间不互相标记，批准时才比对。"""
    item_ids = list(task.items.values_list("pk", flat=True))
    if not item_ids:
        return []
    others = Task.objects.exclude(pk=task.pk).exclude(status=TaskStatus.DRAFT)
    candidates = (
        scope.scoped(others, user, "plans.view")
        .filter(
            items__in=item_ids,
            start_date__lte=task.deadline,
            deadline__gte=task.start_date,
        )
        .distinct()
        .select_related("unit")
        .prefetch_related("regions", "items")
        .order_by("code")
    )
    return [other for other in candidates if scopes_overlap(task, other)]


@dataclass
class ClassQuota:
    """批准前显示的一层：名单人数、权重、配额与类内比例。"""

    label: str
    size: int
    quota: int
    weight: str | None = None

    @property
    def name(self):
        return {"U": "未分类", "ALL": "全部"}.get(self.label, f"{self.label}类")

    @property
    def ratio_text(self):
        return percent(Decimal(self.quota) / self.size) if self.size else "—"


def base_ratio_quotas(task, strata):
    """基数比例方式的各层配额与说明（抽取时冻结名单、批准前预览都用它）。"""
    weights = task_weights(task)
    return split_base_ratio(task_base(task), ratio_str(task.ratio), strata, weights)


@dataclass
class TaskCheck:
    """批准前的检查结果：problems 阻止批准；warnings 只作提示；duplicates 须核实说明后才可批准。"""

    problems: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    duplicates: list = field(default_factory=list)
    ratio: Decimal | None = None
    cap: Decimal | None = None
    cap_item: object = None
    population: object = None
    base: int | None = None  # 比例基数（基数比例方式，或所属计划的基数）
    total: int | None = None  # 按配额规则将抽取的户数（已算出名单时）
    classes: list = field(default_factory=list)  # 各层：ClassQuota
    notes: list = field(default_factory=list)

    @property
    def population_count(self):
        return None if self.population is None else sum(self.population.strata.values())

    @property
    def base_ratio_text(self):
        """将抽取的户数对基数的比例。"""
        if self.total is None or not self.base:
            return None
        return percent(Decimal(self.total) / self.base)

    @property
    def population_ratio_text(self):
        """将抽取的户数对可抽名单（排除后）的比例。"""
        if self.total is None or not self.population_count:
            return None
        return percent(Decimal(self.total) / self.population_count)

    @property
    def ok(self):
        return not self.problems

    @property
    def ratio_text(self):
        return percent(self.ratio)

    @property
    def cap_text(self):
        return percent(self.cap)


def check_task(task, user, *, population=None):
    """批准时执行的规则：完整性、一般事项比例上限、重复任务；并给出差异化与 A 类的提示。

    分类比例、分类户数的任务比例取决于可抽名单的各层人数：名单由抽取阶段接收
    `signals.task_checking` 后给出（population 为调用方已算出的名单）。
    """
    items = list(task.items.all())
    check = TaskCheck(
        problems=validate_task(task, items, list(task.departments.all()), list(task.regions.all()))
    )
    check.ratio = task_ratio(task)
    check.base = task_base(task)
    signals.task_checking.send(
        sender=Task, task=task, user=user, check=check, population=population
    )
    check.cap, check.cap_item = ratio_cap(task)
    if check.cap is not None and check.ratio is not None and check.ratio > check.cap:
        check.problems.append(
            f"抽查比例 {percent(check.ratio)} 超过一般事项“{check.cap_item.name}”的比例上限 "
            f"{percent(check.cap)}（任务比例不得超过所含一般事项上限中最小的一个）"
        )
    check.duplicates = find_duplicates(task, user)
    if task.include_a:
        check.warnings.append("本任务明确纳入A类主体（默认A类“无事不扰”）")
    if task.target_kind == TargetKind.ENTITIES and not task.is_differentiated:
        check.warnings.append(
            "本任务未按信用风险分类设定差异化比例，抽中的户数不计入差异化抽查户数"
        )
    return check


SEPARATION_OF_DUTIES = (
    "制定或最后修改本任务的人不能批准它：须由另一位有批准权限的人批准（职责分离）"
)


def approve_task(task, user, *, allow_duplicates=False, duplicate_note=""):
    """批准任务（plans.approve）：规则不满足时拒绝；有疑似重复任务时须填写核实说明。

    制定人与最后修改人不能批准（职责分离，如同作废抽取须另一人批准）。
    """
    scope.check_write(user, "plans.approve", task.scope_path)
    with transaction.atomic(), own_event(Task):
        task = Task.objects.select_for_update().get(pk=task.pk)
        if task.status != TaskStatus.DRAFT:
            raise ValidationError(f"任务{task.get_status_display()}，只有草稿可以批准")
        if not task.may_be_approved_by(user):
            raise ValidationError(SEPARATION_OF_DUTIES)
        snapshot = audit.snapshot(task)
        check = check_task(task, user)
        if check.problems:
            raise ValidationError(check.problems)
        codes = [t.code for t in check.duplicates]
        if codes:
            if not allow_duplicates or not duplicate_note.strip():
                raise ValidationError(
                    f"与以下任务的事项、对象范围和检查期间重叠，可能是重复任务：{'、'.join(codes)}。"
                    "如确属不同任务，请填写核实说明后再批准。"
                )
            task.duplicate_note = duplicate_note.strip()
        task.status = TaskStatus.APPROVED
        task.approved_by = user
        task.approved_at = timezone.now()
        task.save()
        before, after = changes(snapshot, audit.snapshot(task))
        audit.log(
            "task.approved",
            task,
            before=before,
            after={**after, "ratio": check.ratio, "cap": check.cap, "duplicates": codes},
        )
    return task


def reopen_task(task, user):
    """撤回批准，回到草稿以便修改（只在尚无有效抽取时）。"""
    scope.check_write(user, "plans.approve", task.scope_path)
    with transaction.atomic(), own_event(Task):
        task = Task.objects.select_for_update().get(pk=task.pk)
        if task.status != TaskStatus.APPROVED:
            raise ValidationError("只有已批准且尚未抽取的任务可以撤回")
        if task.draws.exclude(status="voided").exists():
            raise ValidationError("该任务已开始抽取，不能撤回；如需重来，请先作废本次抽取")
        snapshot = audit.snapshot(task)
        task.status = TaskStatus.DRAFT
        task.approved_by = None
        task.approved_at = None
        task.save()
        before, after = changes(snapshot, audit.snapshot(task))
        audit.log("task.reopened", task, before=before, after=after)
    return task


# ---------------------------------------------------------------- 查询与选项


def participating_tasks(departments):
    """`departments` 发起或参与的任务（联合部门的可见范围，见 core.scope）。"""
    return Task.objects.filter(Q(lead_department__in=departments) | Q(departments__in=departments))


def task_participation(departments):
    return Q(pk__in=participating_tasks(departments).values("pk"))


def plan_participation(departments):
    """牵头或参与的计划，以及含本部门参与的任务的计划。"""
    joined = AnnualPlan.objects.filter(
        Q(lead_department__in=departments) | Q(departments__in=departments)
    )
    return Q(pk__in=joined.values("pk")) | Q(
        pk__in=participating_tasks(departments).values("plan_id")
    )


def tasks_for(user):
    return scope.scoped(
        Task.objects.select_related("unit", "plan", "lead_department"), user, "plans.view"
    )


def plans_for(user):
    return scope.scoped(
        AnnualPlan.objects.select_related("unit", "lead_department"), user, "plans.view"
    )


def department_choices(user):
    return scope.units_in_scope(user).filter(level=UnitLevel.DEPARTMENT).order_by("code")


def region_choices(user):
    return (
        scope.units_in_scope(user)
        .filter(level__in=[UnitLevel.COUNTY, UnitLevel.STATION])
        .order_by("path")
    )


def today():
    return timezone.localdate()


def year_choices():
    year = today().year
    return [(y, f"{y}年度") for y in range(year - 1, year + 3)]
