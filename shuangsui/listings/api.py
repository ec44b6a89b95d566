"""接口：经营异常名录（列表、详情）与移出申请（信用修复“网上办”）。挂载于 /api/listings。

与页面同一套服务与辖区范围：辖区外与不存在一样为 404；无权办理为 403；不合规则为 400，
detail 为中文原因。
"""

from datetime import date
from typing import Literal

from django.core.paginator import Paginator
from django.http import Http404
from ninja import Field, Query, Router

from shuangsui.api.schemas import InSchema, responses
from shuangsui.lib import ranges
from shuangsui.results.api import rule_errors

from . import services
from .choices import OPEN_STAGES, RemovalChannel, Stage

router = Router(tags=["经营异常名录"])

STATES = ["reminder", "head", "bureau", "listed", "removed", "rejected"]


def _chain(obj):
    def who(user):
        return user.display_name if user else None

    def at(value):
        return value.isoformat() if value else None

    return {
        "stage": obj.stage,
        "proposed_by": who(obj.proposed_by),
        "proposed_at": at(obj.proposed_at),
        "reviewed_by": who(obj.reviewed_by),
        "reviewed_at": at(obj.reviewed_at),
        "approved_by": who(obj.approved_by),
        "approved_at": at(obj.approved_at),
        "rejected_by": who(obj.rejected_by),
        "rejected_at": at(obj.rejected_at),
        "reject_reason": obj.reject_reason,
    }


def listing_out(listing, detail=False):
    out = {
        "id": listing.pk,
        "uid": listing.entity.uid,
        "name": listing.entity.name,
        "cause": listing.cause,
        "mark": listing.mark,
        "station": listing.station.code,
        "state": listing.state_label,
        "stage": listing.stage,
        "listed_on": listing.listed_on.isoformat() if listing.listed_on else None,
        "removed_on": listing.removed_on.isoformat() if listing.removed_on else None,
    }
    if detail:
        out.update(
            source=listing.source,
            facts=listing.facts,
            provisions=listing.provisions,
            removed_reason=listing.removed_reason,
            chain=_chain(listing),
            reminders=[
                {
                    "method": r.method,
                    "person": r.person,
                    "number": r.number,
                    "contacted_at": r.contacted_at.isoformat(),
                    "outcome": r.outcome,
                }
                for r in listing.reminders.all()
            ],
            removals=[
                {
                    "id": r.pk,
                    "applicant": r.applicant,
                    "applied_on": r.applied_on.isoformat(),
                    "reason": r.reason,
                    "channel": r.channel,
                    **_chain(r),
                }
                for r in listing.removals.order_by("proposed_at", "id")
            ],
        )
    return out


class ListingFilters(InSchema):
    # 取值写进接口说明：别的值由校验答 422（已声明），不是未声明的 400
    state: Literal["reminder", "head", "bureau", "listed", "removed", "rejected"] | None = Field(
        None, description="、".join(STATES)
    )
    uid: str | None = Field(None, max_length=18, description="统一社会信用代码")
    page: int = Field(1, ge=1, le=ranges.MAX_ID, description="页码，从 1 开始")
    per_page: int = Field(50, ge=1, le=500, description="每页条数")


def _get(user, listing_id):
    if not 1 <= listing_id <= ranges.MAX_ID:
        raise Http404
    return services.get_listing(user, listing_id)


@router.get("", response=responses(dict), summary="经营异常名录：本辖区的列异记录")
def list_listings(request, filters: Query[ListingFilters]):
    rows = services.visible(request.auth).order_by("-proposed_at", "-id")
    state = filters.state
    if state in (Stage.REMINDER, Stage.HEAD, Stage.BUREAU, Stage.REJECTED):
        rows = rows.filter(stage=state)
    elif state == "listed":
        rows = rows.filter(stage=Stage.APPROVED, removed_on=None)
    elif state == "removed":
        rows = rows.filter(stage=Stage.APPROVED).exclude(removed_on=None)
    if filters.uid:
        rows = rows.filter(entity__uid=filters.uid.strip().upper())
    page = Paginator(rows, filters.per_page).get_page(filters.page)
    return {
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
        "results": [listing_out(x) for x in page],
    }


@router.get(
    "/{listing_id}",
    response=responses(dict),
    summary="列异详情：事由、检查情况、适用条款、提醒与审批经过",
)
def read_listing(request, listing_id: int):
    return listing_out(_get(request.auth, listing_id), detail=True)


class RemovalIn(InSchema):
    applicant: str = Field(..., max_length=100, description="申请人")
    reason: str = Field(..., max_length=2000, description="已纠正的情况")
    applied_on: date | None = Field(
        None, description="申请日期（默认今天；2000-01-01 至 2100-12-31）"
    )


@router.post(
    "/{listing_id}/removal",
    response=responses(dict, write=True),
    summary="申请移出经营异常名录（信用修复，网上申请）；之后经所长审核、局审批",
)
def apply_removal(request, listing_id: int, payload: RemovalIn):
    listing = _get(request.auth, listing_id)
    with rule_errors():
        removal = services.apply_removal(
            request.auth,
            listing,
            applicant=payload.applicant,
            reason=payload.reason,
            applied_on=payload.applied_on,
            channel=RemovalChannel.ONLINE,
        )
    listing.refresh_from_db()
    out = listing_out(listing, detail=True)
    out["removal"] = removal.pk
    out["open_removal"] = removal.stage in OPEN_STAGES
    return out
