"""工作台的待办：每个角色一张清单，每项链到办理的页面。

- 监督见证：等待其提交承诺或揭示的抽取；
- 任务执行方（计划管理）：待批准、待抽取的任务，等待其承诺、揭示或执行的抽取；
- 检查人员：待检查、被退回、逾期的检查；
- 所长与部门：待审核的结果。
结果应用在各阶段之上，所以这里可以汇总各阶段（核心的工作台页面延迟导入本模块）。
"""

from django.urls import reverse
from django.utils import timezone

from shuangsui.core import scope
from shuangsui.draws.choices import DrawStatus, PartyRole
from shuangsui.draws.models import Draw, DrawParty
from shuangsui.inspections import services as inspections
from shuangsui.plans.choices import TaskStatus
from shuangsui.plans.models import Task

from . import services
from .choices import ResultStatus
from .models import Result


def _draws_waiting(user, role):
    out = []
    draws = scope.scoped(
        Draw.objects.filter(status__in=[DrawStatus.FROZEN, DrawStatus.REVEALING]), user
    ).select_related("task")
    mine = {p.draw_id: p for p in DrawParty.objects.filter(user=user, draw__in=draws, role=role)}
    for draw in draws.order_by("frozen_at")[:50]:
        party = mine.get(draw.pk)
        if draw.status == DrawStatus.FROZEN and party is None:
            what = "提交承诺"
        elif draw.status == DrawStatus.REVEALING and party is not None and not party.revealed:
            what = "揭示秘密值"
        else:
            continue
        out.append(
            {
                "kind": "draw",
                "label": f"{draw.task.code} {draw.task.name}：等待您{what}",
                "url": reverse("draw-detail", args=[draw.pk]),
            }
        )
    return out


def todos(user):
    items = []
    caps = scope.capabilities(user)
    if "draws.witness" in caps:
        items += _draws_waiting(user, PartyRole.WITNESS)
    if "plans.approve" in caps or "draws.operate" in caps:
        tasks = scope.scoped(Task.objects.all(), user)
        if "plans.approve" in caps:
            for t in tasks.filter(status=TaskStatus.DRAFT).order_by("start_date")[:20]:
                items.append(
                    {
                        "kind": "task",
                        "label": f"{t.code} {t.name}：草稿，待核查批准",
                        "url": reverse("task-detail", args=[t.pk]),
                    }
                )
        if "draws.operate" in caps:
            busy = Draw.objects.exclude(status=DrawStatus.VOIDED).values("task_id")
            for t in (
                tasks.filter(status=TaskStatus.APPROVED)
                .exclude(pk__in=busy)
                .order_by("start_date")[:20]
            ):
                items.append(
                    {
                        "kind": "task",
                        "label": f"{t.code} {t.name}：已批准，待抽取",
                        "url": reverse("task-detail", args=[t.pk]) + "#draw",
                    }
                )
            items += _draws_waiting(user, PartyRole.OPERATOR)
            for draw in scope.scoped(Draw.objects.filter(status=DrawStatus.READY), user)[:20]:
                items.append(
                    {
                        "kind": "draw",
                        "label": f"{draw.task.code} {draw.task.name}：双方已揭示，待执行抽取",
                        "url": reverse("draw-detail", args=[draw.pk]),
                    }
                )
    if "work.own" in caps:
        mine = inspections.worklist(user).filter(
            pk__in=inspections.Assignment.objects.filter(active=True, inspector__user=user).values(
                "inspection_id"
            )
        )
        returned = Result.objects.filter(
            inspection__in=mine, current=True, status=ResultStatus.RETURNED
        ).select_related("inspection", "item")
        for r in returned[:50]:
            items.append(
                {
                    "kind": "returned",
                    "label": f"{r.inspection.name or r.inspection.uid} · {r.item.name}：已退回（{r.review_note}）",
                    "url": reverse("result-form", args=[r.inspection_id, r.item_id]),
                }
            )
        today = timezone.localdate()
        overdue = mine.filter(deadline__lt=today).count()
        pending = mine.count()
        if pending:
            label = f"待检查的对象 {pending} 户"
            if overdue:
                label += f"（其中逾期 {overdue} 户）"
            items.append({"kind": "work", "label": label, "url": reverse("worklist")})
    queue = services.review_queue(user)
    n = queue.count()
    if n:
        items.append(
            {"kind": "review", "label": f"待审核的检查结果 {n} 项", "url": reverse("result-review")}
        )
    if "work.station" in caps:
        today = timezone.localdate()
        late = inspections.worklist(user).filter(deadline__lt=today).count()
        if late:
            items.append(
                {
                    "kind": "overdue",
                    "label": f"本所逾期未完成的检查 {late} 户",
                    "url": reverse("worklist"),
                }
            )
    return items


__all__ = ["todos"]
