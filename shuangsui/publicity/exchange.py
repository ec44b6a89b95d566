"""交换格式：公示的抽查结果交给国家企业信用信息公示系统（docs/exchange.md）。

一行是一条公示的结果（PublishedResult 的公开快照）；只取公示行上的字段，外加后续处置措施的名称。
增量拉取按（更新时间，记录编号）排序、以游标续取：发布、更正（旧行标“已更正”）、撤回、
新增后续处置都会更新该行的更新时间，所以更正过的行会带着更正标记再出现一次。
刚写入的行要过 SETTLE 秒才给出，免得还没提交完的事务落在游标之后被漏掉。
"""

import base64
import datetime

from django.db.models import Q
from django.utils import timezone

from shuangsui.followups.models import FollowUp

from .models import PublishedResult

LAYOUT = "shuangsui-exchange/1"
SETTLE = datetime.timedelta(seconds=30)
MAX_LIMIT = 1000

# (键, 表头)：JSON 用键，CSV/XLSX 用表头；顺序即列序
FIELDS = [
    ("record_id", "记录编号"),
    ("task_code", "任务编号"),
    ("task_name", "任务名称"),
    ("authority", "抽查机关"),
    ("uid", "统一社会信用代码"),
    ("name", "名称"),
    ("item", "抽查事项"),
    ("checked_on", "检查日期"),
    ("result_codes", "检查结果代码"),
    ("result_text", "检查结果"),
    ("followup", "后续处置"),
    ("published_on", "公示日期"),
    ("correction", "更正标记"),
    ("marked_on", "更正或撤回日期"),
    ("replaces", "更正的记录编号"),
    ("updated_at", "更新时间"),
]
KEYS = [k for k, _ in FIELDS]
HEADERS = [h for _, h in FIELDS]

CURRENT, CORRECTION, CORRECTED, WITHDRAWN = "现行", "更正", "已更正", "已撤回"


class CursorError(ValueError):
    """游标或时间无法识别。"""


def encode_cursor(updated_at, pk):
    raw = f"{updated_at.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor):
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, pk = raw.rsplit("|", 1)
        moment = datetime.datetime.fromisoformat(stamp)
        pk = int(pk)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CursorError("游标无法识别，请用上一次回答中的 next") from exc
    if moment.tzinfo is None or pk < 0:
        raise CursorError("游标无法识别，请用上一次回答中的 next")
    return moment, pk


def parse_since(text):
    """since：ISO 8601 时间（不带时区按北京时间）或日期。"""
    try:
        moment = datetime.datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise CursorError("since 应为 ISO 8601 时间，如 2026-12-01T08:00:00+08:00") from exc
    if moment.tzinfo is None:
        moment = timezone.make_aware(moment)
    return moment


def rows(since=None, cursor=None, limit=None, now=None):
    """公示的结果，按（更新时间，记录编号）升序：since 之后的，或游标之后的。返回查询集。"""
    now = now or timezone.now()
    qs = PublishedResult.objects.filter(updated_at__lte=now - SETTLE)
    if cursor:
        moment, pk = decode_cursor(cursor)
        qs = qs.filter(Q(updated_at__gt=moment) | Q(updated_at=moment, pk__gt=pk))
    elif since is not None:
        qs = qs.filter(updated_at__gt=since)
    qs = qs.select_related("task", "authority", "result").order_by("updated_at", "pk")
    return qs[:limit] if limit else qs


def followups_of(published):
    """{(检查对象, 事项): "措施；措施"}：只给措施名称（不给处置情况、接收单位、文号与完结情况）。"""
    keys = {(p.result.inspection_id, p.item_id) for p in published}
    if not keys:
        return {}
    found = {}
    measures = (
        FollowUp.objects.filter(inspection_id__in={k[0] for k in keys})
        .select_related("measure", "result")
        .order_by("decided_on", "pk")
    )
    for row in measures:
        key = (row.inspection_id, row.result.item_id)
        if key in keys and row.measure.name not in found.setdefault(key, []):
            found[key].append(row.measure.name)
    return {k: "；".join(v) for k, v in found.items()}


def correction_of(row):
    if row.corrected_on:
        return CORRECTED, row.corrected_on
    if row.withdrawn_on:
        return WITHDRAWN, row.withdrawn_on
    return (CORRECTION if row.replaces_id else CURRENT), None


def checked_on(row):
    first, last = row.checked_from, row.checked_to
    if first and last and first != last:
        return f"{first.isoformat()}/{last.isoformat()}"
    day = last or first
    return day.isoformat() if day else ""


def records(published):
    """把公示行写成交换格式的字典（键见 FIELDS）。"""
    published = list(published)
    disposal = followups_of(published)
    for row in published:
        mark, marked_on = correction_of(row)
        yield {
            "record_id": row.pk,
            "task_code": row.task.code,
            "task_name": row.task.name,
            "authority": row.authority.name,
            "uid": row.uid,
            "name": row.name,
            "item": row.item_name,
            "checked_on": checked_on(row),
            "result_codes": ",".join(row.code_list),
            "result_text": row.code_text,
            "followup": disposal.get((row.result.inspection_id, row.item_id), ""),
            "published_on": row.published_on.isoformat(),
            "correction": mark,
            "marked_on": marked_on.isoformat() if marked_on else "",
            "replaces": row.replaces_id,
            "updated_at": timezone.localtime(row.updated_at).isoformat(),
        }


def page(since=None, cursor=None, limit=100, now=None):
    """一页：(记录列表, 续取的游标, 是否还有)。

    游标总指向本页最后一行之后；本页为空时原样交回传入的游标（没有则为 None，下次仍用 since）。
    对方保存游标，下次从它续取，就只拿到这之后新增或改动的行。"""
    limit = max(1, min(limit, MAX_LIMIT))
    batch = list(rows(since, cursor, limit + 1, now))
    more = len(batch) > limit
    batch = batch[:limit]
    after = encode_cursor(batch[-1].updated_at, batch[-1].pk) if batch else cursor
    return list(records(batch)), after, more


def iter_all(since=None, now=None):
    """全部（或 since 之后的）记录，按游标每次取 MAX_LIMIT 行，百万行也不占内存。"""
    now = now or timezone.now()
    cursor = None
    while True:
        batch, cursor, more = page(since, cursor, MAX_LIMIT, now)
        yield from batch
        if not more:
            return


def touch_for_followup(followup):
    """新的或改动的后续处置：该对象该事项公示的行“更新”，增量拉取会再给出它们。"""
    PublishedResult.objects.filter(
        result__inspection_id=followup.inspection_id, item_id=followup.result.item_id
    ).update(updated_at=timezone.now())
