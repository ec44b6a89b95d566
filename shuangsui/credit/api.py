"""接口：信用风险分类调整建议（列表、详情、确认、驳回）。挂载于 /api/credit。

与页面同一套服务与辖区范围：须有确认权限（计划管理）；辖区外 403（说明原因），不存在 404；
已处理过的建议、理由为空等业务规则错误 400。
"""

from typing import Literal

from django.http import Http404
from ninja import Field, Query, Router

from shuangsui.api.errors import rule_errors
from shuangsui.api.schemas import InSchema, responses
from shuangsui.core import scope
from shuangsui.core.paging import CountCachingPaginator
from shuangsui.lib import ranges

from . import services

router = Router(tags=["信用反馈"])


def proposal_out(p):
    return {
        "id": p.pk,
        "entity": {"uid": p.entity.uid, "name": p.entity.name},
        "from_class": p.from_class,
        "to_class": p.to_class,
        "event": p.event,
        "rule": p.rule.code if p.rule_id else None,
        "cause": p.cause,
        "result": p.result_id,
        "reason": p.reason,
        "status": p.status,
        "created_at": p.created_at.isoformat(),
        "decided_by": p.decided_by.username if p.decided_by_id else None,
        "decided_at": p.decided_at.isoformat() if p.decided_at else None,
        "decision_note": p.decision_note,
    }


class ProposalFilters(InSchema):
    status: Literal["pending", "confirmed", "rejected"] | None = None
    page: int = Field(1, ge=1, le=ranges.MAX_ID, description="页码，从 1 开始")
    per_page: int = Field(50, ge=1, le=500, description="每页条数")


def _get(request, proposal_id):
    if not 1 <= proposal_id <= ranges.MAX_ID:
        raise Http404
    return services.get_proposal(request.auth, proposal_id)


@router.get("/proposals", response=responses(dict), summary="调整建议列表（本辖区）")
def list_proposals(request, filters: Query[ProposalFilters]):
    scope.require(request.auth, services.CAPABILITY)
    queryset = services.proposals_for(request.auth, filters.status)
    paginator = CountCachingPaginator(queryset, filters.per_page)
    page = paginator.get_page(filters.page)
    return {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "results": [proposal_out(p) for p in page],
    }


@router.get("/proposals/{proposal_id}", response=responses(dict), summary="调整建议详情")
def read_proposal(request, proposal_id: int):
    return proposal_out(_get(request, proposal_id))


class ConfirmIn(InSchema):
    note: str = Field("", max_length=1000, description="确认说明（可空）")


class RejectIn(InSchema):
    reason: str = Field(..., max_length=1000, description="驳回理由（必填）")


@router.post(
    "/proposals/{proposal_id}/confirm",
    response=responses(dict, write=True),
    summary="确认：主体改为建议的分类并记入分类历史",
)
def confirm(request, proposal_id: int, payload: ConfirmIn):
    p = _get(request, proposal_id)
    with rule_errors():
        p = services.confirm(request.auth, p, payload.note)
    return proposal_out(p)


@router.post(
    "/proposals/{proposal_id}/reject",
    response=responses(dict, write=True),
    summary="驳回（须写明理由）",
)
def reject(request, proposal_id: int, payload: RejectIn):
    p = _get(request, proposal_id)
    with rule_errors():
        p = services.reject(request.auth, p, payload.reason)
    return proposal_out(p)
