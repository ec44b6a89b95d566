"""接口：后续处置（清单、待处置、逾期、按处罚决定书文号查找、登记、复查、完结）。挂载于 /api/followups。

与页面同一套服务与辖区范围；规则错误 400（detail 为中文原因），无权登记 403，辖区外与不存在 404。
"""

import datetime

from django.http import Http404
from django.urls import reverse
from ninja import Field, Query, Router

from shuangsui.api.schemas import InSchema, responses
from shuangsui.core.paging import CountCachingPaginator
from shuangsui.inspections import services as inspections
from shuangsui.lib import ranges
from shuangsui.results.api import rule_errors
from shuangsui.results.models import Result

from . import services
from .choices import FollowUpStatus, RecheckOutcome

router = Router(tags=["后续处置"])


def _date(d):
    return d.isoformat() if d else None


def followup_out(f):
    i = f.inspection
    return {
        "id": f.pk,
        "task": i.task.code,
        "task_name": i.task.name,
        "inspection": i.pk,
        "uid": i.uid,
        "name": i.name,
        "result": f.result_id,
        "item": f.result.item.code,
        "measure": f.measure.code,
        "measure_name": f.measure.name,
        "decided_on": _date(f.decided_on),
        "due_on": _date(f.due_on),
        "overdue": f.overdue(),
        "receiver": f.receiver,
        "decision_no": f.decision_no,
        "decision_on": _date(f.decision_on),
        "details": f.details,
        "status": f.status,
        "closed_on": _date(f.closed_on),
        "closing_note": f.closing_note,
        "previous": f.previous_id,
        "rechecks": [
            {
                "checked_on": _date(r.checked_on),
                "checked_by": r.checked_by,
                "outcome": r.outcome,
                "note": r.note,
            }
            for r in f.rechecks.all()
        ],
        "url": reverse("followup-detail", args=[f.pk]),
    }


class ListQuery(InSchema):
    status: FollowUpStatus | None = Field(None, description="open 未完结 / closed 已完结")
    overdue: bool = Field(False, description="只列期限已过仍未完结的")
    page: int = Field(1, ge=1, le=ranges.MAX_ID)
    per_page: int = Field(50, ge=1, le=500)


@router.get("", response=responses(dict), summary="后续处置清单（本人可见的）")
def list_followups(request, q: Query[ListQuery]):
    rows = services.overdue(request.user) if q.overdue else services.visible(request.user)
    if q.status:
        rows = rows.filter(status=q.status)
    paginator = CountCachingPaginator(rows.order_by("due_on", "decided_on", "id"), q.per_page)
    page = paginator.get_page(q.page)
    return {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "results": [followup_out(f) for f in page],
    }


@router.get("/pending", response=responses(dict), summary="发现问题、尚未登记后续处置的检查结果")
def pending(request):
    rows = services.pending(request.user)[:500]
    return {
        "results": [
            {
                "result": r.pk,
                "inspection": r.inspection_id,
                "task": r.inspection.task.code,
                "uid": r.inspection.uid,
                "name": r.inspection.name,
                "item": r.item.code,
                "codes": r.code_list,
            }
            for r in rows
        ]
    }


class SearchQuery(InSchema):
    decision_no: str = Field(
        ..., min_length=1, max_length=100, description="行政处罚决定书文号（包含即可）"
    )


@router.get("/search", response=responses(dict), summary="按行政处罚决定书文号查找任务与检查对象")
def search(request, q: Query[SearchQuery]):
    rows = services.search_decision(request.user, q.decision_no)[:100]
    return {"results": [followup_out(f) for f in rows]}


@router.get(
    "/inspections/{inspection_id}", response=responses(dict), summary="一个检查对象的后续处置"
)
def for_inspection(request, inspection_id: int):
    i = inspections.get_inspection(request.user, inspection_id)
    return {
        "inspection": i.pk,
        "problem_results": [r.pk for r in services.problem_results(i)],
        "results": [followup_out(f) for f in services.for_inspection(i)],
    }


@router.get("/{followup_id}", response=responses(dict), summary="一项后续处置")
def read(request, followup_id: int):
    return followup_out(services.get_followup(request.user, followup_id))


class RecordIn(InSchema):
    result: int = Field(
        ..., ge=1, le=ranges.MAX_ID, description="检查结果编号（审核通过、发现问题）"
    )
    measure: str = Field(
        ..., max_length=8, description="处置措施代码（代码表），如 03 责令改正、08 立案调查"
    )
    decided_on: datetime.date
    due_on: datetime.date | None = None
    receiver: str = Field("", max_length=200)
    decision_no: str = Field("", max_length=100)
    decision_on: datetime.date | None = None
    details: str = Field("", max_length=5000)


@router.post(
    "/inspections/{inspection_id}", response=responses(dict, write=True), summary="登记后续处置措施"
)
def record(request, payload: RecordIn, inspection_id: int):
    i = inspections.get_inspection(request.user, inspection_id)
    result = Result.objects.filter(pk=payload.result, inspection=i).first()
    if result is None:
        raise Http404
    data = payload.dict()
    data.pop("result")
    with rule_errors():
        f = services.record(request.user, result, **data)
    return followup_out(f)


class RecheckIn(InSchema):
    checked_on: datetime.date
    checked_by: str = Field(..., max_length=200)
    outcome: RecheckOutcome
    note: str = Field("", max_length=5000)
    next_measure: str | None = Field(None, max_length=8, description="未改正时的下一项措施代码")
    next_due_on: datetime.date | None = None
    next_receiver: str = Field("", max_length=200)


@router.post(
    "/{followup_id}/recheck", response=responses(dict, write=True), summary="登记责令改正的复查"
)
def recheck(request, payload: RecheckIn, followup_id: int):
    f = services.get_followup(request.user, followup_id)
    with rule_errors():
        row, nxt = services.recheck(request.user, f, **payload.dict())
    f.refresh_from_db()
    return {"followup": followup_out(f), "next": followup_out(nxt) if nxt else None}


class CloseIn(InSchema):
    closed_on: datetime.date
    note: str = Field("", max_length=5000)
    decision_no: str | None = Field(None, max_length=100)
    decision_on: datetime.date | None = None


@router.post("/{followup_id}/close", response=responses(dict, write=True), summary="登记完结")
def close(request, payload: CloseIn, followup_id: int):
    f = services.get_followup(request.user, followup_id)
    with rule_errors():
        f = services.close(request.user, f, **payload.dict())
    return followup_out(f)


class DecisionIn(InSchema):
    decision_no: str = Field(..., min_length=1, max_length=100)
    decision_on: datetime.date | None = None


@router.post(
    "/{followup_id}/decision",
    response=responses(dict, write=True),
    summary="登记行政处罚决定书文号",
)
def decision(request, payload: DecisionIn, followup_id: int):
    f = services.get_followup(request.user, followup_id)
    with rule_errors():
        f = services.set_decision(request.user, f, **payload.dict())
    return followup_out(f)
