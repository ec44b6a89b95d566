"""全过程留痕：哈希链审计日志的写入与校验。

每一行的哈希覆盖其内容和上一行的哈希；改动、删除或调换任何一行，校验都会在那一行断开。
写入在调用方的事务里进行，并先取得链锁（PostgreSQL 用事务级咨询锁，SQLite 的写事务本身是串行的）。
"""

import contextvars
import datetime
import decimal
import uuid

from django.db import connection, transaction
from django.utils import timezone

from .models import AuditEvent

GENESIS = "0" * 64
_LOCK_KEY = 7_243_901  # 任意固定值：审计链的咨询锁
_actor = contextvars.ContextVar("shuangsui_actor", default=None)


def set_actor(user):
    """设定当前请求/命令的操作人，返回用于恢复的 token。"""
    return _actor.set(user)


def reset_actor(token):
    _actor.reset(token)


def current_actor():
    return _actor.get()


def jsonable(value):
    """把模型字段值转为稳定的 JSON 值（存入和计算哈希用同一份）。"""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(datetime.UTC)
        return value.isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return value


def _lock_chain():
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def log(
    action,
    obj=None,
    *,
    actor=None,
    before=None,
    after=None,
    object_type="",
    object_id="",
    object_repr="",
    scope_path="",
):
    """写一条审计事件（在调用方事务中）。`action` 用点分名，如 `entity.updated`。"""
    actor = actor if actor is not None else current_actor()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
        scope_path = scope_path or getattr(obj, "scope_path", "") or ""
    with transaction.atomic():
        _lock_chain()
        last = AuditEvent.objects.order_by("-id").values_list("id", "hash").first()
        event = AuditEvent(
            id=(last[0] + 1) if last else 1,
            at=timezone.now(),
            actor=actor,
            actor_name=(actor.display_name if actor else "系统")[:150],
            action=action,
            object_type=object_type,
            object_id=str(object_id)[:64],
            object_repr=object_repr[:200],
            scope_path=scope_path[:255],
            before=jsonable(before),
            after=jsonable(after),
            prev_hash=last[1] if last else GENESIS,
        )
        event.hash = event.compute_hash()
        event.save(force_insert=True)
    return event


def verify(batch=5000):
    """逐行校验整条链。返回 (已校验行数, 第一处问题或 None)；问题为 (行号, 原因)。"""
    prev_hash = GENESIS
    expected_id = 1
    checked = 0
    last_id = 0
    while True:
        rows = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch])
        if not rows:
            return checked, None
        for event in rows:
            if event.id != expected_id:
                return checked, (
                    expected_id,
                    f"缺少第 {expected_id} 行（下一行是第 {event.id} 行）",
                )
            if event.prev_hash != prev_hash:
                return checked, (event.id, "上一行哈希不符：前面的行被改动、删除或调换")
            if event.compute_hash() != event.hash:
                return checked, (event.id, "本行内容与哈希不符：此行被改动")
            prev_hash = event.hash
            expected_id += 1
            checked += 1
            last_id = event.id


def snapshot(obj):
    """对象的字段快照（外键记其主键），用作审计的 before/after。"""
    data = {}
    for field in obj._meta.concrete_fields:
        if field.name in ("password", "last_login"):
            continue
        data[field.attname] = jsonable(getattr(obj, field.attname))
    return data
