"""接口：检查对象与检查结果（本人的工作、读取、录入、提交、上传材料、审核）。挂载于 /api/results。

与页面同一套服务与辖区范围：检查人员只看到有效指派的对象，所长看本所的；录入、提交的规则错误
返回 400，detail 为中文原因；无权录入为 403；辖区外与不存在一样为 404。
"""

import contextlib
import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import File, Form, Router, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile

from shuangsui.api.schemas import responses
from shuangsui.inspections import services as inspections

from . import services
from .choices import AttachmentKind

router = Router(tags=["检查结果"])


@contextlib.contextmanager
def rule_errors():
    try:
        yield
    except ValidationError as exc:
        raise HttpError(400, "；".join(exc.messages)) from exc
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or "没有权限") from exc


def result_out(r):
    return {
        "id": r.pk,
        "item": r.item.code,
        "version": r.version,
        "status": r.status,
        "checked_from": r.checked_from.isoformat() if r.checked_from else None,
        "checked_to": r.checked_to.isoformat() if r.checked_to else None,
        "methods": r.method_list,
        "codes": r.code_list,
        "status_confirmed": r.status_confirmed,
        "facts": r.facts,
        "provisions": r.provisions,
        "present": sorted(r.present.values_list("badge_no", flat=True)),
        "review_note": r.review_note,
        "correction_reason": r.correction_reason,
        "attachments": [
            {
                "id": a.pk,
                "kind": a.kind,
                "name": a.name,
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
                "url": reverse("result-file", args=[a.pk]),
            }
            for a in r.attachments.all()
        ],
    }


def inspection_out(i, user, detail=False):
    out = {
        "id": i.pk,
        "uid": i.uid,
        "name": i.name,
        "task": i.task.code,
        "station": i.station.code if i.station_id else None,
        "rank": i.rank,
        "deadline": i.deadline.isoformat(),
        "status": i.status,
    }
    if detail:
        entity = i.entity
        if entity:
            out["entity"] = {
                "address": entity.address,
                "legal_rep": entity.legal_rep,
                "phone": entity.phone,
                "status": entity.status,
            }
        results = services.current_results(i)
        out["items"] = [
            {
                "id": item.pk,
                "code": item.code,
                "name": item.name,
                "check_points": item.sub_item_list,
                "legal_basis": item.legal_basis,
                "methods": item.method_list,
                "on_site_required": services.requires_on_site(item),
                "may_enter": services.may_enter(user, i, item),
                "result": result_out(results[item.pk]) if item.pk in results else None,
            }
            for item in services.items_of(i)
        ]
        out["deadlines"] = [
            {"name": name, "date": d.isoformat() if d else None, "unknown_reason": why}
            for name, d, why in services.deadlines(i, results)
        ]
    return out


@router.get("/work", response=responses(dict), summary="本人的检查任务（待检查、检查中）")
def my_work(request):
    rows = inspections.worklist(request.user)[:500]
    return {"results": [inspection_out(i, request.user) for i in rows]}


@router.get(
    "/inspections/{inspection_id}",
    response=responses(dict),
    summary="检查对象：事项、检查要点、现行结果与期限",
)
def read_inspection(request, inspection_id: int):
    i = inspections.get_inspection(request.user, inspection_id)
    return inspection_out(i, request.user, detail=True)


class ResultIn(Schema):
    checked_from: datetime.date | None = None
    checked_to: datetime.date | None = None
    methods: list[str] | None = None
    codes: list[str] | None = None
    status_confirmed: bool | None = None
    facts: str | None = None
    provisions: str | None = None
    present: list[str] | None = None  # 执法证号/人员编号


def _data(i, payload):
    data = {k: v for k, v in payload.dict().items() if v is not None}
    if "present" in data:
        team = dict(
            i.assignments.filter(active=True).values_list("inspector__badge_no", "inspector_id")
        )
        missing = [b for b in data["present"] if b not in team]
        if missing:
            raise ValidationError(f"到场人员须是该对象检查组的成员：{'、'.join(missing)}")
        data["present"] = [team[b] for b in data["present"]]
    return data


def _item(i, item_id):
    return get_object_or_404(i.task.items.all(), pk=item_id)


@router.put(
    "/inspections/{inspection_id}/items/{item_id}",
    response=responses(dict, write=True),
    summary="保存草稿",
)
def save(request, inspection_id: int, item_id: int, payload: ResultIn):
    i = inspections.get_inspection(request.user, inspection_id)
    with rule_errors():
        r = services.save_draft(request.user, i, _item(i, item_id), _data(i, payload))
    return result_out(r)


@router.post(
    "/inspections/{inspection_id}/items/{item_id}/submit",
    response=responses(dict, write=True),
    summary="提交审核",
)
def submit(request, inspection_id: int, item_id: int, payload: ResultIn):
    i = inspections.get_inspection(request.user, inspection_id)
    with rule_errors():
        r = services.submit(request.user, i, _item(i, item_id), _data(i, payload))
    return result_out(r)


@router.post(
    "/inspections/{inspection_id}/items/{item_id}/files",
    response=responses(dict, write=True),
    summary="上传检查材料",
)
def upload(
    request,
    inspection_id: int,
    item_id: int,
    file: File[UploadedFile],
    kind: Form[str] = AttachmentKind.PHOTO,
):
    i = inspections.get_inspection(request.user, inspection_id)
    if kind not in AttachmentKind.values:
        raise HttpError(400, f"材料类别应为 {'、'.join(AttachmentKind.values)} 之一")
    with rule_errors():
        a = services.attach(request.user, i, _item(i, item_id), file, kind)
    return {"id": a.pk, "sha256": a.sha256, "content_type": a.content_type, "size": a.size}


class ReviewIn(Schema):
    approve: bool
    reason: str = ""


@router.post(
    "/inspections/{inspection_id}/items/{item_id}/review",
    response=responses(dict, write=True),
    summary="审核：通过或退回",
)
def review(request, inspection_id: int, item_id: int, payload: ReviewIn):
    i = inspections.get_inspection(request.user, inspection_id)
    current = services.current_results(i).get(int(item_id))
    if current is None:
        raise HttpError(404, "尚无结果")
    with rule_errors():
        if payload.approve:
            r = services.approve(request.user, current)
        else:
            r = services.return_result(request.user, current, payload.reason)
    return result_out(r)
