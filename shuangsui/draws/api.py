"""接口：抽取仪式（冻结、承诺、揭示、公开随机值、抽取、作废）与记录下载。挂载于 /api/draws。"""

from django.http import HttpResponse
from ninja import Field, Router
from ninja.errors import HttpError

from shuangsui.api.schemas import InSchema, responses
from shuangsui.core import scope
from shuangsui.plans.api import get_task, rule_errors

from . import services
from .choices import FileKind

router = Router(tags=["随机抽取"])


def draw_out(draw, user):
    full = services.may_see_full(user, draw)
    opaque = {label: f"S{i}" for i, label in enumerate(sorted(draw.strata), start=1)}

    def name(label):
        return label if full else opaque.get(label, label)

    return {
        "id": draw.pk,
        "task": draw.task.code,
        "number": draw.number,
        "status": draw.status,
        "population": {
            "digest": draw.population_digest,
            "count": draw.population_count,
            "strata": {name(k): v for k, v in draw.strata.items()},
        },
        "quotas": {name(k): v for k, v in draw.quotas.items()},
        "quota_rule": draw.quota_rule if full else None,
        "reserves": {name(k): v for k, v in draw.reserves.items()},
        "excluded": draw.excluded_count,
        "parties": [
            {
                "label": p.label,
                "role": p.role,
                "user": p.user.username,
                "commitment": p.commitment,
                "committed_at": p.committed_at,
                "revealed_at": p.revealed_at,
            }
            for p in draw.parties.select_related("user").order_by("order")
        ],
        "missing": services.missing_parties(draw),
        "public_value": f"{draw.public_label}={draw.public_value}" if draw.public_label else None,
        "seed": draw.seed or None,
        "selected_count": draw.selected_count,
        "reserve_count": draw.reserve_count,
        "record_sha256": draw.record_sha256 or None,
        "public_record_sha256": draw.public_record_sha256 or None,
        "frozen_at": draw.frozen_at,
        "completed_at": draw.completed_at,
        "void_reason": draw.void_reason or None,
        "void_pending": draw.void_pending,
        "voided_at": draw.voided_at,
    }


class CommitIn(InSchema):
    value: str | None = Field(None, max_length=200)
    commitment: str | None = Field(None, max_length=64)
    label: str | None = Field(None, max_length=32)


class RevealIn(InSchema):
    value: str = Field(..., max_length=200)


class PublicValueIn(InSchema):
    label: str = Field(..., max_length=32)
    value: str = Field(..., max_length=200)


class VoidIn(InSchema):
    reason: str = Field(..., max_length=2000)


READ = responses(dict)
WRITE = responses(dict, write=True)


@router.post("/tasks/{code}/freeze", response=WRITE, summary="冻结名单（摘要写入留痕）")
def freeze(request, code: str):
    user = request.auth
    task = get_task(user, code)
    with rule_errors():
        draw = services.freeze(task, user)
    return draw_out(draw, user)


@router.get(
    "/tasks/{code}/draws", response=responses(list[dict]), summary="任务的全部抽取（含已作废的）"
)
def task_draws(request, code: str):
    user = request.auth
    scope.require(user, "draws.view")
    task = get_task(user, code)
    return [draw_out(d, user) for d in task.draws.order_by("number")]


@router.get("/{draw_id}", response=READ, summary="抽取详情与仪式进度")
def detail(request, draw_id: int):
    user = request.auth
    return draw_out(services.get_draw(user, draw_id), user)


@router.post(
    "/{draw_id}/commit", response=WRITE, summary="提交承诺（承诺值，或由服务端从秘密值算出）"
)
def commit(request, draw_id: int, data: CommitIn):
    user = request.auth
    draw = services.get_draw(user, draw_id)
    with rule_errors():
        party = services.commit(
            draw, user, commitment=data.commitment, value=data.value, label=data.label
        )
    return {"label": party.label, "role": party.role, "commitment": party.commitment}


@router.post("/{draw_id}/reveal", response=WRITE, summary="揭示秘密值（须全部承诺之后）")
def reveal(request, draw_id: int, data: RevealIn):
    user = request.auth
    draw = services.get_draw(user, draw_id)
    with rule_errors():
        services.reveal(draw, user, data.value)
    return draw_out(services.get_draw(user, draw_id), user)


@router.post(
    "/{draw_id}/public-value", response=WRITE, summary="录入公开随机值（全部揭示之后、抽取之前）"
)
def public_value(request, draw_id: int, data: PublicValueIn):
    user = request.auth
    draw = services.get_draw(user, draw_id)
    with rule_errors():
        draw = services.add_public_value(draw, user, data.label, data.value)
    return draw_out(draw, user)


@router.post("/{draw_id}/run", response=WRITE, summary="执行抽取")
def run(request, draw_id: int):
    user = request.auth
    draw = services.get_draw(user, draw_id)
    with rule_errors():
        draw = services.run(draw, user)
    return draw_out(draw, user)


@router.post("/{draw_id}/void", response=WRITE, summary="申请作废（须写明原因）")
def void(request, draw_id: int, data: VoidIn):
    user = request.auth
    draw = services.get_draw(user, draw_id)
    with rule_errors():
        draw = services.request_void(draw, user, data.reason)
    return draw_out(draw, user)


@router.post(
    "/{draw_id}/void/approve", response=WRITE, summary="批准作废（另一位有 plans.approve 的用户）"
)
def void_approve(request, draw_id: int):
    user = request.auth
    draw = services.get_draw(user, draw_id)
    with rule_errors():
        draw = services.approve_void(draw, user)
    return draw_out(draw, user)


@router.post("/{draw_id}/void/reject", response=WRITE, summary="驳回作废申请")
def void_reject(request, draw_id: int):
    user = request.auth
    draw = services.get_draw(user, draw_id)
    with rule_errors():
        draw = services.reject_void(draw, user)
    return draw_out(draw, user)


@router.get("/{draw_id}/verify", response=READ, summary="核验保存的记录与名单")
def verify(request, draw_id: int):
    draw = services.get_draw(request.auth, draw_id)
    problems = services.verify_stored(draw)
    return {"ok": not problems, "problems": problems}


@router.get(
    "/{draw_id}/files/{kind}",
    response=responses(dict),
    summary="下载文件：record、population、public_record、public_population、pool",
    openapi_extra={
        "responses": {
            200: {
                "description": "文件内容（名单为 CSV，其余为 JSON）；X-Content-SHA256 为其摘要",
                "content": {
                    "application/json": {"schema": {"type": "object"}},
                    "text/csv": {"schema": {"type": "string"}},
                },
            }
        }
    },
)
def download(request, draw_id: int, kind: str):
    user = request.auth
    draw = services.get_draw(user, draw_id)
    if kind not in FileKind.values:
        raise HttpError(404, "没有这种文件")
    if not services.may_download(user, draw, kind):
        raise HttpError(403, "您不能下载含信用风险分类的完整文件，请下载公开形式")
    try:
        data = services.read_file(draw, kind)
    except services.FileMismatch as exc:
        raise HttpError(404, exc.messages[0]) from exc
    response = HttpResponse(data, content_type=services.CONTENT_TYPES[kind])
    response["Content-Disposition"] = f'attachment; filename="{services.download_name(draw, kind)}"'
    response["X-Content-SHA256"] = services.file_info(draw, kind)[1]
    return response
