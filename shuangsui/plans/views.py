"""计划与抽查任务的页面。抽取仪式的部分见 draws.views。"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from shuangsui.core import scope
from shuangsui.core.paging import paginate
from shuangsui.draws import reports
from shuangsui.draws.views import ceremony_context
from shuangsui.lib import ranges

from . import services
from .choices import PlanKind, TaskStatus
from .forms import ApproveForm, PlanForm, TaskForm
from .models import AnnualPlan, Task


def report_errors(request, exc):
    for message in exc.messages:
        messages.error(request, message)


def form_errors(form, exc):
    """服务层的 ValidationError 放回表单：有对应字段的显示在字段旁边，其余显示在表单顶部。"""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for name, errors in exc.error_dict.items():
        target = name if name in form.fields else None
        for error in errors:
            form.add_error(target, error.messages)


def _get_plan(user, pk):
    return scope.get_scoped(AnnualPlan.objects.select_related("unit"), user, "plans.view", pk=pk)


def _get_task(user, pk):
    return scope.get_scoped(
        Task.objects.select_related(
            "unit",
            "plan",
            "lead_department",
            "library",
            "created_by",
            "updated_by",
            "approved_by",
        ),
        user,
        "plans.view",
        pk=pk,
    )


def _year(request):
    """?year= 的年度；不是 2000–2100 之间的 ASCII 整数（如“²”、10**30）时不筛选。"""
    return ranges.parse_year(request.GET.get("year", ""))


# ---------------------------------------------------------------- 计划


@login_required
def plan_list(request):
    scope.require(request.user, "plans.view")
    plans = services.plans_for(request.user)
    year = _year(request)
    if year:
        plans = plans.filter(year=year)
    kind = request.GET.get("kind", "")
    if kind in PlanKind.values:
        plans = plans.filter(kind=kind)
    page, querystring = paginate(request, plans.order_by("-year", "kind", "id"))
    for plan in page:
        plan.warning = services.filing_warning(plan)
        plan.ratio_text = services.percent(plan.ratio)
    return render(
        request,
        "plans/plan_list.html",
        {
            "page": page,
            "querystring": querystring,
            "year": year,
            "kind": kind,
            "kinds": PlanKind.choices,
            "years": services.year_choices(),
        },
    )


@login_required
def plan_detail(request, pk):
    plan = _get_plan(request.user, pk)
    tasks = services.tasks_for(request.user).filter(plan=plan).order_by("code")
    return render(
        request,
        "plans/plan_detail.html",
        {
            "plan": plan,
            "warning": services.filing_warning(plan),
            "due": services.plan_due(plan),
            "groups": services.items_by_department(plan),
            "tasks": tasks,
            "progress": reports.plan_progress(plan, request.user),
            "share": reports.differentiated_share(request.user, tasks=tasks),
            "ratio_text": services.percent(plan.ratio),
        },
    )


@login_required
def plan_form(request, pk=None):
    user = request.user
    scope.require(user, "plans.edit")
    plan = _get_plan(user, pk) if pk else None
    form = PlanForm(request.POST or None, instance=plan, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            if plan is None:
                plan = services.create_plan(user, **form.service_kwargs())
                messages.success(request, f"已新建计划“{plan.name}”")
            else:
                plan = services.update_plan(plan, user, **form.service_kwargs())
                messages.success(request, "计划已保存")
            return redirect("plan-detail", pk=plan.pk)
        except ValidationError as exc:
            form_errors(form, exc)
    return render(request, "plans/plan_form.html", {"form": form, "plan": plan})


@login_required
@require_POST
def plan_file(request, pk):
    plan = _get_plan(request.user, pk)
    try:
        plan = services.file_plan(plan, request.user)
        warning = services.filing_warning(plan)
        if warning:
            messages.warning(request, warning)
        else:
            messages.success(request, "计划已备案")
    except ValidationError as exc:
        report_errors(request, exc)
    return redirect("plan-detail", pk=plan.pk)


@login_required
@require_POST
def plan_count_base(request, pk):
    plan = _get_plan(request.user, pk)
    try:
        plan = services.snapshot_base(plan, request.user)
        messages.success(request, f"已按名录统计比例基数：{plan.base_snapshot} 户")
    except ValidationError as exc:
        report_errors(request, exc)
    return redirect("plan-detail", pk=plan.pk)


# ---------------------------------------------------------------- 任务


@login_required
def task_list(request):
    user = request.user
    scope.require(user, "plans.view")
    tasks = services.tasks_for(user)
    year = _year(request)
    if year:
        tasks = tasks.filter(year=year)
    status = request.GET.get("status", "")
    if status in TaskStatus.values:
        tasks = tasks.filter(status=status)
    query = request.GET.get("q", "").strip()
    if query:
        from django.db.models import Q

        tasks = tasks.filter(Q(name__contains=query) | Q(code__startswith=query))
    page, querystring = paginate(request, tasks.order_by("-year", "-id"))
    share_year = year or services.today().year
    return render(
        request,
        "plans/task_list.html",
        {
            "page": page,
            "querystring": querystring,
            "year": year,
            "status": status,
            "q": query,
            "statuses": TaskStatus.choices,
            "years": services.year_choices(),
            "share": reports.differentiated_share(user, year=share_year),
            "share_year": share_year,
        },
    )


@login_required
def task_detail(request, pk):
    user = request.user
    task = _get_task(user, pk)
    check = None
    if task.status == TaskStatus.DRAFT:
        check = services.check_task(task, user)
    items = list(task.items.select_related("department").order_by("code"))
    context = {
        "task": task,
        "items": items,
        "regions": task.regions.all(),
        "departments": task.departments.all(),
        "check": check,
        "approve_form": ApproveForm(),
        "may_approve": task.may_be_approved_by(user),
        "separation_note": services.SEPARATION_OF_DUTIES,
        "show_credit": scope.can(user, "credit.view"),
        "ratio_text": services.percent(task.ratio),
        "base": services.task_base(task),
        "base_source": services.base_source_text(task),
    }
    context.update(ceremony_context(request, task))
    from shuangsui.results.views import task_progress_context  # 后一阶段给出检查进度

    context.update(task_progress_context(request, task, n_items=len(items)))
    return render(request, "plans/task_detail.html", context)


@login_required
def task_form(request, pk=None):
    user = request.user
    scope.require(user, "plans.edit")
    task = _get_task(user, pk) if pk else None
    if task is not None and not task.is_editable:
        messages.error(request, f"任务{task.get_status_display()}，只有草稿可以修改")
        return redirect("task-detail", pk=task.pk)
    initial = TaskForm.initial_from(task) if task else {}
    plan_id = ranges.parse_int(request.GET.get("plan", ""), 1, ranges.MAX_ID)
    if task is None and plan_id is not None:
        plan = services.plans_for(user).filter(pk=plan_id).first()
        if plan:
            initial = {"plan": plan, "year": plan.year, "items": list(plan.items.all())}
    form = TaskForm(request.POST or None, initial=initial, user=user)
    if request.method == "POST" and form.is_valid():
        kwargs = form.service_kwargs()
        try:
            if task is None:
                task = services.create_task(user, **kwargs)
                messages.success(request, f"已新建任务 {task.code}“{task.name}”")
            else:
                task = services.update_task(task, user, **kwargs)
                messages.success(request, "任务已保存")
            return redirect("task-detail", pk=task.pk)
        except ValidationError as exc:
            form_errors(form, exc)
    return render(request, "plans/task_form.html", {"form": form, "task": task})


@login_required
@require_POST
def task_approve(request, pk):
    task = _get_task(request.user, pk)
    form = ApproveForm(request.POST)
    form.is_valid()
    try:
        services.approve_task(
            task,
            request.user,
            allow_duplicates=form.cleaned_data.get("allow_duplicates", False),
            duplicate_note=form.cleaned_data.get("duplicate_note", ""),
        )
        messages.success(request, "任务已批准，可以开始抽取")
    except ValidationError as exc:
        report_errors(request, exc)
    return redirect("task-detail", pk=task.pk)


@login_required
@require_POST
def task_reopen(request, pk):
    task = _get_task(request.user, pk)
    try:
        services.reopen_task(task, request.user)
        messages.success(request, "已撤回批准，任务回到草稿")
    except ValidationError as exc:
        report_errors(request, exc)
    return redirect("task-detail", pk=task.pk)
