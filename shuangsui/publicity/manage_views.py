"""结果公示的工作页面（需登录）：各任务的公示率与按时率，待公示结果与期限，分批发布，撤回，依法不予公示的申请与批准。"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from shuangsui.core import scope
from shuangsui.plans.models import Task
from shuangsui.results.models import Result

from . import services
from .choices import WithholdingStatus
from .models import PublishedResult, Withholding


def _report(request, exc):
    for message in exc.messages if isinstance(exc, ValidationError) else [str(exc)]:
        messages.error(request, message)


def _get_task(user, pk):
    return scope.get_scoped(Task.objects.select_related("unit"), user, "plans.view", pk=pk)


def _my_tasks(user):
    return scope.scoped(
        Task.objects.filter(status__in=("drawn", "completed")), user, "plans.view"
    ).select_related("unit")


@login_required
def overview(request):
    """本辖区各任务与各负责单位的公示率、按时率；不予公示单独计数；待批准的不予公示申请。"""
    user = request.user
    scope.require(user, "plans.view")
    tasks = list(_my_tasks(user).order_by("-year", "-pk")[:200])
    by_task = services.rates(tasks)
    by_unit = services.rates(tasks, group="unit")
    units = {t.unit_id: t.unit for t in tasks}
    waiting = scope.scoped(
        Withholding.objects.filter(status=WithholdingStatus.PENDING), user, "plans.view"
    ).select_related("task", "result__inspection", "result__item", "requested_by")
    return render(
        request,
        "publicity/manage/overview.html",
        {
            "rows": [(t, by_task.get(t.pk)) for t in tasks],
            "units": [(units[k], v) for k, v in by_unit.items()],
            "waiting": [(w, services.may_decide_withholding(user, w)) for w in waiting],
        },
    )


@login_required
def task(request, pk):
    user = request.user
    found = _get_task(user, pk)
    pending = services.pending_with_clock(found)
    counts = services.rates([found]).get(found.pk)
    withholdings = found.withholdings.select_related(
        "result__inspection", "result__item", "requested_by", "decided_by"
    )
    published = (
        PublishedResult.objects.filter(task=found)
        .select_related("publication", "replaced_by")
        .order_by("-publication__published_at", "uid")
    )
    return render(
        request,
        "publicity/manage/task.html",
        {
            "task": found,
            "pending": pending,
            "counts": counts,
            "may_publish": services.may_publish(user, found),
            "withholdings": [(w, services.may_decide_withholding(user, w)) for w in withholdings],
            "published": published,
            "notices": services.public_publications().filter(task=found),
        },
    )


@login_required
@require_POST
def publish(request, pk):
    user = request.user
    found = _get_task(user, pk)
    ids = [int(i) for i in request.POST.getlist("result") if i.isdigit()]
    try:
        chosen = list(Result.objects.filter(pk__in=ids)) if ids else None
        if ids and len(chosen) != len(set(ids)):
            raise ValidationError("所选结果不存在")
        notice = services.publish(user, found, chosen)
    except (ValidationError, PermissionDenied) as exc:
        _report(request, exc)
    else:
        messages.success(request, f"已发布《{notice.title}》，共 {notice.rows.count()} 条")
    return redirect("publication-task", pk=found.pk)


def _act(request, task_id, action, done):
    """调用服务；规则不许时把中文原因放进消息，成功时说明结果；回到任务的公示页。"""
    try:
        action()
    except (ValidationError, PermissionDenied) as exc:
        _report(request, exc)
    else:
        messages.success(request, done)
    return redirect("publication-task", pk=task_id)


@login_required
@require_POST
def withdraw(request, pk):
    row = get_object_or_404(PublishedResult, pk=pk)
    _get_task(request.user, row.task_id)
    return _act(
        request,
        row.task_id,
        lambda: services.withdraw(request.user, row, request.POST.get("reason", "")),
        f"已撤回 {row.name} 的公示（仍然公开，标“已撤回”）",
    )


@login_required
@require_POST
def withhold(request, pk):
    result = get_object_or_404(Result.objects.select_related("inspection"), pk=pk)
    found = _get_task(request.user, result.inspection.task_id)
    post = request.POST
    return _act(
        request,
        found.pk,
        lambda: services.request_withholding(
            request.user, result, post.get("basis", ""), post.get("reason", "")
        ),
        "已申请依法不予公示，待另一位有批准权限的人批准",
    )


@login_required
@require_POST
def decide(request, pk):
    row = get_object_or_404(Withholding, pk=pk)
    _get_task(request.user, row.task_id)
    approve = request.POST.get("decision") == "approve"
    return _act(
        request,
        row.task_id,
        lambda: services.decide_withholding(
            request.user, row, approve, request.POST.get("note", "")
        ),
        "已批准不予公示" if approve else "未批准：该结果回到待公示",
    )
