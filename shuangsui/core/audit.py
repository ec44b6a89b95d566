"""全过程留痕：哈希链审计日志的写入与校验。

每一行的哈希覆盖其内容和上一行的哈希；改动、删除或调换任何一行，校验都会在那一行断开。
写入在调用方的事务里进行，并先取得链锁（PostgreSQL 用事务级咨询锁，SQLite 的写事务本身是串行的）。

只有哈希链挡不住从链尾截断、或改动一行后把其后各行的哈希全部重算。所以另有签名检查点
（`checkpoint()`）：链头的行号与哈希、时间由库外保存的 Ed25519 私钥签名。`verify()` 逐行校验时
也核对每个检查点的签名和它记下的链头；公钥（`public_key_pem()`）可以公开，供外部核验。
"""

import base64
import contextvars
import datetime
import decimal
import hashlib
import os
import uuid
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .models import AuditCheckpoint, AuditEvent

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


def verify(batch=5000, public_key_pem=None):
    """逐行校验整条链，并核对签名检查点。返回 (已校验行数, 第一处问题或 None)；问题为 (行号, 原因)。

    检查点的签名无效、链比某个检查点记下的短（链尾被截断），或某行的哈希与检查点记下的不同
    （历史被改写后重算了哈希），都算问题。
    """
    anchors, problem = _checked_anchors(public_key_pem)
    if problem:
        return 0, problem
    prev_hash = GENESIS
    expected_id = 1
    checked = 0
    last_id = 0
    while True:
        rows = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch])
        if not rows:
            if anchors and max(anchors) > checked:
                top = max(anchors)
                return checked, (
                    checked + 1,
                    f"链尾被截断：签名检查点记录的链头是第 {top} 行，现在只有 {checked} 行",
                )
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
            anchored = anchors.get(event.id)
            if anchored is not None and anchored != event.hash:
                return checked, (
                    event.id,
                    "本行哈希与签名检查点记下的不同：此行及之前的历史被改写后重算了哈希",
                )
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


# ---------------------------------------------------------------- 签名检查点


class KeyMissing(Exception):
    """没有签名密钥（也不允许新建时）。"""


def _key_file():
    return Path(getattr(settings, "AUDIT_KEY_FILE", settings.DATA_DIR / "audit-ed25519.key"))


def _load_private_key(create=False):
    """私钥：环境变量 SHUANGSUI_AUDIT_KEY（PEM）优先，否则数据目录中的密钥文件；首次使用时生成（0600）。"""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    pem = getattr(settings, "AUDIT_KEY", "") or ""
    if pem:
        return serialization.load_pem_private_key(pem.encode(), password=None)
    path = _key_file()
    if not path.exists():
        if not create:
            raise KeyMissing(f"找不到审计签名密钥 {path}")
        key = Ed25519PrivateKey.generate()
        data = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # 另一个进程刚刚建好
            return _load_private_key()
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        return key
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


def _public_raw(public_key):
    from cryptography.hazmat.primitives import serialization

    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public_key):
    """公钥指纹：原始公钥 SHA-256 的前 16 位十六进制。"""
    return hashlib.sha256(_public_raw(public_key)).hexdigest()[:16]


def public_key_pem(create=True):
    """可公开的公钥（PEM），供外部核验检查点。"""
    from cryptography.hazmat.primitives import serialization

    public = _load_private_key(create=create).public_key()
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def checkpoint(reason):
    """为当前链头写一个签名检查点（在调用方事务中，先取得链锁）。返回检查点对象。

    每日定时（`shuangsui audit checkpoint`）、每次抽取完成与结果公示时调用。
    """
    private = _load_private_key(create=True)
    with transaction.atomic():
        _lock_chain()
        head = AuditEvent.objects.order_by("-id").values_list("id", "hash").first()
        point = AuditCheckpoint(
            at=timezone.now(),
            event_id=head[0] if head else 0,
            head_hash=head[1] if head else GENESIS,
            reason=str(reason)[:100],
            key_id=key_id(private.public_key()),
        )
        point.signature = base64.b64encode(private.sign(point.message())).decode()
        point.save(force_insert=True)
    return point


def signature_ok(point, public_key):
    from cryptography.exceptions import InvalidSignature

    if point.key_id != key_id(public_key):
        return False
    try:
        public_key.verify(base64.b64decode(point.signature), point.message())
    except (InvalidSignature, ValueError):
        return False
    return True


def _checked_anchors(public_key_pem=None):
    """核对所有检查点的签名（默认用本机私钥对应的公钥；外部核验者给出公开的公钥 PEM）。

    返回 ({行号: 哈希}, 问题或 None)。
    """
    from cryptography.hazmat.primitives import serialization

    points = list(AuditCheckpoint.objects.order_by("id"))
    if not points:
        return {}, None
    try:
        if public_key_pem:
            public = serialization.load_pem_public_key(public_key_pem.encode())
        else:
            public = _load_private_key().public_key()
    except KeyMissing as exc:
        return {}, (points[0].event_id, f"{exc}，无法核对签名检查点")
    except ValueError:
        return {}, (points[0].event_id, "给出的公钥无法读取")
    anchors = {}
    for point in points:
        if not signature_ok(point, public):
            return {}, (point.event_id, f"签名检查点 #{point.pk} 的签名无效：检查点被伪造或改动")
        if anchors.get(point.event_id, point.head_hash) != point.head_hash:
            return {}, (point.event_id, f"签名检查点 #{point.pk} 与更早的检查点矛盾")
        anchors[point.event_id] = point.head_hash
    anchors.pop(0, None)  # 空链的检查点
    return anchors, None


def coverage():
    """链被签名覆盖到哪里：返回 (最近检查点或 None, 其后尚未签名覆盖的事件数)。"""
    point = AuditCheckpoint.objects.order_by("-id").first()
    after = AuditEvent.objects.filter(id__gt=point.event_id if point else 0).count()
    return point, after


CHECKPOINT_STALE = datetime.timedelta(hours=26)  # 每日检查点，留两小时余量
