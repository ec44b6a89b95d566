"""公开的只读接口（无需登录）：交换格式的公示结果，分页与增量拉取。挂载于 /api/public。

按客户端限流（与门户查询同一规则：每分钟 60 次，超出 429）。只给公示行上的公开字段（docs/exchange.md）。
"""

from ninja import Field, Query, Router, Schema, Status

from shuangsui.api.schemas import ErrorOut, InSchema, InvalidOut
from shuangsui.core.lockout import client_ip

from . import exchange, services

router = Router(tags=["公开（无需登录）"])


class ExchangeQuery(InSchema):
    since: str | None = Field(
        None,
        max_length=40,
        description="只要这个时间之后新增或改动的（ISO 8601，如 2026-12-01T08:00:00+08:00）",
    )
    cursor: str | None = Field(
        None, max_length=200, description="上一次回答中的 next：从那里续取（优先于 since）"
    )
    limit: int = Field(100, ge=1, le=exchange.MAX_LIMIT, description="每次至多几条")


class ExchangeRecord(Schema):
    record_id: int
    task_code: str
    task_name: str
    authority: str
    uid: str
    name: str
    item: str
    checked_on: str
    result_codes: str
    result_text: str
    followup: str
    published_on: str
    correction: str
    marked_on: str
    replaces: int | None
    updated_at: str


class ExchangePage(Schema):
    layout: str
    results: list[ExchangeRecord]
    next: str | None = Field(description="续取的游标；保存它，下次带上 cursor=它")
    more: bool = Field(description="是否还有（有则立即用 next 续取）")


@router.get(
    "/results",
    auth=None,
    response={200: ExchangePage, 400: ErrorOut, 422: InvalidOut, 429: ErrorOut},
    summary="公示的抽查结果（交换格式，增量拉取）",
)
def exchange_results(request, filters: Query[ExchangeQuery]):
    """按（更新时间，记录编号）升序；更正、撤回、新的后续处置会让该行带着新的标记再出现一次。"""
    if not services.allow(client_ip(request) or "unknown", bucket="api"):
        return Status(429, {"detail": "请求过于频繁，请一分钟后再试"})
    try:
        since = exchange.parse_since(filters.since) if filters.since else None
        rows, after, more = exchange.page(since, filters.cursor, filters.limit)
    except exchange.CursorError as exc:
        return Status(400, {"detail": str(exc)})
    return {"layout": exchange.LAYOUT, "results": rows, "next": after, "more": more}
