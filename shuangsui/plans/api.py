"""接口：抽查计划与抽查任务（列表、详情、新建、备案、检查、批准）。挂载于 /api/plans。"""

from datetime import date
from typing import Annotated, Literal

from django.core.paginator import Paginator
from ninja import Field, Query, Router
from ninja.errors import HttpError

from shuangsui.api.errors import rule_errors
from shuangsui.api.schemas import InSchema, responses
from shuangsui.catalog.models import InspectionItem
from shuangsui.core import scope
from shuangsui.directory.models import ObjectLibrary
from shuangsui.draws import reports
from shuangsui.lib import ranges

from . import services
from .choices import PlanKind, QuotaMode, Stratify, TargetKind
from .models import AnnualPlan, Task

router = Router(tags=["抽查计划与任务"])

Year = Annotated[int, Field(ge=ranges.YEAR_MIN, le=ranges.YEAR_MAX)]
# 日期的范围写不进 JSON Schema（format: date 没有上下限），由模型校验，越界答 400
Day = Annotated[date, Field(description="2000-01-01 至 2100-12-31")]
Count = Annotated[int, Field(ge=0, le=ranges.MAX_COUNT)]
Ratio = Annotated[str, Field(max_length=20, examples=["0.035"])]
Code = Annotated[str, Field(max_length=40)]


def paged(request, queryset, serialise, per_page=50):
    number = ranges.parse_int(request.GET.get("page", ""), 1, ranges.MAX_ID) or 1
    per_page = ranges.parse_int(request.GET.get("per_page", ""), 1, 500) or per_page
    paginator = Paginator(queryset, per_page)
    page = paginator.get_page(number)
    return {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "results": [serialise(obj) for obj in page],
    }


def resolve_items(user, codes):
    """按编号取抽查事项（辖区内及上级下发的）；同一编号有多条时取最下级的。"""
    found = {}
    qs = scope.visible_shared(InspectionItem.objects.filter(code__in=codes), user, "catalog.view")
    for item in qs.order_by("scope_path"):
        found[item.code] = item
    missing = [c for c in codes if c not in found]
    if missing:
        raise HttpError(400, f"抽查事项不存在或不在您的辖区内：{'、'.join(missing)}")
    return [found[c] for c in codes]


def resolve_units(user, codes):
    found = {u.code: u for u in scope.units_in_scope(user).filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise HttpError(400, f"单位不存在或不在您的辖区内：{'、'.join(missing)}")
    return [found[c] for c in codes]


def unit_out(unit):
    return {"code": unit.code, "name": unit.name} if unit else None


def plan_out(plan):
    return {
        "id": plan.pk,
        "kind": plan.kind,
        "year": plan.year,
        "name": plan.name,
        "unit": unit_out(plan.unit),
        "lead_department": unit_out(plan.lead_department),
        "departments": [unit_out(d) for d in plan.departments.all()],
        "items": [i.code for i in plan.items.all()],
        "target_scope": plan.target_scope,
        "ratio": str(plan.ratio) if plan.ratio is not None else None,
        "base_count": plan.base_count,
        "base_source": plan.base_source,
        "base_date": plan.base_date,
        "base_snapshot": plan.base_snapshot,
        "batches": plan.batches,
        "deadline": plan.deadline,
        "status": plan.status,
        "filed_on": plan.filed_on,
        "due": services.plan_due(plan),
        "filing_warning": services.filing_warning(plan),
    }


def task_out(task, user):
    show_credit = scope.can(user, "credit.view")
    draws = [
        {"id": d.pk, "number": d.number, "status": d.status} for d in task.draws.order_by("number")
    ]
    return {
        "id": task.pk,
        "code": task.code,
        "name": task.name,
        "year": task.year,
        "status": task.status,
        "plan": task.plan_id,
        "unit": unit_out(task.unit),
        "items": [i.code for i in task.items.order_by("code")],
        "lead_department": unit_out(task.lead_department),
        "departments": [unit_out(d) for d in task.departments.all()],
        "target_kind": task.target_kind,
        "library": task.library.code if task.library_id else None,
        "regions": [r.code for r in task.regions.all()],
        "entity_types": task.entity_type_list,
        "industries": task.industry_list,
        "statuses": task.status_list,
        "key_tags": task.key_tag_list,
        "include_a": task.include_a,
        "stratify": task.stratify,
        "quota_mode": task.quota_mode,
        "ratio": str(task.ratio) if task.ratio is not None else None,
        "base_count": task.base_count,
        "class_ratios": task.class_ratios if show_credit else None,
        "class_weights": task.class_weights if show_credit else None,
        "class_counts": task.class_counts if show_credit else None,
        "reserves": task.reserves if show_credit else None,
        "methods": task.method_list,
        "inspectors_per_target": task.inspectors_per_target,
        "match_inspectors": task.match_inspectors,
        "allow_neighbouring": task.allow_neighbouring,
        "batches": task.batches,
        "start_date": task.start_date,
        "deadline": task.deadline,
        "approved_by": task.approved_by.username if task.approved_by_id else None,
        "approved_at": task.approved_at,
        "draws": draws,
    }


class PlanIn(InSchema):
    kind: Literal[tuple(PlanKind.values)] = PlanKind.ANNUAL.value
    year: Year
    name: str = Field("", max_length=200)
    lead_department: Code | None = None
    departments: list[Code] = []
    items: list[Code] = []
    target_scope: str = ""
    ratio: Ratio | None = None
    base_count: Count | None = None  # 官方实有数
    base_source: str = Field("", max_length=200)
    base_date: Day | None = None  # 填写后由名录统计基数（base_snapshot）
    batches: int = Field(1, ge=1, le=ranges.MAX_BATCHES)
    deadline: Day | None = None
    note: str = ""


class TaskIn(InSchema):
    plan: int | None = Field(None, ge=1, le=ranges.MAX_ID)
    name: str = Field("", max_length=200)
    year: Year | None = None
    items: list[Code] = Field(..., min_length=1)
    lead_department: Code | None = None
    departments: list[Code] = []
    target_kind: Literal[tuple(TargetKind.values)] = TargetKind.ENTITIES.value
    library: Code | None = None
    regions: list[Code] = []
    entity_types: list[str] = []
    industries: list[str] = []
    statuses: list[str] = ["active"]
    key_tags: list[str] = []
    include_a: bool = False
    stratify: Literal[tuple(Stratify.values)] = Stratify.CREDIT.value
    quota_mode: Literal[tuple(QuotaMode.values)] = QuotaMode.CLASS_RATIO.value
    ratio: Ratio | None = None
    base_count: Count | None = None
    class_ratios: dict[str, Ratio] = {}
    # 基数比例方式：信用分类 → 权重（0–100 的小数字符串）；空时用本地区默认权重
    class_weights: dict[str, str] = {}
    class_counts: dict[str, Count] = {}
    reserves: dict[str, Count] = {}
    methods: list[str] = []
    inspectors_per_target: int = Field(2, ge=1, le=ranges.MAX_PER_TARGET)
    match_inspectors: bool = True
    allow_neighbouring: bool = False
    batches: int = Field(1, ge=1, le=ranges.MAX_BATCHES)
    start_date: Day
    deadline: Day
    note: str = ""


class ApproveIn(InSchema):
    allow_duplicates: bool = False
    duplicate_note: str = ""


class PlanFilters(InSchema):
    year: Year | None = None
    kind: str | None = Field(None, max_length=20)


class TaskFilters(InSchema):
    year: Year | None = None
    status: str | None = Field(None, max_length=20)


def get_plan(user, plan_id):
    return scope.get_scoped(AnnualPlan.objects.all(), user, "plans.view", pk=plan_id)


def get_task(user, code):
    return scope.get_scoped(Task.objects.select_related("unit"), user, "plans.view", code=code)


@router.get("/plans", response=responses(dict), summary="抽查计划列表")
def list_plans(request, filters: Query[PlanFilters]):
    user = request.auth
    scope.require(user, "plans.view")
    qs = services.plans_for(user)
    if filters.year:
        qs = qs.filter(year=filters.year)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    return paged(request, qs.order_by("-year", "id"), plan_out)


@router.get("/plans/{plan_id}", response=responses(dict), summary="抽查计划详情")
def plan_detail(request, plan_id: int):
    return plan_out(get_plan(request.auth, plan_id))


@router.post("/plans", response=responses(dict, write=True), summary="新建抽查计划")
def create_plan(request, data: PlanIn):
    user = request.auth
    scope.require(user, "plans.edit")
    fields = data.dict()
    departments = resolve_units(user, fields.pop("departments"))
    items = resolve_items(user, fields.pop("items"))
    lead = fields.pop("lead_department")
    fields["lead_department"] = resolve_units(user, [lead])[0] if lead else None
    with rule_errors():
        plan = services.create_plan(user, departments=departments, items=items, **fields)
    return plan_out(plan)


@router.post(
    "/plans/{plan_id}/file",
    response=responses(dict, write=True),
    summary="计划备案（逾期只作提示）",
)
def file_plan(request, plan_id: int):
    user = request.auth
    with rule_errors():
        plan = services.file_plan(get_plan(user, plan_id), user)
    return plan_out(plan)


@router.get("/tasks", response=responses(dict), summary="抽查任务列表")
def list_tasks(request, filters: Query[TaskFilters]):
    user = request.auth
    scope.require(user, "plans.view")
    qs = services.tasks_for(user)
    if filters.year:
        qs = qs.filter(year=filters.year)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return paged(request, qs.order_by("-year", "-id"), lambda t: task_out(t, user))


@router.get("/tasks/{code}", response=responses(dict), summary="抽查任务详情")
def task_detail(request, code: str):
    user = request.auth
    return task_out(get_task(user, code), user)


def _task_kwargs(user, data):
    fields = data.dict()
    kwargs = {
        "items": resolve_items(user, fields.pop("items")),
        "departments": resolve_units(user, fields.pop("departments")),
        "regions": resolve_units(user, fields.pop("regions")),
    }
    lead = fields.pop("lead_department")
    kwargs["lead_department"] = resolve_units(user, [lead])[0] if lead else None
    library = fields.pop("library")
    kwargs["library"] = None
    if library:
        kwargs["library"] = scope.get_scoped(ObjectLibrary.objects.all(), user, code=library)
    plan = fields.pop("plan")
    kwargs["plan"] = get_plan(user, plan) if plan else None
    if fields.get("year") is None:
        fields.pop("year")
    kwargs.update(fields)
    return kwargs


@router.post(
    "/tasks",
    response=responses(dict, write=True),
    summary="新建抽查任务（草稿；名称留空则自动命名）",
)
def create_task(request, data: TaskIn):
    user = request.auth
    scope.require(user, "plans.edit")
    kwargs = _task_kwargs(user, data)
    with rule_errors():
        task = services.create_task(user, **kwargs)
    return task_out(task, user)


@router.get(
    "/tasks/{code}/check", response=responses(dict), summary="批准前检查：比例上限、重复任务与提示"
)
def check_task(request, code: str):
    user = request.auth
    task = get_task(user, code)
    check = services.check_task(task, user)
    return {
        "ok": check.ok,
        "problems": check.problems,
        "warnings": check.warnings,
        "duplicates": [t.code for t in check.duplicates],
        "ratio": str(check.ratio) if check.ratio is not None else None,
        "cap": str(check.cap) if check.cap is not None else None,
        "base": check.base,
        "total": check.total,
        "classes": [
            {"label": c.label, "size": c.size, "weight": c.weight, "quota": c.quota}
            for c in check.classes
        ]
        if scope.can(user, "credit.view")
        else None,
    }


@router.post(
    "/tasks/{code}/approve",
    response=responses(dict, write=True),
    summary="批准任务（plans.approve）",
)
def approve_task(request, code: str, data: ApproveIn):
    user = request.auth
    task = get_task(user, code)
    with rule_errors():
        task = services.approve_task(
            task,
            user,
            allow_duplicates=data.allow_duplicates,
            duplicate_note=data.duplicate_note,
        )
    return task_out(task, user)


class ShareQuery(InSchema):
    year: Year


@router.get("/share", response=responses(dict), summary="差异化抽查户数占比（本辖区、某年度）")
def share(request, query: Query[ShareQuery]):
    year = query.year
    user = request.auth
    scope.require(user, "plans.view")
    report = reports.differentiated_share(user, year=year)
    return {
        "year": year,
        "total": report.total,
        "differentiated": report.differentiated,
        "share": str(report.share) if report.share is not None else None,
        "target": str(report.target),
        "meets_target": report.meets_target,
    }
