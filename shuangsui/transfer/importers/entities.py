"""导入市场主体。

市场主体一次可能有上百万行，所以不为每行建表单或模型实例：用预先算好的查找表逐行校验，
SQLite 上在一个事务里 executemany，PostgreSQL 上 COPY 进临时表再一条 INSERT … SELECT。
大文件在 fork 出的几个子进程里分段校验，与父进程写库并行。
"""

import array
import multiprocessing
import multiprocessing.connection
import operator
import os
import re
import shutil
import sqlite3
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from shuangsui.catalog.models import join_tags, split_tags
from shuangsui.core.choices import UnitLevel
from shuangsui.directory import search, uscc
from shuangsui.lib.children import die_with_parent
from shuangsui.lib.tabular import TabularError

from .. import specs
from ..units import UnitIndex
from .core import (
    ERROR_LIMIT,
    ImportFailed,
    ImportResult,
    RowError,
    add_error,
    check_mode,
    clean_rows,
    failed,
    log_import,
    nfkc,
    open_table,
    parse_date,
    read_header,
    resolve_target,
)

CHUNK = 5000
MAX_CHILDREN = 4  # 并行校验最多几个子进程

_ALPHABET = uscc.ALPHABET
# 校验码的权重是 3 的幂（模 31）：前 17 位倒过来、每个字符换成同值的 34 进制数字，int(…, 34) 就是
# Σ 值 × 34^i，而 34 ≡ 3（模 31），所以它模 31 与加权和同余——C 里的一次换表、一次 int() 代替
# 17 次查表。字符集以外的字节（I、O、S、V、Z、小写、空白、下划线、正负号……）都换成“!”，int() 报错。
_BASE34 = bytearray(b"!" * 256)
for _char, _value in uscc.VALUES.items():
    _BASE34[ord(_char)] = ord("0123456789ABCDEFGHIJKLMNOPQRSTU"[_value])
_BASE34 = bytes(_BASE34)
assert all(pow(3, i, 31) == w for i, w in enumerate(uscc.WEIGHTS))


def uid_valid(code):
    """GB 32100-2015 校验（与 uscc.problem 为空等价的快速判断）。"""
    if len(code) != 18:
        return False
    try:  # 非 ASCII 时 encode 抛 UnicodeEncodeError（ValueError 的子类）
        total = int(code.encode("ascii")[16::-1].translate(_BASE34), 34)
    except ValueError:
        return False
    return _ALPHABET[-total % 31] == code[17]


_INDUSTRY = re.compile(r"^[A-T]\d{0,4}$")
_REGION = re.compile(r"^(\d{6}|\d{9}|\d{12})$")

ENTITY_COLUMNS = (
    "uid",
    "name",
    "entity_type",
    "unit_id",
    "scope_path",
    "region_code",
    "industry_code",
    "address",
    "legal_rep",
    "phone",
    "status",
    "established",
    "credit_class",
    "credit_date",
    "key_tags",
    "annual_report",
    "updated",
)
# 文件中的列 → 更新已有主体时改写的字段
ENTITY_UPDATES = {
    "name": ("name",),
    "entity_type": ("entity_type",),
    "unit": ("unit_id", "scope_path"),
    "region_code": ("region_code",),
    "industry_code": ("industry_code",),
    "address": ("address",),
    "legal_rep": ("legal_rep",),
    "phone": ("phone",),
    "status": ("status",),
    "established": ("established",),
    "credit_class": ("credit_class",),
    "credit_date": ("credit_date",),
    "key_tags": ("key_tags",),
    "annual_report": ("annual_report",),
}


@dataclass
class EntityPlan:
    """校验市场主体所需的一切（都是普通 Python 对象，可在 fork 出的子进程里用）。"""

    positions: dict
    labels: dict
    width: int
    pads: bool
    units: UnitIndex
    default_unit: object
    updated: object  # 数据库格式的当前时间；None：由数据库按列默认值填（见 _PostgresEntityWriter）
    mode: str = "insert"
    errors: list = field(default_factory=list)
    counter: list = field(default_factory=lambda: [0, 0])
    # 分段并行校验时各段不查重（由父进程跨段查）；代码合法而本行另有错误的 (行号, 代码) 记在 loose
    dedupe: bool = True
    loose: list = field(default_factory=list)
    # 暂存格式（fmt="stage"）：各代码组的值，编号即下标（见 STAGE_GROUP）
    groups: list = field(default_factory=list)


class Bad(str):
    """查找表里记下的错误原因（与正常值区分）。"""

    __slots__ = ()


_MISS = object()
MEMO_LIMIT = 200_000  # 每列最多记住这么多个不同的值


def _entity_rules(plan):
    """各代码列的“原文 → 规范值或 Bad(原因)”计算函数。同一个原文只算一次（记在查找表里）。"""
    units = plan.units
    default = plan.default_unit

    def code_table(table, blank, hint):
        def compute(text):
            text = nfkc(text)
            if not text:
                return blank
            value = table.get(text)
            if value is None:
                value = table.get(specs.norm_key(text))
            return Bad(hint) if value is None else value

        return compute

    def unit(text):
        text = nfkc(text)
        if not text:
            if default is None:
                # 更新模式：已有主体不改单位；新增的主体由写库时检查（那时才知道库中有没有）
                return (None, "") if plan.mode == "upsert" else Bad("所属单位不能为空")
            return (default.id, default.path)
        found, reason = units.resolve(text, what="所属单位")
        if found is None:
            return Bad(reason)
        if found.is_department:
            return Bad("所属单位不能是部门/股室，请填写县（区）局或市场监管所")
        return (found.id, found.path)

    def region(text):
        text = nfkc(text).replace(" ", "")
        if text and not _REGION.match(text):
            return Bad("行政区划代码应为 6、9 或 12 位数字")
        return text

    def industry(text):
        text = nfkc(text).replace(" ", "").upper()
        if text and not _INDUSTRY.match(text):
            return Bad(
                "行业代码应以国民经济行业分类（GB/T 4754）门类字母 A–T 开头，"
                "后接至多 4 位数字，如 F5211"
            )
        return text

    def date(text):
        text = nfkc(text)
        if not text:
            return None
        try:
            return parse_date(text)
        except ValueError as exc:
            return Bad(str(exc))

    def tags(text):
        text = nfkc(text)
        if not text:
            return ""
        joined = join_tags(split_tags(text))
        return Bad("重点领域过长（最多 255 字）") if len(joined) > 255 else joined

    return {
        "entity_type": code_table(
            specs.ENTITY_TYPES,
            None,
            "未知的主体类型（可填：企业、个体工商户、农民专业合作社、外国企业常驻代表机构）",
        ),
        "unit": unit,
        "region_code": region,
        "industry_code": industry,
        "status": code_table(
            specs.ENTITY_STATUSES, "active", "未知的登记状态（可填：存续、注销、吊销、迁出）"
        ),
        "established": date,
        "credit_class": code_table(
            specs.CREDIT_CLASSES,
            "U",
            "未知的信用风险分类（可填：A、B、C、D 或“A类”等写法，空白为未分类）",
        ),
        "credit_date": date,
        "key_tags": tags,
        "annual_report": code_table(
            specs.ANNUAL_REPORTS, "", "未知的年报状态（可填：已报送、未报送、无需报送）"
        ),
    }


# 按整组原文记住结果的代码列（顺序即输出元组中的顺序；单位展开为 unit_id、scope_path）
_GROUP_COLUMNS = (
    "entity_type",
    "unit",
    "region_code",
    "industry_code",
    "status",
    "credit_class",
    "credit_date",
    "key_tags",
    "annual_report",
)


def validate_entities(rows, plan, fmt=None):
    """校验逐行数据，按块给出 (行号列表, 载荷, 截至目前的错误数)。错误记入 plan.errors。

    `fmt` 为 None 时载荷是行元组列表；为 "stage" 时是暂存行元组（列序见 STAGE_ROW：逐行的列、
    只在代码组没给主体类型时才有的主体类型、代码组编号；各组的值记在 plan.groups，列序见
    STAGE_GROUP）；为 "copy" / "copy_numbered" 时是 CopyChunk：PostgreSQL
    COPY 文本（列序见 COPY_COLUMNS，copy_numbered 每行前加行号）与这些行的代码。COPY 文本直接由
    查找表里缓存的文本片段拼成（代码列整组一段），不先做行元组。

    行元组的列序见 ENTITY_COLUMNS。代码列（类型、单位、日期……）的取值重复度很高，
    每个不同的原文只解析一次，其余行查表即可；除成立日期外的代码列还按整组原文记住结果
    （一次取值、一次查表），组合没见过时才逐列查。
    """
    errors, counter, labels = plan.errors, plan.counter, plan.labels
    blank = plan.width  # clean_rows 在每行末尾补的空串的下标：文件里没有的列都指向它
    pos = {key: plan.positions.get(key, blank) for key in ENTITY_UPDATES.keys() | {"uid"}}
    rules = _entity_rules(plan)
    group = [(key, {}, rules[key]) for key in _GROUP_COLUMNS]
    take_group = operator.itemgetter(*[pos[key] for key in _GROUP_COLUMNS])
    group_memo = {}
    i_est, est_memo, est_rule = pos["established"], {}, rules["established"]
    i_uid, i_name = pos["uid"], pos["name"]
    name_pending = plan.mode == "upsert" and "name" not in plan.positions
    i_address, i_legal, i_phone = pos["address"], pos["legal_rep"], pos["phone"]
    by_prefix = specs.TYPE_BY_PREFIX
    updated = plan.updated
    dedupe, loose = plan.dedupe, plan.loose
    seen = {}
    setdefault = seen.setdefault
    miss = _MISS
    numbers, out, uids = [], [], []
    append_number, append_row, append_uid = numbers.append, out.append, uids.append
    copy = fmt in ("copy", "copy_numbered")
    staged = fmt == "stage"
    groups = plan.groups
    numbered = fmt == "copy_numbered"
    special = _COPY_SPECIAL.search
    NULL = "\\N"  # noqa: N806

    def bad(n, key, value, reason):
        add_error(errors, counter, RowError(n, labels.get(key, ""), value, reason))

    for n, c in clean_rows(rows, plan.width, plan.pads, errors, counter):
        ok = True
        uid = c[i_uid]
        if not uid.isascii():
            uid = nfkc(uid)
        uid = uid.replace(" ", "").upper()
        if not uid_valid(uid):
            bad(n, "uid", c[i_uid], uscc.problem(uid) or "统一社会信用代码不合法")
            ok = uid = False
        elif dedupe:
            first = setdefault(uid, n)
            if first != n:
                bad(n, "uid", uid, f"与第{first}行的统一社会信用代码重复")
                ok = False
        name = c[i_name]
        if not name and name_pending:
            name = None  # 更新模式、文件没有名称列：已有主体不改名称，新增的写库时报错
        elif not name or len(name) > 200:
            bad(
                n,
                "name",
                name[:50],
                f"名称过长（{len(name)} 字，最多 200 字）" if name else "名称不能为空",
            )
            ok = False
        address, legal, phone = c[i_address], c[i_legal], c[i_phone]
        if not phone.isascii():
            phone = nfkc(phone)
        if len(address) > 255 or len(legal) > 100 or len(phone) > 50:
            for key, value, limit in (
                ("address", address, 255),
                ("legal_rep", legal, 100),
                ("phone", phone, 50),
            ):
                if len(value) > limit:
                    bad(
                        n,
                        key,
                        value[:50],
                        f"{specs.ENTITY.column(key).header}过长（最多 {limit} 字）",
                    )
            ok = False
        texts = take_group(c)
        values = group_memo.get(texts)
        if values is None:
            values = []
            good = True
            for (key, memo, compute), text in zip(group, texts, strict=True):
                value = memo.get(text, miss)
                if value is miss:
                    if len(memo) >= MEMO_LIMIT:
                        memo.clear()
                    value = memo[text] = compute(text)
                if value.__class__ is Bad:
                    bad(n, key, text, value)
                    good = False
                values.append(value)
            if good:
                entity_type, (unit_id, scope_path), *rest = values
                values = (entity_type, unit_id, scope_path, *rest)
                if copy:  # (主体类型, 其余代码列连同更新时间的 COPY 文本)
                    tail = values[1:] if updated is None else (*values[1:], updated)
                    values = (entity_type, _copy_piece(tail))
                elif staged:  # (主体类型, 代码组编号)
                    groups.append((*values, updated))
                    values = (entity_type, len(groups) - 1)
                if len(group_memo) >= MEMO_LIMIT:
                    group_memo.clear()
                group_memo[texts] = values
            else:
                ok = False
        text = c[i_est]
        established = est_memo.get(text, miss)
        if established is miss:
            if len(est_memo) >= MEMO_LIMIT:
                est_memo.clear()
            established = est_memo[text] = est_rule(text)
        if established.__class__ is Bad:
            bad(n, "established", text, established)
            ok = False
        if not ok:
            if uid and not dedupe:
                loose.append((n, uid))
            continue
        if copy:
            entity_type, piece = values
            if special(f"{name}{address}{legal}{phone}"):
                name, address, legal, phone = (
                    v if v is None else _copy_escape(v) for v in (name, address, legal, phone)
                )
            if name is None:
                name = NULL
            if established is None:
                established = NULL
            line = (
                f"{uid}\t{name}\t{address}\t{legal}\t{phone}\t{established}\t"
                f"{entity_type or by_prefix.get(uid[:2], 'enterprise')}\t{piece}"
            )
            append_number(n)
            append_uid(uid)
            append_row(f"{n}\t{line}" if numbered else line)
            if len(out) >= CHUNK:
                yield numbers, CopyChunk("".join(out).encode(), uids), counter[1]
                numbers, out, uids = [], [], []
                append_number, append_row, append_uid = numbers.append, out.append, uids.append
            continue
        if staged:
            entity_type, group_id = values
            append_number(n)
            append_row(
                (
                    uid,
                    name,
                    address,
                    legal,
                    phone,
                    established,
                    None if entity_type else by_prefix.get(uid[:2], "enterprise"),
                    group_id,
                )
            )
            if len(out) >= CHUNK:
                yield numbers, out, counter[1]
                numbers, out = [], []
                append_number, append_row = numbers.append, out.append
            continue
        (
            entity_type,
            unit_id,
            scope_path,
            region,
            industry,
            status,
            credit,
            credit_date,
            tags,
            annual,
        ) = values
        append_number(n)
        append_row(
            (
                uid,
                name,
                entity_type or by_prefix.get(uid[:2], "enterprise"),
                unit_id,
                scope_path,
                region,
                industry,
                address,
                legal,
                phone,
                status,
                established,
                credit,
                credit_date,
                tags,
                annual,
                updated,
            )
        )
        if len(out) >= CHUNK:
            yield numbers, out, counter[1]
            numbers, out = [], []
            append_number, append_row = numbers.append, out.append
    if out or not counter[0]:
        yield numbers, CopyChunk("".join(out).encode(), uids) if copy else out, counter[1]


_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
_COPY_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _copy_escape(text):
    return _COPY_SPECIAL.sub(lambda m: _COPY_ESCAPES[m.group()], text)


_AT = {column: i for i, column in enumerate(ENTITY_COLUMNS)}
# COPY 文本的列序：逐行不同的列在前，整组缓存的代码列（连同更新时间）在后
_PER_ROW = ("uid", "name", "address", "legal_rep", "phone", "established")
COPY_COLUMNS = _PER_ROW + tuple(c for c in ENTITY_COLUMNS if c not in _PER_ROW)
# SQLite 暂存文件（见 _Stage）：表 t 每行只存逐行不同的列与代码组编号，表 g 存各代码组
# （同一组的几十万行共用一行），写库时联起来——子进程每行绑定 8 个参数而不是 17 个
STAGE_ROW = (*_PER_ROW, "entity_type", "group_id")
STAGE_GROUP = tuple(c for c in ENTITY_COLUMNS if c not in _PER_ROW)
STAGE_SELECT = ", ".join(
    "COALESCE(t.entity_type, g.entity_type)"
    if c == "entity_type"
    else (f"t.{c}" if c in _PER_ROW else f"g.{c}")
    for c in ENTITY_COLUMNS
)
# validate_entities 记下的代码组的值：代码列（单位展开为 unit_id、scope_path）与更新时间
assert STAGE_GROUP == ("entity_type", "unit_id", "scope_path", *_GROUP_COLUMNS[2:], "updated")
assert COPY_COLUMNS[6:9] == (
    "entity_type",
    "unit_id",
    "scope_path",
)  # 与 validate_entities 的拼法一致


class CopyChunk(NamedTuple):
    """一块 COPY 文本（bytes）及其各行的统一社会信用代码（供父进程跨段查重）。"""

    data: bytes
    uids: list


def _copy_piece(values):
    """几列的值 → COPY 文本的一段（制表符分隔、空值 \\N、行尾换行）。"""
    return "\t".join("\\N" if v is None else _copy_escape(str(v)) for v in values) + "\n"


def _child_validate(send, rows, plan, fmt, parent_pid, inherited, stage=None):
    """子进程：校验一段行并把结果分块送回父进程（不碰数据库）。

    fmt 为 None 时送行元组；为 "copy" / "copy_numbered" 时送 COPY 文本（另附代码列表，供父进程查重）。
    `stage` 为 (文件路径前缀, 每个文件的行数) 时（SQLite）：校验过的行写进临时 SQLite 文件的普通表
    （见 _Stage），只送回行数；每写完一个文件送回其路径，由父进程整个文件 INSERT … SELECT。
    父进程死了（哪怕是 kill -9）子进程也跟着结束；`inherited` 是从父进程继承来的管道读端，
    先关掉，父进程一死，往管道里写就会出错而不是永远阻塞。
    """
    die_with_parent(parent_pid)
    for receive in inherited:
        receive.close()
    try:
        loose = plan.loose
        staged = None
        if stage is not None:
            staged = _Stage(
                *stage, lambda path: send.send(("file", path, plan.counter[1])), plan.groups
            )
        for numbers, payload, n_errors in validate_entities(rows, plan, fmt):
            if staged is not None:
                staged.write(numbers, payload)
                numbers, payload = len(numbers), None
            send.send(("chunk", numbers, payload, loose[:], n_errors))
            loose.clear()
        if staged is not None:
            staged.close()
        send.send(("done", plan.errors, plan.counter, loose))
    except TabularError as exc:
        send.send(("tabular", exc.message, exc.row, plan.errors, plan.counter))
    except BaseException:  # noqa: BLE001 - 把任何意外都带回父进程
        send.send(("crash", traceback.format_exc()))
    finally:
        send.close()


class _Duplicates:
    """父进程跨段查重：各段的代码（含本行另有错误的）都过一遍；重复时报在靠后的那一行。

    没有重复时只把代码放进一个集合（每个代码一次哈希插入）；集合没有长到应有的大小（有重复）时，
    才按记下的各块（行号, 代码）建起“代码 → 首次出现的行号”，此后逐行查。
    """

    def __init__(self, plan):
        self.label = plan.labels.get("uid", "")
        self.codes = set()
        self.blocks = []
        self.seen = None  # 代码 → 首次出现的行号（有重复之后才建）
        self.errors = []
        self.count = 0

    def check(self, numbers, uids, loose=()):
        if self.seen is None:
            codes = self.codes
            size = len(codes)
            codes.update(uids)
            self.blocks.append((numbers, uids))
            if not loose and len(codes) == size + len(uids):
                return
            self.seen = {}
            blocks, self.blocks, self.codes = self.blocks, None, None
            for block_numbers, block_uids in blocks[:-1]:  # 此前各块互不重复
                self.seen.update(zip(block_uids, block_numbers, strict=True))
        seen = self.seen
        pairs = [*zip(numbers, uids, strict=True), *loose]
        for n, uid in pairs:
            first = seen.setdefault(uid, n)
            if first != n:
                if first > n:  # 后一段的行先到了
                    seen[uid] = n
                    n, first = first, n
                self.count += 1
                if len(self.errors) < ERROR_LIMIT:
                    self.errors.append(
                        RowError(n, self.label, uid, f"与第{first}行的统一社会信用代码重复")
                    )


def _validate_in_children(parts, plan, fmt=None, stages=None):
    """在 fork 出的几个子进程里分段校验（与父进程写库并行）；给出 (行号列表, 载荷, 截至目前的错误数)。

    `parts` 为各段的行（每段一个子进程）。段内查重在子进程，跨段查重在父进程。结束时把各段的
    错误与计数合并进 plan。

    `stages`（SQLite）为各段的 (临时文件路径前缀, 每个文件的行数)：子进程把行写进文件，这里给出的
    “行号列表”是行数、载荷为 None；每写完一个文件另给一次 (0, 文件路径, 错误数)。这时跨段
    不在这里查重（由数据库的唯一索引把关，出错时 staged_duplicates 从文件里查出行号）；各段
    另有错误的行的代码记在 plan.loose。
    """
    context = multiprocessing.get_context("fork")
    children = []
    several = len(parts) > 1
    plan.dedupe = not several
    try:
        for rows in parts:
            receive, send = context.Pipe(duplex=False)
            inherited = [r for r, _ in children] + [receive]
            stage = None if stages is None else stages[len(children)]
            process = context.Process(
                target=_child_validate,
                args=(send, rows, plan, fmt, os.getpid(), inherited, stage),
                daemon=True,
            )
            process.start()
            send.close()
            children.append((receive, process))
    finally:
        plan.dedupe = True
    duplicates = _Duplicates(plan) if several and stages is None else None
    loose_parts = []
    n_errors = dict.fromkeys(range(len(children)), 0)
    results = {}
    waiting = {receive: i for i, (receive, _) in enumerate(children)}
    try:
        while waiting:
            for receive in multiprocessing.connection.wait(list(waiting)):
                i = waiting[receive]
                try:
                    message = receive.recv()
                except EOFError:
                    raise RuntimeError("校验子进程意外退出") from None
                kind = message[0]
                if kind == "chunk":
                    _, numbers, payload, loose, n_errors[i] = message
                    if stages is not None:
                        loose_parts += loose
                    elif duplicates is not None:
                        if fmt is None:
                            uids = [row[0] for row in payload]
                        else:
                            uids = payload.uids
                        duplicates.check(numbers, uids, loose)
                    total = sum(n_errors.values()) + (duplicates.count if duplicates else 0)
                    yield numbers, payload, total
                elif kind == "done":
                    results[i] = message[1:]
                    if duplicates is not None and message[3]:
                        duplicates.check((), (), message[3])
                    del waiting[receive]
                    if stages is not None:
                        loose_parts += message[3]
                elif kind == "file":
                    n_errors[i] = message[2]
                    yield 0, message[1], sum(n_errors.values())
                elif kind == "tabular":
                    results[i] = message[3:] + ([],)
                    del waiting[receive]
                    _merge_results(plan, results, duplicates)
                    raise TabularError(message[1], row=message[2])
                else:
                    raise RuntimeError(f"校验子进程出错：\n{message[1]}")
        _merge_results(plan, results, duplicates)
        plan.loose[:] = loose_parts
    finally:
        for receive, _ in children:
            receive.close()
        for _, process in children:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()


class _Stage:
    """校验子进程写的临时 SQLite 文件（不记日志、不落盘同步）：表 t 为 STAGE_ROW 各列，表 g 为
    各代码组（id 即 t.group_id，其余为 STAGE_GROUP 各列；文件写完时写入到此为止的全部组），
    表 numbers 按块记下各行的行号（array 的字节，出错时才读回）。

    每写满 `rotate` 行换一个新文件、把写完的文件路径交给 `done`：父进程可以一边写库一边等后面的行。
    """

    def __init__(self, base, rotate, done, groups):
        self.base, self.rotate, self.done, self.groups = base, max(1, rotate), done, groups
        self.files = 0
        self.db = None
        marks = ", ".join(["?"] * len(STAGE_ROW))
        self.sql = f"INSERT INTO t VALUES ({marks})"

    def _open(self):
        self.path = f"{self.base}.{self.files}"
        self.files += 1
        self.count = 0
        db = self.db = sqlite3.connect(self.path, isolation_level=None)
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        db.execute(f"CREATE TABLE t ({', '.join(STAGE_ROW)})")
        db.execute(f"CREATE TABLE g (id INTEGER PRIMARY KEY, {', '.join(STAGE_GROUP)})")
        db.execute("CREATE TABLE numbers (data BLOB)")
        db.execute("BEGIN")

    def write(self, numbers, rows):
        if self.db is None:
            self._open()
        self.db.executemany(self.sql, rows)
        self.db.execute("INSERT INTO numbers VALUES (?)", [array.array("q", numbers).tobytes()])
        self.count += len(rows)
        if self.count >= self.rotate:
            self.close()

    def close(self):
        if self.db is not None:
            marks = ", ".join(["?"] * (len(STAGE_GROUP) + 1))
            self.db.executemany(
                f"INSERT INTO g VALUES ({marks})",
                ((i, *group) for i, group in enumerate(self.groups)),
            )
            self.db.execute("COMMIT")
            self.db.close()
            self.db = None
            self.done(self.path)


STAGE_PREFIX = "shuangsui-import-"


def _stage_home():
    """临时目录放在库文件旁边（同一块盘）；内存库时放系统临时目录。"""
    if connection.is_in_memory_db():
        return tempfile.gettempdir()
    return os.path.dirname(os.path.abspath(str(connection.settings_dict["NAME"])))


def _stage_dir(base):
    """新建本次导入的临时目录（名字里带进程号）；顺手删掉进程已不在的导入留下的（如被 kill -9）。"""
    for name in os.listdir(base):
        pid = name[len(STAGE_PREFIX) :].split("-", 1)[0] if name.startswith(STAGE_PREFIX) else ""
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(os.path.join(base, name), ignore_errors=True)
    return tempfile.mkdtemp(prefix=f"{STAGE_PREFIX}{os.getpid()}-", dir=base)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def staged_duplicates(plan, directory):
    """分段写临时文件时跨段的重复代码：从各个临时文件读出 (行号, 代码)，连同另有错误的行一起查。

    只在出错时调用（有校验错误，或写库时唯一索引报重复）；错误并入 plan.errors。"""
    duplicates = _Duplicates(plan)
    for name in sorted(os.listdir(directory)):
        db = sqlite3.connect(f"file:{os.path.join(directory, name)}?mode=ro", uri=True)
        try:
            numbers = array.array("q")
            for (data,) in db.execute("SELECT data FROM numbers ORDER BY rowid"):
                numbers.frombytes(data)
            uids = [uid for (uid,) in db.execute("SELECT uid FROM t ORDER BY rowid")]
        except sqlite3.Error:
            continue  # 没写完的文件（子进程出错时才会有；那时不报行）
        finally:
            db.close()
        duplicates.check(numbers.tolist(), uids)
    duplicates.check((), (), plan.loose)
    room = ERROR_LIMIT - len(plan.errors)
    plan.errors += duplicates.errors[: max(0, room)]
    plan.counter[1] += duplicates.count
    return duplicates.count


def _merge_results(plan, results, duplicates):
    errors, rows, count = [], 0, 0
    for i in sorted(results):
        child_errors, counter, _ = results[i]
        errors += child_errors
        rows += counter[0]
        count += counter[1]
    if duplicates is not None:
        errors += duplicates.errors
        count += duplicates.count
    plan.errors[:] = errors[:ERROR_LIMIT]
    plan.counter[:] = [rows, count]


def _validate_here(rows, plan, fmt=None):
    """在本进程校验；接口同 _validate_in_children。"""
    yield from validate_entities(rows, plan, fmt)


def _no_progress(done, total, stage=""):
    return None


def _use_child(parallel, size):
    if parallel is not None:
        return parallel and "fork" in multiprocessing.get_all_start_methods()
    if not getattr(settings, "IMPORT_PARALLEL", True):
        return False
    return (
        size >= 8 * 1024 * 1024
        and (os.cpu_count() or 1) >= 2
        and "fork" in multiprocessing.get_all_start_methods()
    )


NEW_WITHOUT = "名录库中没有该统一社会信用代码，新增的市场主体须填写"


class _EntityWriter:
    """把校验过的行写入 directory_entity；同时查出与库中已有代码的冲突（带行号）。"""

    # 不少于这么多行时，名称检索索引与筛选索引（search.deferred_indexes()）在提交后补建
    DEFER_MIN = 100_000

    fills_updated = False  # 更新时间由数据库按列默认值填（validate_entities 不再逐行给出）

    def __init__(self, mode, present, target, estimated, labels, now):
        self.mode = mode
        self.now = now  # 本次导入写入的更新时间
        self.target = target
        self.estimated = estimated
        self.label = labels["uid"]
        self.unit_label = labels.get("unit", "所属单位")
        self.name_label = labels.get("name", "名称")
        self.errors = []
        self.error_count = 0
        self.created = 0
        self.updated = 0
        self.copy_cm = None
        self.update_fields = ["updated"]
        for key in ENTITY_UPDATES:
            if key in present:
                self.update_fields[:0] = ENTITY_UPDATES[key]
        # 更新模式下文件带信用风险分类（或分类日期）：改了分类的主体记入分类历史
        self.has_class = "credit_class" in present
        self.has_date = "credit_date" in present
        self.credit = mode == "upsert" and (self.has_class or self.has_date)
        self.note = ""  # 写入分类历史的“依据”（文件名）
        self.history = 0
        # 大批量时名称检索索引与筛选索引在提交后由后台任务补建（提交前记下待办，见 directory.search）
        self.defer_index = estimated >= self.DEFER_MIN and getattr(
            settings, "IMPORT_DEFER_SEARCH_INDEX", True
        )
        self.deferred = False  # 这次导入确实留下了待建的检索索引

    # 分类日期早于主体现有分类日期（或没有日期而主体有）的行不改主体的分类：较新的分类为准
    OLDER = (
        "directory_entity.credit_date IS NOT NULL AND "
        "({new}.credit_date IS NULL OR {new}.credit_date < directory_entity.credit_date)"
    )

    def update_sets(self):
        """ON CONFLICT DO UPDATE 的 SET 子句（两种数据库写法相同）。"""
        older = self.OLDER.format(new="excluded")
        sets = []
        for f in self.update_fields:
            if self.has_date and f in ("credit_class", "credit_date"):
                sets.append(
                    f"{f} = CASE WHEN {older} THEN directory_entity.{f} ELSE excluded.{f} END"
                )
            else:
                sets.append(f"{f} = excluded.{f}")
        return ", ".join(sets)

    HISTORY_COLUMNS = (
        "entity_id, credit_class, credit_date, previous_class, previous_date, source, "
        "superseded, reason, cause, user_id, recorded_at"
    )

    def history_params(self):
        user = self.target.user
        return "省级分类导入", self.note[:255], user.pk if user is not None else None

    def conflict(self, number, uid, existing_scope):
        """库中已有该代码：新增模式报错；更新模式下辖区外报错，辖区内计为更新。"""
        if self.mode == "insert":
            reason = "名录库中已有该统一社会信用代码（要更新已有主体，请选择“新增并更新已有”）"
        elif not existing_scope.startswith(self.target.scope_path):
            reason = "该统一社会信用代码的市场主体属于其他辖区，不能更新"
        else:
            self.updated += 1
            return
        self.error(RowError(number, self.label, uid, reason))

    def error(self, error):
        self.error_count += 1
        if len(self.errors) < ERROR_LIMIT:
            self.errors.append(error)

    def missing(self, number, name_missing, unit_missing):
        """更新模式下缺名称或所属单位、而库中又没有该代码（即要新增）的行。"""
        what = [w for w, m in (("名称", name_missing), ("所属单位", unit_missing)) if m]
        column = self.name_label if name_missing else self.unit_label
        self.error(RowError(number, column, "", NEW_WITHOUT + "、".join(what)))


class _SqliteEntityWriter(_EntityWriter):
    """SQLite：一个事务里 executemany；FTS 插入触发器先拿掉、最后整批补索引（快几十倍）。
    大批量时 FTS 与只为名录筛选的索引（search.deferred_indexes()）留到提交后补建（见 directory.search）。"""

    PRELOAD = 200_000
    REBUILD_MIN = 100_000
    format = None  # 校验结果直接用行元组

    def begin(self):
        self.cursor = connection.cursor()
        cur = self.cursor
        cur.execute("PRAGMA cache_size")
        self.cache_size = cur.fetchone()[0]
        # 页缓存按行数放大（每行约 1 KB，64 MB 到 1 GB）：百万行的索引都在内存里维护，不中途溢出
        kib = max(65536, min(1048576, self.estimated))
        cur.execute(f"PRAGMA cache_size = -{kib}")
        cur.execute("PRAGMA wal_autocheckpoint")
        self.autocheckpoint = cur.fetchone()[0]
        if self.defer_index:
            # 提交只把这批页写进 WAL，不接着把 WAL 抄回库文件：抄回（检查点）由补建检索索引的
            # 后台任务做（directory.search.build_pending），提交照样持久（WAL 已写入）
            cur.execute("PRAGMA wal_autocheckpoint = 0")
        cur.execute("SELECT COUNT(*) FROM directory_entity")
        count = self.count = cur.fetchone()[0]
        self.attached = []
        self.conflicted = False
        self.existing = {}
        self.query_existing = False
        if count and count <= max(self.PRELOAD, 2 * self.estimated):
            cur.execute("SELECT uid, scope_path FROM directory_entity")
            self.existing = dict(cur.fetchall())
        elif count:
            self.query_existing = True
        # 大批量（≥10 万行且不少于表中已有行数）时先去掉二级索引、写完再建（排序建索引比逐行维护快）；
        # 代码的唯一索引（SQLite 自动建的，删不掉）留着。都在同一事务里，失败即回滚、索引原样恢复。
        self.rebuild = []
        if self.estimated >= self.REBUILD_MIN and self.estimated >= count:
            cur.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                "AND tbl_name = 'directory_entity' AND sql IS NOT NULL ORDER BY name"
            )
            self.rebuild = cur.fetchall()
            for name, _ in self.rebuild:
                cur.execute(f'DROP INDEX "{name}"')
        cur.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'directory_entity_fts_ai'"
        )
        row = cur.fetchone()
        self.fts_trigger = row[0] if row else None
        if self.fts_trigger:
            cur.execute("SELECT COALESCE(MAX(id), 0) FROM directory_entity")
            self.max_id = cur.fetchone()[0]
            cur.execute("DROP TRIGGER directory_entity_fts_ai")
        columns = ", ".join(ENTITY_COLUMNS)
        marks = ", ".join(["?"] * len(ENTITY_COLUMNS))
        self.sql = f"INSERT INTO directory_entity ({columns}) VALUES ({marks})"
        # 批量写用 sqlite3 自己的游标（同一连接、同一事务），省去 Django 包装层逐行的开销
        self.raw = connection.connection.cursor()
        if self.mode == "upsert":
            self.sql += f" ON CONFLICT(uid) DO UPDATE SET {self.update_sets()}"

    def can_stage(self, outermost):
        """新增进空表的大批量：校验子进程把行写进临时 SQLite 文件，这里整段 INSERT … SELECT。

        不可能与库中冲突，也不记分类历史，所以父进程不必逐行过目。ATTACH 的文件要到事务结束后
        才能 DETACH，所以只在最外层事务里这样做。"""
        return self.mode == "insert" and self.count == 0 and bool(self.rebuild) and outermost

    def write_part(self, path):
        """把一段临时文件里的行整段写入（一条 INSERT … SELECT，不经 Python 逐行）。"""
        alias = f"import_part{len(self.attached)}"
        self.raw.execute(f"ATTACH DATABASE ? AS {alias}", [path])
        self.attached.append(alias)
        columns = ", ".join(ENTITY_COLUMNS)
        try:
            self.raw.execute(
                f"INSERT INTO directory_entity ({columns}) "
                f"SELECT {STAGE_SELECT} FROM {alias}.t AS t "
                f"JOIN {alias}.g AS g ON g.id = t.group_id ORDER BY t.rowid"
            )
        except sqlite3.IntegrityError:
            self.conflicted = True  # 跨段重复的代码：出错时由 staged_duplicates 查出行号
        else:
            self.created += self.raw.rowcount

    def _lookup(self, uids):
        if self.query_existing:
            found = {}
            for i in range(0, len(uids), 900):
                part = uids[i : i + 900]
                marks = ", ".join(["%s"] * len(part))
                self.cursor.execute(
                    f"SELECT uid, scope_path FROM directory_entity WHERE uid IN ({marks})", part
                )
                found.update(self.cursor.fetchall())
            return found
        return self.existing

    def write(self, numbers, rows, clean):
        existing = {}
        if self.existing or self.query_existing:
            existing = self._lookup([r[0] for r in rows])
            for number, row in zip(numbers, rows, strict=True):
                scope_path = existing.get(row[0])
                if scope_path is not None:
                    self.conflict(number, row[0], scope_path)
        if self.mode == "upsert":
            for i, (number, row) in enumerate(zip(numbers, rows, strict=True)):
                if row[3] is None or row[1] is None:
                    if row[0] in existing:
                        # 只为通过 NOT NULL；冲突后走更新，这两列不在更新之列
                        rows[i] = (row[0], row[1] or "", row[2], row[3] or 0, *row[4:])
                    else:
                        self.missing(number, row[1] is None, row[3] is None)
        if clean and not self.error_count:
            if self.credit:
                self._record_history(rows)
            self.raw.executemany(self.sql, rows)
        self.created += len(rows)

    def _record_history(self, rows):
        """本块中改了分类（或分类日期）的已有主体，在写入之前按库中现值记入分类历史。"""
        current = {}
        uids = [r[0] for r in rows]
        for i in range(0, len(uids), 900):
            part = uids[i : i + 900]
            marks = ", ".join(["%s"] * len(part))
            self.cursor.execute(
                "SELECT uid, id, credit_class, credit_date FROM directory_entity "
                f"WHERE uid IN ({marks})",
                part,
            )
            current.update((uid, rest) for uid, *rest in self.cursor.fetchall())
        reason, cause, user_id = self.history_params()
        i_class, i_date, i_updated = _AT["credit_class"], _AT["credit_date"], _AT["updated"]
        entries = []
        for row in rows:
            found = current.get(row[0])
            if found is None:
                continue  # 新增的主体：分类就在主体上，不另记
            entity_id, old_class, old_date = found
            old_date = None if old_date is None else str(old_date)  # 行里的日期是 ISO 文本
            new_class = row[i_class] if self.has_class else old_class
            new_date = row[i_date] if self.has_date else old_date
            if (new_class, new_date) == (old_class, old_date):
                continue
            older = (
                self.has_date and old_date is not None and (new_date is None or new_date < old_date)
            )
            entries.append(
                (
                    entity_id,
                    new_class,
                    new_date,
                    old_class,
                    old_date,
                    "import",
                    older,
                    reason,
                    cause,
                    user_id,
                    row[i_updated],
                )
            )
        if entries:
            marks = ", ".join(["?"] * len(entries[0]))
            self.raw.executemany(
                f"INSERT INTO directory_credithistory ({self.HISTORY_COLUMNS}) VALUES ({marks})",
                entries,
            )
            self.history += len(entries)

    def finish(self):
        cur = self.cursor
        deferred = []
        for name, definition in self.rebuild:
            if self.defer_index and search.deferrable(name, definition):
                deferred.append(definition)  # 只为名录筛选的索引：提交后补建
            else:
                cur.execute(definition)
        if deferred:
            search.defer(cur, definitions=deferred)
            self.deferred = True
        if self.fts_trigger:
            if self.defer_index:
                cur.execute("SELECT COALESCE(MAX(id), 0) FROM directory_entity")
                search.defer(cur, lo=self.max_id + 1, hi=cur.fetchone()[0])
                self.deferred = True
            else:
                cur.execute(
                    "INSERT INTO directory_entity_fts(rowid, name) "
                    "SELECT id, name || char(31) FROM directory_entity WHERE id > %s",
                    [self.max_id],
                )
            cur.execute(self.fts_trigger)
        self.created -= self.updated

    def close(self):
        try:
            self.cursor.execute(f"PRAGMA cache_size = {int(self.cache_size)}")
            self.cursor.execute(
                f"PRAGMA wal_autocheckpoint = {int(getattr(self, 'autocheckpoint', 1000))}"
            )
        finally:
            if getattr(self, "raw", None) is not None:
                for alias in self.attached:  # 事务已结束（can_stage 只在最外层事务里用）
                    try:
                        self.raw.execute(f"DETACH DATABASE {alias}")
                    except sqlite3.Error:  # pragma: no cover - 连接已坏，随连接关闭而释放
                        pass
                self.raw.close()
            self.cursor.close()


class _PostgresEntityWriter(_EntityWriter):
    """PostgreSQL：COPY 与校验并行（服务器在另一个进程里写）。

    - 新增模式且表为空：直接 COPY 进 directory_entity（不可能与库中冲突）。
    - 其他情况：COPY 进临时表，按行号查出与库中已有代码的冲突，再 INSERT … SELECT
      （更新模式 ON CONFLICT (uid) DO UPDATE）。
    - 大批量（≥10 万行且不少于表中已有行数）时，按 PostgreSQL 批量装载的常规做法，先去掉
      二级索引和外键约束，写完再重建（排序建索引、一次性校验外键，比逐行维护快得多）。
      这期间表被独占锁住；全部在同一事务里，失败即回滚，索引和约束原样恢复。
    - 大批量时名称检索的 GIN 索引与只为名录筛选的索引（search.deferred_indexes()）不在事务里重建，
      记为待办、提交后由后台任务补建（见 directory.search）；唯一约束、外键与名录索引提交时都已建好。
    - 大批量直接 COPY 时，更新时间不逐行发送：临时设为列默认值（同一个时间），服务器不必逐行
      解析时间文本；写完去掉默认值。
    - 大批量时主键序列临时按 SEQUENCE_CACHE 个一批预取（ALTER SEQUENCE … CACHE）：每行取号不再
      锁序列的页、每 32 个记一次日志（百万行 COPY 的服务端约省 0.3–0.5 s）；写完恢复原值，没用完的号
      作废（主键本就可以有空缺）。同样在事务里，回滚即复原。
    - 大批量直接 COPY（空表）时主键也先去掉、写完排序建（COPY 时服务端少维护一个索引，1M 行约省
      0.5–1 s，建回来约 0.3 s，且是在校验子进程都结束之后、CPU 空出来的时候）。别的表引用主体的外键
      要随之去掉、加回；表是空的，那些表里没有指向它的行，加回时的检查很快。那些表同样锁到提交。
    """

    REBUILD_MIN = 100_000
    SEQUENCE_CACHE = 10_000

    def begin(self):
        self.cursor = connection.cursor()
        self.raw = self.cursor.cursor  # psycopg 游标
        cur = self.raw
        # 重建索引（尤其是名称的 GIN 二元组索引）时多给内存，少分批
        cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cur.execute("SELECT EXISTS (SELECT 1 FROM directory_entity)")
        empty = not cur.fetchone()[0]
        self.direct = self.mode == "insert" and empty
        self.rebuild = []
        self.foreign_keys = []
        self.keys = []
        self.referencing = []
        self.sequence = None
        if self.estimated >= self.REBUILD_MIN:
            self._cache_ids()
            count = 0
            if not empty:
                cur.execute("SELECT COUNT(*) FROM directory_entity")
                count = cur.fetchone()[0]
            if self.estimated >= count:
                self._drop_indexes()
        columns = ", ".join(ENTITY_COLUMNS)
        copied = ", ".join(COPY_COLUMNS)
        self.fills_updated = self.direct and bool(self.rebuild or self.keys)
        if self.fills_updated:
            # Django 的游标在客户端代入参数，DDL 里也能用
            cur.execute(
                "ALTER TABLE directory_entity ALTER COLUMN updated SET DEFAULT %s", [self.now]
            )
            copied = ", ".join(c for c in COPY_COLUMNS if c != "updated")
        if self.direct:
            sql_copy = f"COPY directory_entity ({copied}) FROM STDIN"
        else:
            cur.execute("DROP TABLE IF EXISTS pg_temp._entity_import")
            cur.execute(
                "CREATE TEMP TABLE _entity_import ON COMMIT DROP AS "
                f"SELECT 0::integer AS row_number, {columns} "
                "FROM directory_entity WITH NO DATA"
            )
            sql_copy = f"COPY _entity_import (row_number, {copied}) FROM STDIN"
        self.copy_cm = cur.copy(sql_copy)
        self.copy = self.copy_cm.__enter__()

    def _cache_ids(self):
        """主键序列一批预取 SEQUENCE_CACHE 个号（见类的说明）；记下序列名与原来的批量，finish 时恢复。"""
        cur = self.raw
        cur.execute(
            "SELECT s.seqrelid::regclass::text, s.seqcache FROM pg_sequence s "
            "WHERE s.seqrelid = pg_get_serial_sequence('directory_entity', 'id')::regclass"
        )
        row = cur.fetchone()
        if row is not None and row[1] < self.SEQUENCE_CACHE:
            self.sequence = row
            cur.execute(f"ALTER SEQUENCE {row[0]} CACHE {int(self.SEQUENCE_CACHE)}")

    def _drop_indexes(self):
        cur = self.raw
        cur.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = 'directory_entity'::regclass "
            "AND NOT i.indisprimary AND NOT i.indisunique"
        )
        self.rebuild = cur.fetchall()
        cur.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'directory_entity'::regclass AND contype = 'f'"
        )
        self.foreign_keys = cur.fetchall()
        if self.direct:
            # 空表上新增：主键与代码的唯一约束也先去掉、写完排序建（比逐行维护索引、查重插入快得多；
            # 文件内的重复已在校验时查过，加回约束时数据库再查一遍）。主键被别的表的外键引用着，要先
            # 去掉那些外键（表是空的，那些表里不会有指向它的行），写完加回。主键排在前面（'p' < 'u'）
            cur.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = 'directory_entity'::regclass AND contype IN ('p', 'u') "
                "ORDER BY contype, conname"
            )
            self.keys = cur.fetchall()
            cur.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE confrelid = 'directory_entity'::regclass "
                "AND contype = 'f' ORDER BY 1, 2"
            )
            self.referencing = cur.fetchall()
        # 事务里之前的写入可能留有待检查的外键事件，改表结构前先让它们检查掉
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, name, _ in self.referencing:
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in self.foreign_keys + self.keys:
            cur.execute(f'ALTER TABLE directory_entity DROP CONSTRAINT "{name}"')
        for name, _ in self.rebuild:
            cur.execute(f'DROP INDEX "{name}"')

    @property
    def format(self):
        """校验结果的形式：COPY 文本（临时表的每行前带行号）。"""
        return "copy" if self.direct else "copy_numbered"

    def write(self, numbers, text, clean):
        """`text` 为 validate_entities 给出的一块 COPY 文本（CopyChunk）。"""
        if self.direct:
            if clean and not self.error_count:
                self.copy.write(text.data)
        else:  # 临时表：出错后也照写，冲突检查要用到全部行
            self.copy.write(text.data)
        self.created += len(numbers)

    def finish_copy(self):
        self.copy_cm.__exit__(None, None, None)
        self.copy_cm = None
        if self.direct:
            return
        cur = self.raw
        cur.execute(
            "SELECT t.row_number, t.uid, e.scope_path FROM _entity_import t "
            "JOIN directory_entity e ON e.uid = t.uid ORDER BY t.row_number"
        )
        for number, uid, scope_path in cur.fetchall():
            self.conflict(number, uid, scope_path)
        if self.mode == "upsert":
            cur.execute(
                "SELECT t.row_number, t.name IS NULL, t.unit_id IS NULL FROM _entity_import t "
                "WHERE (t.unit_id IS NULL OR t.name IS NULL) AND NOT EXISTS "
                "(SELECT 1 FROM directory_entity e WHERE e.uid = t.uid) ORDER BY t.row_number"
            )
            for number, name_missing, unit_missing in cur.fetchall():
                self.missing(number, name_missing, unit_missing)

    def finish(self):
        cur = self.raw
        if not self.direct:
            columns = ", ".join(ENTITY_COLUMNS)
            # 更新模式下没给名称、单位的行都是已有主体（新增的已报错）：填值只为通过 NOT NULL，不会写入
            fill = {"unit_id": "COALESCE(unit_id, 0)", "name": "COALESCE(name, '')"}
            values = ", ".join(fill.get(c, c) for c in ENTITY_COLUMNS)
            sql = f"INSERT INTO directory_entity ({columns}) SELECT {values} FROM _entity_import"
            if self.credit:
                self._record_history()
            if self.mode == "upsert":
                sql += f" ON CONFLICT (uid) DO UPDATE SET {self.update_sets()}"
            cur.execute(sql)
            cur.execute("DROP TABLE IF EXISTS pg_temp._entity_import")
        if self.fills_updated:
            cur.execute("ALTER TABLE directory_entity ALTER COLUMN updated DROP DEFAULT")
        if self.sequence is not None:
            name, cache = self.sequence
            cur.execute(f"ALTER SEQUENCE {name} CACHE {int(cache)}")
        for name, definition in self.keys:
            cur.execute(f'ALTER TABLE directory_entity ADD CONSTRAINT "{name}" {definition}')
        deferred = []
        for name, definition in self.rebuild:
            if self.defer_index and (
                " USING gin " in definition or search.deferrable(name, definition)
            ):
                deferred.append(definition)  # 名称检索的 GIN 索引、只为名录筛选的索引：提交后补建
            else:
                cur.execute(definition)
        if deferred:
            search.defer(cur, definitions=deferred)
            self.deferred = True
        for name, definition in self.foreign_keys:
            cur.execute(f'ALTER TABLE directory_entity ADD CONSTRAINT "{name}" {definition}')
        for table, name, definition in self.referencing:
            cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        if self.rebuild or self.foreign_keys:
            cur.execute("SET CONSTRAINTS ALL DEFERRED")  # 恢复 Django 外键的默认（延迟检查）
        self.created -= self.updated

    def _record_history(self):
        """改了分类（或分类日期）的已有主体，在写入之前按库中现值记入分类历史（一条语句）。"""
        new_class = "t.credit_class" if self.has_class else "e.credit_class"
        new_date = "t.credit_date" if self.has_date else "e.credit_date"
        older = (
            self.OLDER.format(new="t").replace("directory_entity.", "e.")
            if self.has_date
            else "FALSE"
        )
        self.raw.execute(
            f"INSERT INTO directory_credithistory ({self.HISTORY_COLUMNS}) "
            f"SELECT e.id, {new_class}, {new_date}, e.credit_class, e.credit_date, 'import', "
            f"{older}, %s, %s, %s, t.updated "
            "FROM _entity_import t JOIN directory_entity e ON e.uid = t.uid "
            f"WHERE ({new_class}, {new_date}) IS DISTINCT FROM (e.credit_class, e.credit_date)",
            self.history_params(),
        )
        self.history += self.raw.rowcount

    def abort(self):
        if self.copy_cm is not None:
            try:
                self.copy_cm.__exit__(RuntimeError, RuntimeError("导入中止"), None)
            except Exception:  # noqa: BLE001 - 事务随后回滚
                pass

    def close(self):
        self.cursor.close()


def import_entities(
    source, filename="", *, user=None, mode="insert", unit=None, parallel=None, progress=None
):
    """导入市场主体。`source` 为 bytes、文件路径或文件对象；返回 ImportResult。

    `progress(done, total, stage)` 报告进度（后台任务的进度条、命令行的进度行）。
    """
    started = time.perf_counter()
    progress = progress or _no_progress
    progress(0, 0, "读取文件")
    spec = specs.ENTITY
    check_mode(mode)
    target = resolve_target(spec, user, unit)
    data, table, digest = open_table(source, filename, background=True)
    # 更新模式下可以只给代码和要改的列（如定期导入信用风险分类）；新增的主体仍须有所属单位
    _, positions, labels, width, ignored = read_header(
        spec, table, target, unit_key="unit" if mode == "insert" else "", key_only=mode == "upsert"
    )
    if target.default_unit is not None and target.default_unit.level == UnitLevel.DEPARTMENT:
        raise failed("默认所属单位不能是部门/股室")
    now = timezone.now()
    plan = EntityPlan(
        positions=positions,
        labels=labels,
        width=width,
        pads=table.pads_short_rows,
        units=UnitIndex(target.scope_path),
        default_unit=target.default_unit,
        mode=mode,
        updated=connection.ops.adapt_datetimefield_value(now)
        if connection.vendor == "sqlite"
        else now,
    )
    child = _use_child(parallel, len(data))
    rows = table.rows
    if child and table.can_partition():
        # 无引号的 CSV：按行分段，每个 CPU 一个校验子进程（写库的父进程多半在等数据库）
        parts = [
            table.rows_between(*part)
            for part in table.partition(max(1, min(MAX_CHILDREN, os.cpu_count() or 1)))
        ]
    else:
        parts = [rows]
    if table.lines is not None:
        estimated = len(table.lines)
    elif table.lines_after is not None:  # 切段时数过行
        estimated = table.taken + table.lines_after
    else:
        estimated = data.count(b"\n") if table.format == "csv" else len(data) // 100
    progress(0, max(1, estimated - 1), "校验并写入")  # 行数的估计（减去表头）
    if connection.vendor == "sqlite":
        writer_class = _SqliteEntityWriter
    elif connection.vendor == "postgresql":
        writer_class = _PostgresEntityWriter
    else:  # pragma: no cover
        raise ImproperlyConfigured("批量导入只支持 SQLite 与 PostgreSQL")
    writer = writer_class(mode, positions, target, estimated, labels, now)
    writer.note = f"导入文件：{filename}" if filename else "导入文件"
    del data
    timings = {"read": time.perf_counter() - started}
    mark = time.perf_counter
    # SQLite 上分段并行校验时，各段校验过的行先写进临时目录里的 SQLite 文件（见 can_stage），
    # 目录放在库文件旁边（同一块盘），成功、失败都删掉
    outermost = not connection.in_atomic_block
    stage_dir = stages = None
    if child and len(parts) > 1 and connection.vendor == "sqlite" and outermost:
        stage_dir = _stage_dir(_stage_home())
    try:
        with transaction.atomic():
            t = mark()
            writer.begin()
            if writer.fills_updated:
                plan.updated = None
            timings["begin"] = mark() - t
            chunks = None
            try:
                t = mark()
                digest = digest.result()  # fork 之前等摘要线程结束
                if stage_dir is not None and writer.can_stage(outermost):
                    # 每段写成几个文件（共至多 8 个，ATTACH 至多 10 个）：一个文件写完，父进程就把它
                    # 写进库，子进程写完最后一个文件后父进程只剩一小部分要写
                    rotate = -(-estimated // (max(1, 8 // len(parts)) * len(parts)))
                    stages = [
                        (os.path.join(stage_dir, f"part{i}"), rotate) for i in range(len(parts))
                    ]
                    chunks = _validate_in_children(parts, plan, "stage", stages)
                elif child:
                    chunks = _validate_in_children(parts, plan, writer.format)
                else:
                    chunks = _validate_here(rows, plan, writer.format)
                done = 0
                for numbers, out, n_errors in chunks:
                    if stages is None:
                        writer.write(numbers, out, clean=not n_errors)
                        done += len(numbers)
                    elif out is not None:  # 一段临时文件写完了
                        if not n_errors and not writer.conflicted:
                            writer.write_part(out)
                    else:
                        done += numbers
                    progress(done, max(estimated - 1, done), "校验并写入")
                if isinstance(writer, _PostgresEntityWriter):
                    writer.finish_copy()
                if stages is not None and (plan.counter[1] or writer.conflicted):
                    staged_duplicates(plan, stage_dir)
                timings["validate_write"] = mark() - t
                if stages is not None and writer.conflicted and not plan.counter[1]:
                    raise failed("写入数据库时发生冲突（统一社会信用代码重复），请重试")
                total = plan.counter[1] + writer.error_count
                if not plan.counter[0]:
                    raise failed("文件只有表头，没有数据行")
                if total:
                    raise ImportFailed(plan.errors + writer.errors, total, plan.counter[0])
                progress(done, done, "收尾：建索引、提交")
                t = mark()
                writer.finish()
                timings["finish"] = mark() - t
            except BaseException:
                if chunks is not None:
                    chunks.close()  # 等校验子进程结束（之后才删它们写的临时文件）
                if isinstance(writer, _PostgresEntityWriter):
                    writer.abort()
                raise
            result = ImportResult(
                kind=spec.kind,
                filename=filename,
                mode=mode,
                rows=plan.counter[0],
                created=writer.created,
                updated=writer.updated,
                sha256=digest,
                ignored_columns=ignored,
                index_pending=writer.deferred,
            )
            log_import(spec, target, result)
            t = mark()
        timings["commit"] = mark() - t
    except TabularError as exc:
        raise failed(exc.message, exc.row) from exc
    except (IntegrityError, connection.Database.IntegrityError) as exc:
        # 预先查过库中的代码，这里只会是并发导入造成的冲突（批量写用的是数据库驱动自己的游标）
        raise failed(
            f"写入数据库时发生冲突（可能有人同时在导入同一批数据），请重试：{exc}"
        ) from exc
    finally:
        if hasattr(writer, "cursor"):
            writer.close()
        if stage_dir is not None:
            shutil.rmtree(stage_dir, ignore_errors=True)
    result.seconds = time.perf_counter() - started
    result.timings = {k: round(v, 3) for k, v in timings.items()}
    result.timings["parallel"] = child
    result.timings["staged"] = stages is not None  # SQLite：经校验子进程写的临时文件
    return result
