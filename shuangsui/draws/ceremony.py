"""抽取仪式的通用部分：承诺、揭示、公开随机值、熵、不可变文件与锁冲突重试。

不绑定任何一种抽取：对象只需有 `status`（DrawStatus 的值）、`scope_path`、`parties`（参与方的
关联管理器，参与方模型继承 `models.CeremonyParty`）、`public_label`/`public_value` 与 `save()`。
检查对象的抽取（`services`）与再检查的抽样（`rechecks.services`）都用它：`commit`、`reveal`、
`add_public_value` 各是一个事务、一条审计事件（动作名为 `<prefix>.committed` 等），调用者给出
加锁取行的函数 `lock(obj)` 与动作名前缀。
"""

import hashlib
import os
import random
import re
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from shuangsui.core import audit, scope

from . import protocol
from .choices import DrawStatus, PartyRole

LABEL_RE = re.compile(r"[a-z0-9_-]+")
HEX64_RE = re.compile(r"[0-9a-f]{64}")
MIN_SECRET_LENGTH = 6


def retrying(fn):
    """在 SQLite 上遇到锁冲突时整段重试（共享缓存的内存库不等待，直接报 locked）。

    只在最外层（不在事务中）生效；PostgreSQL 与文件库的正常等待由数据库自己处理。
    """
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        return fn()
    deadline = time.monotonic() + 60
    while True:
        try:
            return fn()
        except OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(random.uniform(0.002, 0.03))


# ---------------------------------------------------------------- 不可变文件


def root():
    return Path(settings.DRAW_FILES_ROOT)


def safe(text):
    return re.sub(r"[^0-9A-Za-z_.-]", "_", text)


def write_file(rel, data, written):
    """在 DRAW_FILES_ROOT 下写入不可变文件（先写临时文件再改名，只读权限），返回 sha256。

    写成的路径记入 `written`，事务失败时由调用者 `discard(written)`。"""
    path = root() / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with open(tmp, "xb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(tmp, 0o444)
    os.replace(tmp, path)
    written.append(path)
    return hashlib.sha256(data).hexdigest()


def discard(paths):
    for path in paths:
        try:
            path.unlink()
        except OSError:
            pass


class FileMismatch(ValidationError):
    pass


def read_checked(rel, digest, what):
    """读取文件并核对登记的摘要；文件缺失或被改动时抛出 FileMismatch（`what` 为文件的中文名）。"""
    if not rel:
        raise FileMismatch(f"{what}尚未生成")
    try:
        data = (root() / rel).read_bytes()
    except OSError as exc:
        raise FileMismatch(f"{what}文件缺失") from exc
    if hashlib.sha256(data).hexdigest() != digest:
        raise FileMismatch(f"{what}与登记的摘要不符：文件被改动")
    return data


# ---------------------------------------------------------------- 参与方


def party_role(user, operate="draws.operate", witness="draws.witness"):
    if scope.can(user, witness):
        return PartyRole.WITNESS
    if scope.can(user, operate):
        return PartyRole.OPERATOR
    raise PermissionDenied("只有执行方（计划管理）和监督见证方可以参与抽取")


def next_label(obj, role):
    """承诺时使用的标签：身份名（operator / witness），已被占用时加序号。"""
    taken = set(obj.parties.values_list("label", flat=True))
    label, n = role.value, 1
    while label in taken:
        n += 1
        label = f"{role.value}-{n}"
    return label


def missing_parties(obj):
    """还缺哪一方的承诺（中文）；齐全时为空列表。"""
    roles = set(obj.parties.values_list("role", flat=True))
    missing = []
    if PartyRole.OPERATOR not in roles:
        missing.append("任务执行方")
    if PartyRole.WITNESS not in roles:
        missing.append("监督见证方")
    return missing


def check_secret(value):
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("秘密值不能为空")
    if "\n" in value or "\r" in value:
        raise ValidationError("秘密值不能含换行")
    if len(value) < MIN_SECRET_LENGTH:
        raise ValidationError(f"秘密值至少 {MIN_SECRET_LENGTH} 个字符（建议 16 个以上的随机字符）")
    if len(value) > 200:
        raise ValidationError("秘密值不能超过 200 个字符")


def commit_input(commitment, value):
    """核对承诺的输入（承诺值或秘密值，二者选一），返回规整后的承诺值（给秘密值时为 None）。"""
    if (commitment is None) == (value is None):
        raise ValidationError("请给出承诺值或秘密值（二者选一）")
    if value is not None:
        check_secret(value)
        return None
    commitment = commitment.strip().lower()
    if not HEX64_RE.fullmatch(commitment):
        raise ValidationError("承诺值应为 64 位十六进制（SHA-256）")
    return commitment


def add_party(locked, user, role, *, commitment=None, value=None, label=None):
    """在已加锁的对象上记录一方的承诺（只存承诺值）；返回新的参与方。"""
    if locked.status != DrawStatus.FROZEN:
        raise ValidationError("承诺阶段已结束（已有一方揭示，或抽取已完成/作废）")
    if locked.parties.filter(user=user).exists():
        raise ValidationError("您已提交过承诺")
    chosen = label or next_label(locked, role)
    if not LABEL_RE.fullmatch(chosen):
        raise ValidationError("标签只能由小写字母、数字、_ 和 - 组成")
    if locked.parties.filter(label=chosen).exists():
        raise ValidationError(f"标签 {chosen} 已被使用")
    return locked.parties.create(
        label=chosen,
        role=role,
        user=user,
        order=locked.parties.count() + 1,
        commitment=commitment or protocol.commitment(chosen, value),
        committed_at=timezone.now(),
    )


def check_reveal_value(value):
    if not isinstance(value, str) or "\n" in value or "\r" in value:
        raise ValidationError("揭示值不能含换行")


def reveal_party(locked, user, value, mismatch):
    """在已加锁的对象上核对一方的揭示值并计入熵；返回 (参与方, 揭示前的状态)。

    与承诺不符时把标签记入 `mismatch`（调用者在事务回滚后另记一条失败事件）。"""
    if locked.status not in (DrawStatus.FROZEN, DrawStatus.REVEALING):
        raise ValidationError(f"当前状态为“{locked.get_status_display()}”，不能揭示")
    party = locked.parties.filter(user=user).first()
    if party is None:
        raise ValidationError("您没有提交承诺，不能揭示")
    missing = missing_parties(locked)
    if missing:
        raise ValidationError(f"承诺尚未收齐（还缺{'、'.join(missing)}），不能揭示")
    if party.revealed:
        raise ValidationError("您已揭示过")
    if protocol.commitment(party.label, value) != party.commitment:
        mismatch.append(party.label)
        raise ValidationError("揭示值与您的承诺不符")
    party.value = value
    party.revealed_at = timezone.now()
    party.save()
    before = locked.status
    pending = locked.parties.filter(revealed_at__isnull=True).exists()
    locked.status = DrawStatus.REVEALING if pending else DrawStatus.READY
    locked.save()
    return party, before


def public_input(label, value):
    label = (label or "").strip()
    value = (value or "").strip()
    if not LABEL_RE.fullmatch(label):
        raise ValidationError("标签只能由小写字母、数字、_ 和 - 组成")
    if not value or "\n" in value or len(value) > 200:
        raise ValidationError("公开随机值不能为空、不能含换行、不超过 200 个字符")
    return label, value


def set_public_value(locked, label, value):
    """公开随机值：全部揭示之后、抽取之前录入，不需承诺。"""
    if locked.status != DrawStatus.READY:
        raise ValidationError("公开随机值须在各方全部揭示之后、抽取之前录入")
    if locked.public_label:
        raise ValidationError("已录入公开随机值")
    if locked.parties.filter(label=label).exists():
        raise ValidationError(f"标签 {label} 已被参与方使用")
    locked.public_label, locked.public_value = label, value
    locked.save()


def entropy_of(obj):
    entries = [p.entropy for p in obj.parties.order_by("order")]
    if obj.public_label:
        entries.append(f"{obj.public_label}={obj.public_value}")
    return entries


def check_ready(obj):
    """执行抽取之前：须各方全部揭示（状态为“待抽取”）。"""
    if obj.status == DrawStatus.COMPLETED:
        raise ValidationError("本次抽取已完成，不能再次抽取")
    if obj.status != DrawStatus.READY:
        missing = missing_parties(obj)
        if missing:
            raise ValidationError(f"承诺尚未收齐（还缺{'、'.join(missing)}）")
        raise ValidationError(f"当前状态为“{obj.get_status_display()}”，须各方全部揭示后才能抽取")


def commitments_of(obj):
    return [{"label": p.label, "commitment": p.commitment} for p in obj.parties.order_by("order")]


# ---------------------------------------------------------------- 仪式的三步（各一个事务、一条事件）


def commit(obj, user, lock, prefix, *, commitment=None, value=None, label=None):
    """提交承诺：给出承诺值（64 位十六进制，在浏览器或命令行算出），或给出秘密值由服务端
    算出承诺值；服务端只保存承诺值，不保存秘密值。"""
    role = party_role(user)
    capability = "draws.witness" if role == PartyRole.WITNESS else "draws.operate"
    commitment = commit_input(commitment, value)

    def work():
        scope.check_write(user, capability, obj.scope_path)
        with transaction.atomic():
            locked = lock(obj)
            party = add_party(locked, user, role, commitment=commitment, value=value, label=label)
            after = {
                "label": party.label,
                "role": role,
                "user": user.username,
                "commitment": party.commitment,
            }
            audit.log(f"{prefix}.committed", locked, after=after)
            return party

    try:
        return retrying(work)
    except IntegrityError as exc:  # 同一用户或同一标签的并发提交：唯一约束兜底
        raise ValidationError("您已提交过承诺，或该标签已被使用") from exc


def reveal(obj, user, value, lock, prefix):
    """揭示：各方的承诺都记录之后，重新输入秘密值，服务端核对与承诺相符后计入熵。"""
    check_reveal_value(value)

    def work():
        if not scope.in_scope(user, obj.scope_path) or not scope.can(user, "draws.view"):
            raise PermissionDenied("目标不在您的辖区内")
        with transaction.atomic():
            locked = lock(obj)
            party, before = reveal_party(locked, user, value, mismatch)
            after = {"label": party.label, "value": value, "status": locked.status}
            audit.log(f"{prefix}.revealed", locked, before={"status": before}, after=after)
            return party

    mismatch = []
    try:
        return retrying(work)
    except ValidationError:
        if mismatch:  # 揭示值与承诺不符：事务已回滚，失败另记一条（不记输入的值）
            after = {"label": mismatch[-1], "reason": "揭示值与承诺不符"}
            audit.log(f"{prefix}.reveal_failed", obj, actor=user, after=after)
        raise


def add_public_value(obj, user, label, value, lock, prefix):
    """公开随机值（如彩票开奖号码）：全部揭示之后、抽取之前由执行方录入，不需承诺。"""
    label, value = public_input(label, value)

    def work():
        scope.check_write(user, "draws.operate", obj.scope_path)
        with transaction.atomic():
            locked = lock(obj)
            set_public_value(locked, label, value)
            audit.log(f"{prefix}.public_value", locked, after={"label": label, "value": value})
            return locked

    return retrying(work)
