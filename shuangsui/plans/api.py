"""接口：抽查计划与抽查任务（列表、详情、新建、备案、检查、批准）。挂载于 /api/plans。"""

import contextlib
from datetime import date

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from ninja import Router, Schema
from ninja.errors import HttpError

from shuangsui.catalog.models import InspectionItem
from shuangsui.core import scope
from shuangsui.directory.models import ObjectLibrary
from shuangsui.draws import reports

from . import services
from .models import AnnualPlan, Task

router = Router(tags=["抽查计划与任务"])


@contextlib.contextmanager
def rule_errors():
    """业务规则不满足 → 400，detail 为中文原因。"""
    try:
        yield
    except ValidationError as exc:
        raise HttpError(400, "；".join(exc.messages)) from exc


def paged(request, queryset, serialise, per_page=50):
    try:
        number = max(1, int(request.GET.get("page", 1)))
        per_page = min(500, max(1, int(request.GET.get("per_page", per_page))))
    except ValueError:
        number = 1
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


class PlanIn(Schema):
    kind: str = "annual"
    year: int
    name: str = ""
    lead_department: str | None = None
    departments: list[str] = []
    items: list[str] = []
    target_scope: str = ""
    ratio: str | None = None
    base_count: int | None = None
    batches: int = 1
    deadline: date | None = None
    note: str = ""


class TaskIn(Schema):
    plan: int | None = None
    name: str = ""
    year: int | None = None
    items: list[str]
    lead_department: str | None = None
    departments: list[str] = []
    target_kind: str = "entities"
    library: str | None = None
    regions: list[str] = []
    entity_types: list[str] = []
    industries: list[str] = []
    statuses: list[str] = ["active"]
    key_tags: list[str] = []
    include_a: bool = False
    stratify: str = "credit"
    quota_mode: str = "class_ratio"
    ratio: str | None = None
    base_count: int | None = None
    class_ratios: dict[str, str] = {}
    class_counts: dict[str, int] = {}
    reserves: dict[str, int] = {}
    methods: list[str] = []
    inspectors_per_target: int = 2
    match_inspectors: bool = True
    allow_neighbouring: bool = False
    batches: int = 1
    start_date: date
    deadline: date
    note: str = ""


class ApproveIn(Schema):
    allow_duplicates: bool = False
    duplicate_note: str = ""


def get_plan(user, plan_id):
    return scope.get_scoped(AnnualPlan.objects.all(), user, "plans.view", pk=plan_id)


def get_task(user, code):
    return scope.get_scoped(Task.objects.select_related("unit"), user, "plans.view", code=code)


@router.get("/plans", summary="抽查计划列表")
def list_plans(request, year: int | None = None, kind: str | None = None):
    user = request.auth
    scope.require(user, "plans.view")
    qs = services.plans_for(user)
    if year:
        qs = qs.filter(year=year)
    if kind:
        qs = qs.filter(kind=kind)
    return paged(request, qs.order_by("-year", "id"), plan_out)


@router.get("/plans/{plan_id}", summary="抽查计划详情")
def plan_detail(request, plan_id: int):
    return plan_out(get_plan(request.auth, plan_id))


@router.post("/plans", summary="新建抽查计划")
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


@router.post("/plans/{plan_id}/file", summary="计划备案（逾期只作提示）")
def file_plan(request, plan_id: int):
    user = request.auth
    with rule_errors():
        plan = services.file_plan(get_plan(user, plan_id), user)
    return plan_out(plan)


@router.get("/tasks", summary="抽查任务列表")
def list_tasks(request, year: int | None = None, status: str | None = None):
    user = request.auth
    scope.require(user, "plans.view")
    qs = services.tasks_for(user)
    if year:
        qs = qs.filter(year=year)
    if status:
        qs = qs.filter(status=status)
    return paged(request, qs.order_by("-year", "-id"), lambda t: task_out(t, user))


@router.get("/tasks/{code}", summary="抽查任务详情")
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


@router.post("/tasks", summary="新建抽查任务（草稿；名称留空则自动命名）")
def create_task(request, data: TaskIn):
    user = request.auth
    scope.require(user, "plans.edit")
    kwargs = _task_kwargs(user, data)
    with rule_errors():
        task = services.create_task(user, **kwargs)
    return task_out(task, user)


@router.get("/tasks/{code}/check", summary="批准前检查：比例上限、重复任务与提示")
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
    }


@router.post("/tasks/{code}/approve", summary="批准任务（plans.approve）")
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


@router.get("/share", summary="差异化抽查户数占比（本辖区、某年度）")
def share(request, year: int):
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
