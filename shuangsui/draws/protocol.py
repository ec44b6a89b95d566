"""抽取协议 `shuangsui-draw-v1` 的纯函数实现（只用标准库，不依赖 Django）。

契约见 docs/draw-protocol.md（与公开规范 draw-v1 一致）。要点：
- 人口文件（population file）：`uid,stratum`，UTF-8 无 BOM、LF、按 uid 字节升序、无重复；
- 种子（seed）= sha256("shuangsui-draw-v1\\n" + task_code + "\\n" + population_digest + "\\n"
  + 每条 entropy + "\\n")；
- 键（key）= sha256(seed_hex + "\\n" + uid)，每层按键升序取前 k 个入选、其后 m 个为备选；
- 检查人员匹配（inspector matching）用 ikey = sha256(seed_hex + "\\ninspector\\n" + uid + "\\n" + id)。

大人口（默认超过 20 万）时用 fork 出的多个进程分段计算，结果与单进程逐字节相同：
每段只保留各层键最小的 k + m 个候选，合并后再取前 k + m 个，这是精确的。
"""

from __future__ import annotations

import hashlib
import json
import math
import multiprocessing
import os
import re
import threading
import time
import zlib
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from itertools import islice, repeat
from operator import itemgetter, lt

try:  # CPython 自带的 SHA-256（3.11 为 _sha256，3.12 起为 _sha2），见 _key_base
    from _sha256 import sha256 as _builtin_sha256
except ImportError:  # pragma: no cover - 取决于 Python 版本与编译选项
    try:
        from _sha2 import sha256 as _builtin_sha256
    except ImportError:
        _builtin_sha256 = None

PROTOCOL = "shuangsui-draw-v1"
COMMIT_PREFIX = "shuangsui-commit-v1"
HEADER = b"uid,stratum\n"
PUBLIC_HEADER = b"uid\n"
PARALLEL_MIN = 200_000  # 候选数超过它时用多进程

_LABEL_RE = re.compile(r"[a-z0-9_-]+")
_HEX64_RE = re.compile(r"[0-9a-f]{64}")
_RATIO_RE = re.compile(r"(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")
_BOM = b"\xef\xbb\xbf"
_FORBIDDEN = (",", '"', "\r", "\n")
# translate() 删除这些字节后，合法的两列文件只剩 ",\n" 的重复，一列文件只剩 "\n" 的重复
_KEEP = frozenset(b',\n"\r')
_DELETE = bytes(b for b in range(256) if b not in _KEEP)
_PIECE = 1 << 17  # 每次处理约 128 KiB（约 6 千行）：拆出的临时对象留在 CPU 的二级缓存里
_ABOVE_ALL = b"\xff" * 33  # 比任何 32 字节的键都大
_MAX_REPORTED = 5  # 每个列表最多报告几处不符
# 每层初始门限之下期望的键数比配额多几个标准差（少于配额的概率约 1e-15，那时放开门限重算）
_MARGIN_SIGMAS = 8
# 求键用的 SHA-256：CPython 自带的实现与 OpenSSL 的 hashlib 哪个逐键 copy/update/digest 更快看机器——
# 没有 SHA 指令的 CPU 上自带的快约 1.5 倍（hashlib 每次 copy 与 digest 都要复制 EVP 上下文），有 SHA 指令
# 时（如 AMD EPYC）OpenSSL 快 10–20%。第一次求键时各试几千次取快的（约 3 ms）；两者结果相同（有测试）。
_KEY_HASHES = tuple(h for h in (_builtin_sha256, hashlib.sha256) if h is not None)
_KEY_HASH = None  # 选定的实现（_pick_key_hash）


def _pick_key_hash():
    """在 _KEY_HASHES 里挑逐键 copy/update/digest 最快的一个，记在 _KEY_HASH。"""
    global _KEY_HASH
    uids = [b"91350503MA%08dX" % i for i in range(2000)]
    best = None
    for ctor in _KEY_HASHES:
        copy = ctor(b"0" * 64 + b"\n").copy
        spent = math.inf
        for _ in range(3):
            started = time.perf_counter()
            for uid in uids:
                h = copy()
                h.update(uid)
                h.digest()
            spent = min(spent, time.perf_counter() - started)
        if best is None or spent < best[0]:
            best = (spent, ctor)
    _KEY_HASH = best[1]
    return _KEY_HASH


class ProtocolError(ValueError):
    """输入或记录违反协议。消息为中文，人口文件的错误带行号（第 1 行是表头）。"""


# ---------------------------------------------------------------- 基本函数


def digest(data: bytes) -> str:
    """文件字节的 SHA-256，小写十六进制（与 `sha256sum` 相同）。"""
    return hashlib.sha256(data).hexdigest()


def _check_label(label: str) -> None:
    if not isinstance(label, str) or not _LABEL_RE.fullmatch(label):
        raise ProtocolError(f"熵标签 {label!r} 不合规：只能由 a-z、0-9、_、- 组成")


def _check_value(label: str, value: str) -> None:
    if not isinstance(value, str) or "\n" in value:
        raise ProtocolError(f"熵 {label} 的值不能含换行（LF）")


def commitment(label: str, value: str) -> str:
    """承诺值：sha256_hex(utf8("shuangsui-commit-v1\\n" + label + "\\n" + value))。"""
    _check_label(label)
    _check_value(label, value)
    return hashlib.sha256(f"{COMMIT_PREFIX}\n{label}\n{value}".encode()).hexdigest()


def split_entropy(entry: str) -> tuple[str, str]:
    """把 `label=value` 拆开并校验。"""
    if not isinstance(entry, str) or "=" not in entry:
        raise ProtocolError(f"熵条目 {entry!r} 应为 label=value")
    label, value = entry.split("=", 1)
    _check_label(label)
    _check_value(label, value)
    return label, value


def compute_seed(task_code: str, population_digest: str, entropy: Iterable[str]) -> bytes:
    """种子（32 字节）= sha256(utf8(M))，M 为各行加 LF：协议名、task_code、人口摘要、各条熵。"""
    if not isinstance(task_code, str) or not task_code or "\n" in task_code:
        raise ProtocolError("task_code 必须是非空且不含换行的字符串")
    if not isinstance(population_digest, str) or not _HEX64_RE.fullmatch(population_digest):
        raise ProtocolError("population_digest 必须是 64 位小写十六进制")
    lines = [PROTOCOL, task_code, population_digest]
    for entry in entropy:
        split_entropy(entry)
        lines.append(entry)
    return hashlib.sha256("".join(line + "\n" for line in lines).encode()).digest()


def _check_seed_hex(seed_hex: str) -> None:
    if not isinstance(seed_hex, str) or not _HEX64_RE.fullmatch(seed_hex):
        raise ProtocolError("seed 必须是 64 位小写十六进制")


def _key_base(seed_hex: str):
    """已吸收 seed_hex + "\\n" 的 SHA-256 状态：每个键 copy() 后 update(uid) 再 digest()。"""
    return (_KEY_HASH or _pick_key_hash())(f"{seed_hex}\n".encode())


def candidate_key(seed_hex: str, uid: str) -> str:
    """key(uid) = sha256(utf8(seed_hex + "\\n" + uid))，十六进制。"""
    return hashlib.sha256(f"{seed_hex}\n{uid}".encode()).hexdigest()


def inspector_key(seed_hex: str, uid: str, inspector_id: str) -> str:
    """ikey(uid, id) = sha256(utf8(seed_hex + "\\ninspector\\n" + uid + "\\n" + id))，十六进制。"""
    return hashlib.sha256(f"{seed_hex}\ninspector\n{uid}\n{inspector_id}".encode()).hexdigest()


def quota_from_ratio(n: int, ratio: str) -> int:
    """k = ceil(N × r)，r 为十进制字符串（如 "0.035"），精确计算。"""
    if not isinstance(ratio, str) or not _RATIO_RE.fullmatch(ratio):
        raise ProtocolError(f'比例 {ratio!r} 应为十进制小数字符串，如 "0.035"')
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise ProtocolError("层的大小 N 必须是非负整数")
    try:
        num, den = Decimal(ratio).as_integer_ratio()
    except InvalidOperation as exc:  # pragma: no cover - 正则已排除
        raise ProtocolError(f"比例 {ratio!r} 无法解析") from exc
    return -((-n * num) // den)


# ---------------------------------------------------------------- 人口文件


def _check_field(value: str, what: str, where: str) -> None:
    if not isinstance(value, str) or not value:
        raise ProtocolError(f"{where}：{what} 为空")
    for ch in _FORBIDDEN:
        if ch in value:
            shown = {"\r": "CR", "\n": "LF"}.get(ch, ch)
            raise ProtocolError(f"{where}：{what} 含有不允许的字符 {shown}")


def population_csv(rows: Iterable[tuple[str, str]]) -> bytes:
    """由 (uid, stratum) 生成人口文件：校验字段、按 uid 字节排序、表头 `uid,stratum`、LF 结尾。"""
    encoded = []
    for n, (uid, stratum) in enumerate(rows, start=1):
        where = f"第 {n} 个候选"
        _check_field(uid, "uid", where)
        _check_field(stratum, "stratum", where)
        try:
            encoded.append((uid.encode(), stratum.encode()))
        except UnicodeEncodeError as exc:
            raise ProtocolError(f"{where}：无法编码为 UTF-8") from exc
    encoded.sort()
    for a, b in zip(encoded, islice(encoded, 1, None), strict=False):
        if a[0] == b[0]:
            raise ProtocolError(f"uid {a[0].decode()} 重复")
    return HEADER + b"".join(u + b"," + s + b"\n" for u, s in encoded)


def _parse_lines(data: bytes, public: bool = False) -> list:
    """逐行严格解析（参考实现，错误带行号）。返回 [(uid, stratum)]，一列文件返回 [uid]。"""
    data = bytes(data)
    header = PUBLIC_HEADER if public else HEADER
    name = header.decode().strip()
    if data.startswith(_BOM):
        raise ProtocolError("第 1 行：文件以 BOM 开头（须为无 BOM 的 UTF-8）")
    if not data:
        raise ProtocolError("第 1 行：文件为空，缺少表头")
    first, _, rest = data.partition(b"\n")
    if first.endswith(b"\r"):
        raise ProtocolError("第 1 行：行尾是 CRLF（须为 LF）")
    if first + b"\n" != header:
        raise ProtocolError(f"第 1 行：表头必须恰好是 {name}")
    if not data.endswith(b"\n"):
        last_line = data.count(b"\n") + 1
        raise ProtocolError(f"第 {last_line} 行：文件缺少结尾的换行（LF）")
    out = []
    prev = None
    for lineno, raw in enumerate(rest.split(b"\n")[:-1], start=2):
        where = f"第 {lineno} 行"
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ProtocolError(f"{where}：不是有效的 UTF-8") from exc
        if "\r" in line:
            raise ProtocolError(f"{where}：含 CR（行尾须为 LF，不能是 CRLF）")
        if '"' in line:
            raise ProtocolError(f'{where}：含引号 "（不允许引用）')
        if public:
            if "," in line:
                raise ProtocolError(f"{where}：公开人口文件只有一列 uid，不能含逗号")
            fields = [line]
        else:
            fields = line.split(",")
            if len(fields) != 2:
                raise ProtocolError(f"{where}：应恰有两列 uid,stratum（实为 {len(fields)} 列）")
        if not fields[0]:
            raise ProtocolError(f"{where}：uid 为空")
        if not public and not fields[1]:
            raise ProtocolError(f"{where}：stratum 为空")
        key = fields[0].encode()
        if prev is not None and key <= prev:
            if key == prev:
                raise ProtocolError(f"{where}：uid {fields[0]} 重复")
            raise ProtocolError(f"{where}：uid 未按字节升序排列（{fields[0]} 应排在前一行之前）")
        prev = key
        out.append(fields[0] if public else (fields[0], fields[1]))
    return out


def parse_population(data: bytes) -> list[tuple[str, str]]:
    """严格解析人口文件，返回 [(uid, stratum)]；任何不合第 1 节之处抛 ProtocolError（带行号）。"""
    return _parse_lines(data)


def parse_public_population(data: bytes) -> list[str]:
    """严格解析公开的一列人口文件（第 8 节），返回 uid 列表。"""
    return _parse_lines(data, public=True)


def _bulk_ok(piece: bytes, public: bool) -> bool:
    """整块快速校验一段完整的行（以 LF 结尾）；不合规时由 _parse_lines 找出具体行。"""
    marks = piece.translate(None, _DELETE)
    if public:
        if marks != b"\n" * len(marks) or piece.startswith(b"\n") or b"\n\n" in piece:
            return False
    else:
        if len(marks) % 2 or marks != b",\n" * (len(marks) // 2):
            return False
        if piece.startswith(b",") or b"\n," in piece or b",\n" in piece:
            return False
    if not piece.isascii():
        try:
            piece.decode("utf-8")
        except UnicodeDecodeError:
            return False
    return True


def _raise_file_error(data: bytes, public: bool = False):
    _parse_lines(data, public=public)  # 会抛出带行号的 ProtocolError
    raise ProtocolError("人口文件不合规")  # pragma: no cover - 两种校验不应不一致


# ---------------------------------------------------------------- 抽取核心


def _scan(uids, strata, base, need, limit, kept, counts) -> None:
    """处理一片候选：计数各层、逐个求键、保留不大于该层门限的候选。

    保留的是 key + uid 的字节串（键定长 32 字节，所以字节序就是先键后 uid 的顺序）。
    门限（limit）初值对 k+m>0 的层是“全部保留”，某层保留数超过 2(k+m) 时排序截断到 k+m，
    门限降为第 k+m 小的键。被丢弃的候选不可能进入该层前 k+m 名，所以结果是精确的。
    """
    total = 0
    for label in counts:
        c = strata.count(label)
        counts[label] += c
        total += c
    if total != len(strata):
        for label, c in Counter(strata).items():
            if label not in counts:
                counts[label] = c
                limit[label] = _ABOVE_ALL if need.get(label, 0) else b""
    if not need:
        return
    copy = base.copy
    for u, s in zip(uids, strata, strict=True):
        h = copy()
        h.update(u)
        if (k := h.digest()) <= limit[s]:
            kept[s].append(k + u)
    _truncate(kept, need, limit)


def _truncate(kept, need, limit) -> None:
    """某层保留数超过 2(k+m) 时排序截断到 k+m，门限降为第 k+m 小的键。"""
    for s, lst in kept.items():
        t = need[s]
        if len(lst) > 2 * t:
            lst.sort()
            del lst[t:]
            limit[s] = lst[-1][:32]


def _finish(kept, need):
    for s, lst in kept.items():
        lst.sort()
        del lst[need[s] :]
    return kept


def _scan_lists(lists, start: int, end: int, seed_hex: str, need: dict):
    """处理 (uid 列表, 层列表) 的 [start, end) 段。"""
    uids, strata = lists
    base = _key_base(seed_hex)
    counts, limit, kept = {}, {}, {s: [] for s in need}
    step = _PIECE // 20
    for i in range(start, end, step):
        j = min(i + step, end)
        _scan(uids[i:j], strata[i:j], base, need, limit, kept, counts)
    return counts, None, None, _finish(kept, need)


def _utf8_ok(piece: bytes) -> bool:
    if piece.isascii():
        return True
    try:
        piece.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _pieces(data: bytes, start: int, end: int):
    """把 data[start:end]（整行）切成约 _PIECE 字节的片，每片由整行组成。给出 (起, 止)。"""
    pos = start
    while pos < end:
        stop = data.find(b"\n", min(pos + _PIECE, end) - 1) + 1
        yield pos, stop
        pos = stop


def _fixed_layout(piece: bytes):
    """各行等宽且层标签只有一个字节（如 18 位信用代码 + A/B/C/D）时返回 (行宽, 逗号位置)，否则 None。

    这里确认恰有 rows 个换行、每行的同一位置上有逗号和换行；其余的（引号、CR、UTF-8、没有多余的
    逗号）由 _Chunk.census 与 _Chunk.select 检查。
    """
    width = piece.find(b"\n") + 1
    comma = piece.find(b",", 0, width)
    if comma < 1 or width - comma != 3 or len(piece) % width:
        return None
    rows = len(piece) // width
    if piece[comma::width] != b"," * rows or piece[width - 1 :: width] != b"\n" * rows:
        return None
    if piece.count(b"\n") != rows:  # 行宽不一、却恰好对齐（如多字节的 UTF-8 字符）
        return None
    return width, comma


_INDICATORS: dict[int, bytes] = {}  # 字节值 → 把它映射为 1、其余映射为 0 的 translate 表


def _count_column(column: bytes, counts: Counter) -> None:
    """数一列单字节的层标签（每行一个字节）中各标签出现的次数，加到 counts 上。

    bytes.count 数随机出现的字节很慢（每个字节一次猜不准的分支），所以换个无分支的算法：先用
    translate 把该标签映射为 1、其余映射为 0，再求字节之和——zlib.adler32 的低 16 位正是
    1 + 各字节之和（模 65521），每块不超过 65519 字节时精确。最后一个标签用总数减去其余的。
    """
    known = bytes(label[0] for label in counts if len(label) == 1)
    rest = column.translate(None, known)
    while rest:  # 本段新出现的标签
        known += rest[:1]
        counts[rest[:1]] += 0
        rest = rest.translate(None, rest[:1])
    others = 0
    for value in known[:-1]:
        table = _INDICATORS.get(value)
        if table is None:
            table = _INDICATORS[value] = bytes(int(i == value) for i in range(256))
        ones = column.translate(table)
        n = 0
        for i in range(0, len(ones), 65519):
            n += (zlib.adler32(ones[i : i + 65519]) & 0xFFFF) - 1
        counts[bytes((value,))] += n
        others += n
    if known:
        counts[known[-1:]] += len(column) - others


def _first_limit(t: int, n: int) -> bytes:
    """某层的初始门限（t = k + m，n 为该层人数）。键是均匀的，门限之下期望有
    t + S·√t + S² 个键（S = _MARGIN_SIGMAS），少于 t 个的概率不到 e^(-S²/2)；真的少了，
    _draw 会放开门限重算一遍，所以结果总是精确的。门限让各段只保留约 t × 本段占比 个候选。"""
    want = t + _MARGIN_SIGMAS * math.isqrt(t) + _MARGIN_SIGMAS * abs(_MARGIN_SIGMAS)
    if want >= n:
        return _ABOVE_ALL
    if want <= 0:
        return b""
    return ((want << 256) // n).to_bytes(32, "big")


class _Chunk:
    """人口文件的一段 data[start:end]（整行），分两遍处理，可以在 fork 出的子进程里。

    census()：第一遍，逐片校验（uid 的顺序除外）并数出各层人数，父进程据此按比例定额；
    select()：第二遍，检查 uid 严格升序，逐个求键，保留各层不大于门限的候选。
    """

    def __init__(self, data: bytes, start: int, end: int):
        self.data, self.start, self.end = data, start, end
        self.pieces = []  # (起, 止, 把逗号换成换行后拆出的字段数)
        self.labels = []

    def census(self):
        """返回 {层: 人数}；不合规返回 None（由 _raise_file_error 找出具体的行）。"""
        counts: Counter = Counter()
        data = self.data
        for pos, stop in _pieces(data, self.start, self.end):
            piece = data[pos:stop]
            layout = _fixed_layout(piece)
            if layout:
                if b'"' in piece or b"\r" in piece or not _utf8_ok(piece):
                    return None
                width, comma = layout
                column = piece[comma + 1 :: width]  # 各行的层标签，每行一个字节
                rows = len(column)
                _count_column(column, counts)
            else:
                if not _bulk_ok(piece, public=False):
                    return None
                strata = piece.replace(b",", b"\n").split(b"\n")[1::2]
                counts.update(strata)
                rows = len(strata)
            self.pieces.append((pos, stop, 2 * rows + 1))
        self.labels = list(counts)
        return dict(counts)

    def select(self, seed_hex: str, need: dict, limits: dict):
        """need：层 → k + m；limits：层 → 初始门限（缺省为全部保留）。

        返回 (首 uid, 末 uid, {层: 已排序的 键 + uid，至多 k + m 个})；uid 未严格升序或某片
        有多余的逗号、换行时返回 None。保留的是 key + uid 的字节串（键定长 32 字节，字节序就是
        先键后 uid 的顺序）。某层保留数超过 2(k+m) 时排序截断到 k+m，门限降为第 k+m 小的键；
        被丢弃的候选不可能进入该层前 k+m 名，所以结果是精确的。
        """
        copy = _key_base(seed_hex).copy
        limit = dict.fromkeys(self.labels, b"")
        limit.update({s: limits.get(s, _ABOVE_ALL) for s in need})
        kept = {s: [] for s in need}
        top = max(limit.values(), default=b"")  # 先和各层门限中最大的比，省去多数行的查表
        data, first, prev = self.data, None, b""
        for pos, stop, fields_expected in self.pieces:
            fields = data[pos:stop].replace(b",", b"\n").split(b"\n")
            if len(fields) != fields_expected:
                return None
            if first is None:
                first = fields[0]
            pairs = iter(fields)  # uid、层、uid、层……，最后多一个空串
            for uid, stratum in zip(pairs, pairs, strict=False):
                if uid <= prev:
                    return None
                prev = uid
                h = copy()
                h.update(uid)
                if (key := h.digest()) <= top and key <= limit[stratum]:
                    kept[stratum].append(key + uid)
            _truncate(kept, need, limit)
            top = max(limit.values(), default=b"")
        return first, prev or None, _finish(kept, need)


def _chunk_server(conn, chunk: _Chunk) -> None:
    """子进程：收到 (方法名, 参数) 就调用 chunk 的方法并回送 (True, 结果)，出错回送 (False, 异常)；
    收到 None 或管道关闭即退出。"""
    try:
        while (message := conn.recv()) is not None:
            name, args = message
            try:
                reply = (True, getattr(chunk, name)(*args))
            except Exception as exc:  # 交给父进程重新抛出
                reply = (False, exc)
            conn.send(reply)
    except EOFError:
        pass
    finally:
        conn.close()


class _LocalChunks:
    """在本进程里逐段计算，接口同 _ForkedChunks。"""

    def __init__(self, chunks):
        self.chunks, self.pending = chunks, None

    def send(self, name, *args):
        self.pending = (name, args)

    def gather(self) -> list:
        name, args = self.pending
        return [getattr(chunk, name)(*args) for chunk in self.chunks]


class _ForkedChunks:
    """每段一个 fork 出的子进程：send() 把调用发给各段，gather() 按段的顺序收回结果。

    子进程在 fork 时继承人口文件的字节，不经管道传送；传回的只有各层人数与各段保留的候选。
    """

    def __init__(self, chunks):
        ctx = multiprocessing.get_context("fork")
        self.procs, self.conns = [], []
        try:
            for chunk in chunks:
                here, there = ctx.Pipe()
                self.conns.append(here)
                try:
                    proc = ctx.Process(target=_chunk_server, args=(there, chunk), daemon=True)
                    self.procs.append(proc)
                    proc.start()
                finally:
                    there.close()  # 子进程已有自己的一份
        except BaseException:
            self.close(abort=True)
            raise

    def send(self, name, *args):
        for conn in self.conns:
            conn.send((name, args))

    def gather(self) -> list:
        out = []
        for conn in self.conns:
            try:
                ok, value = conn.recv()
            except EOFError:
                raise RuntimeError("抽取的子进程意外退出") from None
            if not ok:
                raise value
            out.append(value)
        return out

    def close(self, abort: bool = False) -> None:
        for proc in self.procs:
            if abort and proc.pid is not None:
                proc.terminate()
        for conn in self.conns:
            try:
                conn.send(None)
            except OSError:
                pass
            conn.close()
        for proc in self.procs:
            if proc.pid is not None:
                proc.join()


@contextmanager
def _chunk_runner(data: bytes, jobs, processes: int):
    """给出 runner（send/gather），各段 data[a:b] 在本进程或各自 fork 出的子进程里计算。

    不能 fork 时（守护进程里不许有子进程，或系统拒绝）退回本进程逐段计算，结果相同。
    """
    chunks = [_Chunk(data, a, b) for a, b in jobs]
    forked = None
    if processes > 1 and len(chunks) > 1 and not multiprocessing.current_process().daemon:
        try:
            forked = _ForkedChunks(chunks)
        except (OSError, AssertionError, ValueError):
            forked = None
    if forked is None:
        yield _LocalChunks(chunks)
        return
    try:
        yield forked
    except BaseException:
        forked.close(abort=True)
        raise
    forked.close()


_FORK_PAYLOAD = None
_FORK_LOCK = threading.Lock()


def _fork_call(task):
    fn, args = task
    return fn(_FORK_PAYLOAD, *args)


@contextmanager
def _executor(payload, processes: int):
    """给出 run(fn, jobs)：对每个 job 求 fn(payload, *job)，在本进程或 fork 出的进程池里。

    进程池在 fork 时继承 payload（人口文件的字节），不必经管道传送。不能建进程池时（守护进程
    里不许有子进程，或系统拒绝 fork）退回本进程计算，结果相同。
    """
    global _FORK_PAYLOAD

    def local(fn, jobs):
        return [fn(payload, *job) for job in jobs]

    if processes <= 1 or multiprocessing.current_process().daemon:
        yield local
        return
    with _FORK_LOCK:
        _FORK_PAYLOAD = payload
        try:
            try:
                pool = multiprocessing.get_context("fork").Pool(processes)
            except (OSError, AssertionError, ValueError):
                yield local
                return
            with pool:
                yield lambda fn, jobs: pool.map(_fork_call, [(fn, j) for j in jobs], chunksize=1)
        finally:
            _FORK_PAYLOAD = None


def _processes(processes, rows, parallel_min):
    if processes is None:
        processes = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    return max(1, processes) if rows > parallel_min else 1


def _byte_jobs(data: bytes, start: int, end: int, parts: int):
    """把 data[start:end] 分成 parts 段，每段由整行组成。"""
    jobs, pos = [], start
    for i in range(1, parts + 1):
        if pos >= end:
            break
        target = start + (end - start) * i // parts
        stop = end if i == parts else data.find(b"\n", max(target, pos + 1) - 1) + 1
        jobs.append((pos, stop))
        pos = stop
    return jobs


def _need(quotas: Mapping, reserves: Mapping | None) -> dict:
    _check_counts_mapping("quotas", quotas)
    _check_counts_mapping("reserves", reserves or {})
    need = {}
    for label in set(quotas) | set(reserves or {}):
        t = quotas.get(label, 0) + (reserves or {}).get(label, 0)
        if t:
            need[label.encode()] = t
    return need


def _check_counts_mapping(name, mapping) -> None:
    if not isinstance(mapping, Mapping):
        raise ProtocolError(f"{name} 必须是 层标签 → 整数 的映射")
    for label, k in mapping.items():
        if not isinstance(label, str) or not label:
            raise ProtocolError(f"{name} 的层标签 {label!r} 无效")
        if not isinstance(k, int) or isinstance(k, bool) or k < 0:
            raise ProtocolError(f"{name}[{label}] = {k!r}，应为非负整数")


def _estimate_rows(data: bytes) -> int:
    """人口文件的行数（不含表头）；大文件按开头 64 KiB 的平均行长估计。只用来决定是否多进程，
    不影响结果，也省得父进程为此把整个文件读一遍。"""
    head = 1 << 16
    if len(data) <= head:
        return data.count(b"\n") - 1
    return data.count(b"\n", 0, head) * len(data) // head


def _draw_bytes(data: bytes, seed_hex, quotas: dict, reserves, quota_rule, todo, procs: int):
    """人口文件的两遍抽取。返回 (各层人数, 需要数, 各层按 键 + uid 排序的前 k + m 名)。

    各段先在子进程里校验、计数（seed_hex 可以是函数：父进程这时去算人口摘要与种子），
    父进程按比例定额、给出各层初始门限，各段再求键并保留门限之下的候选。
    """
    jobs = _byte_jobs(data, len(HEADER), len(data), procs)
    with _chunk_runner(data, jobs, procs) as chunks:
        chunks.send("census")
        if callable(seed_hex):
            seed_hex = seed_hex()
        _check_seed_hex(seed_hex)
        censuses = chunks.gather()
        if any(c is None for c in censuses):
            _raise_file_error(data)
        counts: Counter = Counter()
        for census in censuses:
            counts.update(census)
        for label in todo:
            quotas[label] = quota_from_ratio(counts[label.encode()], quota_rule[label])
        need = _need(quotas, reserves)
        limits = {s: _first_limit(t, counts[s]) for s, t in need.items()}
        while True:
            chunks.send("select", seed_hex, need, limits)
            results = chunks.gather()
            if any(r is None for r in results):
                _raise_file_error(data)
            bounds = [(r[0], r[1]) for r in results if r[0] is not None]
            for (_, last), (first, _) in zip(bounds, islice(bounds, 1, None), strict=False):
                if last >= first:
                    _raise_file_error(data)
            merged = {s: [] for s in need}
            for _, _, kept in results:
                for s, lst in kept.items():
                    merged[s].extend(lst)
            short = [
                s
                for s, t in need.items()
                if limits.get(s, _ABOVE_ALL) != _ABOVE_ALL and len(merged[s]) < min(t, counts[s])
            ]
            if not short:
                return counts, need, merged
            limits = {}  # 初始门限偏低（概率约 1e-14）：全部放开重算


def _draw(
    population,
    seed_hex,
    quotas,
    reserves=None,
    *,
    quota_rule=None,
    processes=None,
    parallel_min=PARALLEL_MIN,
):
    """校验人口并抽取。返回 (各层人数（按标签排序）, selected, reserve_list, 配额)。

    quota_rule 中、quotas 里没有的层按 ceil(N × r) 定额（返回的配额里有它们）。
    不检查配额是否超过层的大小（见 quota_problems）；超过时该层全部入选。
    population 为字节时 seed_hex 可以是返回种子的函数，在子进程校验文件的同时调用。
    """
    if not callable(seed_hex):
        _check_seed_hex(seed_hex)
    quotas = dict(quotas) if isinstance(quotas, Mapping) else quotas
    _need(quotas, reserves)  # 先校验配额的形式
    todo = [label for label in (quota_rule or {}) if label not in quotas]
    for label in todo:
        quota_from_ratio(0, quota_rule[label])  # 先校验比例的形式
    if isinstance(population, (bytes, bytearray, memoryview)):
        data = bytes(population)
        if not data.startswith(HEADER) or not data.endswith(b"\n"):
            _raise_file_error(data)
        procs = _processes(processes, _estimate_rows(data), parallel_min)
        counts, need, merged = _draw_bytes(
            data, seed_hex, quotas, reserves, quota_rule, todo, procs
        )
    else:
        if callable(seed_hex):
            seed_hex = seed_hex()
            _check_seed_hex(seed_hex)
        uids, strata, seen = [], [], set()
        for n, (uid, stratum) in enumerate(population, start=1):
            where = f"第 {n} 个候选"
            _check_field(uid, "uid", where)
            _check_field(stratum, "stratum", where)
            u = uid.encode()
            if u in seen:
                raise ProtocolError(f"{where}：uid {uid} 重复")
            seen.add(u)
            uids.append(u)
            strata.append(stratum.encode())
        del seen
        for label in todo:
            quotas[label] = quota_from_ratio(strata.count(label.encode()), quota_rule[label])
        need = _need(quotas, reserves)
        procs = _processes(processes, len(uids), parallel_min)
        parts = 2 * procs if procs > 1 else 1
        bounds = [len(uids) * i // parts for i in range(parts + 1)]
        jobs = [(a, b, seed_hex, need) for a, b in zip(bounds, bounds[1:], strict=False) if b > a]
        with _executor((uids, strata), procs) as run:
            results = run(_scan_lists, jobs or [(0, 0, seed_hex, need)])
        counts = Counter()
        merged = {s: [] for s in need}
        for r_counts, _, _, kept in results:
            counts.update(r_counts)
            for s, lst in kept.items():
                merged[s].extend(lst)

    quotas_b = {k.encode(): v for k, v in quotas.items()}
    chosen, spare = [], []
    for s, lst in merged.items():
        lst.sort()
        k = quotas_b.get(s, 0)
        chosen.extend(zip(lst[:k], repeat(s.decode())))
        spare.extend(zip(lst[k : need[s]], repeat(s.decode())))
    strata_counts = {s.decode(): counts[s] for s in sorted(counts)}
    return strata_counts, _ranked(chosen), _ranked(spare), quotas


def _ranked(items):
    """[(key + uid, stratum)] → 按键排序并编号的 [{rank, uid, stratum, key}]。"""
    items.sort(key=itemgetter(0))
    return [
        {"rank": i, "uid": ku[32:].decode(), "stratum": s, "key": ku[:32].hex()}
        for i, (ku, s) in enumerate(items, start=1)
    ]


def quota_problems(
    strata: Mapping,
    quotas: Mapping,
    reserves: Mapping | None = None,
    quota_rule: Mapping | None = None,
) -> list[str]:
    """第 2 节：配额标签须在人口中出现，0 <= k <= N，k + m <= N，quota_rule 与 ceil(N×r) 一致。"""
    out = []
    for name, mapping in (("quotas", quotas), ("reserves", reserves or {})):
        try:
            _check_counts_mapping(name, mapping)
        except ProtocolError as exc:
            return [str(exc)]
        for label in mapping:
            if label not in strata:
                out.append(f"{name} 中的层 {label} 在人口中不存在")
    for label, k in quotas.items():
        m = (reserves or {}).get(label, 0)
        n = strata.get(label, 0)
        if k > n:
            out.append(f"层 {label} 的配额 {k} 超过该层人数 {n}")
        elif k + m > n:
            out.append(f"层 {label} 的配额 {k} 加备选 {m} 超过该层人数 {n}")
    for label, m in (reserves or {}).items():
        if label not in quotas and m > strata.get(label, 0):
            out.append(f"层 {label} 的备选 {m} 超过该层人数 {strata.get(label, 0)}")
    if quota_rule is not None:
        if not isinstance(quota_rule, Mapping):
            return out + ["quota_rule 必须是 层标签 → 比例字符串 的映射"]
        for label, ratio in quota_rule.items():
            if label not in quotas:
                out.append(f"quota_rule 中的层 {label} 没有对应的配额")
                continue
            try:
                k = quota_from_ratio(strata.get(label, 0), ratio)
            except ProtocolError as exc:
                out.append(f"quota_rule[{label}]：{exc}")
                continue
            if quotas[label] != k:
                out.append(
                    f"层 {label} 的配额 {quotas[label]} 与比例 {ratio} 不符："
                    f"ceil({strata.get(label, 0)} × {ratio}) = {k}"
                )
    return out


def select(
    population,
    seed_hex: str,
    quotas: Mapping,
    reserves: Mapping | None = None,
    *,
    processes: int | None = None,
    parallel_min: int = PARALLEL_MIN,
):
    """第 4 节：按键抽取。返回 (selected, reserve_list)，元素为 {rank, uid, stratum, key}。

    population 是人口文件的字节（先按第 1 节校验），或 (uid, stratum) 的可迭代对象（任意顺序）。
    候选数超过 parallel_min 时用 fork 出的 processes 个进程（默认为可用 CPU 数）。
    """
    strata, selected, reserve_list, _ = _draw(
        population, seed_hex, quotas, reserves, processes=processes, parallel_min=parallel_min
    )
    problems = quota_problems(strata, quotas, reserves)
    if problems:
        raise ProtocolError(problems[0])
    return selected, reserve_list


# ---------------------------------------------------------------- 检查人员匹配


def _order_chunk(payload, start: int, end: int) -> list:
    """payload = (seed_hex, uids, lists)：对 uids[start:end] 的每个对象，给出其可选人员按
    ikey 升序（同键按 id）的下标序列。每对 (对象, 人员) 一次 SHA-256：对象前缀只算一次。"""
    seed_hex, uids, lists = payload
    head = f"{seed_hex}\ninspector\n".encode()
    out = []
    for uid in uids[start:end]:
        ids = lists[uid]
        prefix = hashlib.sha256(head + uid.encode() + b"\n")
        keys = []
        for j, i in enumerate(ids):
            h = prefix.copy()
            h.update(i.encode())
            keys.append((h.digest(), i, j))
        keys.sort()
        out.append(array("I", [k[2] for k in keys]))
    return out


def _inspector_orders(seed_hex, uids, lists, processes, parallel_min) -> list:
    pairs = sum(len(lists[u]) for u in uids)
    procs = _processes(processes, pairs, parallel_min)
    if procs <= 1:
        return _order_chunk((seed_hex, uids, lists), 0, len(uids))
    parts = procs * 4
    bounds = [len(uids) * k // parts for k in range(parts + 1)]
    jobs = [(a, b) for a, b in zip(bounds, bounds[1:], strict=False) if b > a]
    with _executor((seed_hex, uids, lists), procs) as run:
        chunks = run(_order_chunk, jobs)
    return [order for chunk in chunks for order in chunk]


def match_inspectors(
    seed_hex: str,
    uids: list[str],
    eligible: Mapping,
    per_target: int,
    *,
    processes: int | None = None,
    parallel_min: int = PARALLEL_MIN,
) -> dict:
    """第 5 节：按名次为每个入选对象匹配 per_target 名检查人员。

    uids 为入选对象（按 rank 顺序），eligible 为 uid → 可选检查人员 id 列表。返回记录中的
    inspectors 一节：{per_target, cap, eligible, assignments}。
    """
    _check_seed_hex(seed_hex)
    if not isinstance(per_target, int) or isinstance(per_target, bool) or per_target < 1:
        raise ProtocolError("per_target 必须是正整数")
    if not isinstance(eligible, Mapping):
        raise ProtocolError("eligible 必须是 uid → 检查人员 id 列表 的映射")
    selected = set(uids)
    extra = [u for u in eligible if u not in selected]
    if extra:
        raise ProtocolError(f"eligible 含未入选的对象 {extra[0]}")
    lists = {}
    for uid in uids:
        ids = eligible.get(uid, [])
        if not isinstance(ids, (list, tuple)) or not all(isinstance(i, str) and i for i in ids):
            raise ProtocolError(f"eligible[{uid}] 必须是非空字符串 id 的列表")
        if len(set(ids)) != len(ids):
            raise ProtocolError(f"eligible[{uid}] 中有重复的检查人员")
        lists[uid] = sorted(ids)
    n, targets = per_target, len(uids)
    pool = len({i for ids in lists.values() for i in ids})
    cap = -((-n * targets) // pool) if pool else 0
    orders = _inspector_orders(seed_hex, uids, lists, processes, parallel_min)
    load: Counter = Counter()
    assignments = []
    for uid, order in zip(uids, orders, strict=True):
        ids = lists[uid]
        chosen = []
        for j in order:
            if load[ids[j]] < cap:
                chosen.append(ids[j])
                if len(chosen) == n:
                    break
        relaxed = len(chosen) < n
        if relaxed:
            for j in order:
                if len(chosen) == n:
                    break
                if ids[j] not in chosen:
                    chosen.append(ids[j])
        load.update(chosen)
        flags = ["unmatched"] if len(ids) < n else ["cap_relaxed"] if relaxed else []
        assignments.append({"uid": uid, "inspectors": chosen, "flags": flags})
    return {"per_target": n, "cap": cap, "eligible": lists, "assignments": assignments}


def match_joint(seed_hex: str, uids: list[str], departments: Iterable[Mapping]) -> list[dict]:
    """联合任务：每个部门 {department, per_target, eligible} 各匹配一次，按给定顺序返回各节。"""
    sections = []
    for dept in departments:
        name = dept.get("department")
        if not isinstance(name, str) or not name:
            raise ProtocolError("联合任务的每一节都要有 department")
        section = match_inspectors(seed_hex, uids, dept.get("eligible", {}), dept.get("per_target"))
        sections.append({"department": name, **section})
    return sections


# ---------------------------------------------------------------- 承诺与熵


def entropy_problems(commitments, entropy) -> list[str]:
    """第 3 节：每个承诺恰有一条揭示值且相符；未承诺的公开值至多一条，且在承诺各条之后。"""
    out = []
    if not isinstance(commitments, list) or not isinstance(entropy, list):
        return ["commitments 与 entropy 都必须是列表"]
    committed = {}
    for i, c in enumerate(commitments):
        if not isinstance(c, Mapping) or set(c) != {"label", "commitment"}:
            out.append(f"commitments[{i}] 应为 {{label, commitment}}")
            continue
        label, value = c["label"], c["commitment"]
        if not isinstance(label, str) or not _LABEL_RE.fullmatch(label):
            out.append(f"commitments[{i}] 的标签 {label!r} 不合规")
        elif label in committed:
            out.append(f"标签 {label} 有多个承诺")
        elif not isinstance(value, str) or not _HEX64_RE.fullmatch(value):
            out.append(f"commitments[{i}]（{label}）不是 64 位小写十六进制")
        else:
            committed[label] = value
    if len(commitments) < 2:
        out.append(f"承诺只有 {len(commitments)} 个，至少要两方（任务执行方与见证方）")
    revealed = {}
    public = []
    for i, entry in enumerate(entropy):
        try:
            label, value = split_entropy(entry)
        except ProtocolError as exc:
            out.append(f"entropy[{i}]：{exc}")
            continue
        if label in revealed or label in public:
            out.append(f"熵标签 {label} 出现不止一次")
        elif label in committed:
            if public:
                out.append(f"entropy[{i}]（{label}）是承诺过的值，却排在未承诺的公开值之后")
            revealed[label] = value
            if commitment(label, value) != committed[label]:
                out.append(f"{label} 的揭示值与其承诺不符")
        else:
            public.append(label)
    for label in committed:
        if label not in revealed:
            out.append(f"承诺 {label} 没有揭示值")
    if len(public) > 1:
        out.append(f"未承诺的熵至多一条（公开值），实有 {len(public)} 条：{', '.join(public)}")
    return out


# ---------------------------------------------------------------- 记录


def make_record(
    task_code: str,
    population,
    quotas: Mapping,
    *,
    commitments,
    entropy: list[str],
    created_at: str,
    quota_rule: Mapping | None = None,
    reserves: Mapping | None = None,
    inspectors=None,
    selection=None,
    processes: int | None = None,
    parallel_min: int = PARALLEL_MIN,
    explicit_zeros: bool = False,
) -> dict:
    """生成完整的抽取记录（键的顺序同规范示例）。

    population：人口文件字节；或已冻结人口的 {digest, count, strata}，此时 selection 须给出
    (selected, reserve_list)（例如在数据库里用 SQL 算出）。quota_rule 里的层可以不在 quotas
    中（由比例算出）。commitments：[{label, commitment}] 或 label → commitment。
    inspectors：{per_target, eligible}，或联合任务的 [{department, per_target, eligible}]。
    explicit_zeros：把人口中有、配额中没有的层以 0 写进 quotas（公开时一目了然）。
    """
    if isinstance(commitments, Mapping):
        commitments = [{"label": k, "commitment": v} for k, v in commitments.items()]
    commitments = [{"label": c["label"], "commitment": c["commitment"]} for c in commitments]
    entropy = list(entropy)
    problems = entropy_problems(commitments, entropy)
    if problems:
        raise ProtocolError(problems[0])
    if isinstance(population, (bytes, bytearray, memoryview)):
        data = bytes(population)
        compute_seed(task_code, "0" * 64, entropy)  # 先校验任务编号与熵的形式
        found = {}

        def seed_hex_of_file() -> str:  # 子进程校验文件时，父进程算摘要与种子
            found["digest"] = digest(data)
            found["seed"] = compute_seed(task_code, found["digest"], entropy).hex()
            return found["seed"]

    else:
        data = None
        pop_digest = population["digest"]
        seed_hex = compute_seed(task_code, pop_digest, entropy).hex()
    quotas = dict(quotas)
    reserves = {k: v for k, v in sorted((reserves or {}).items())}
    rule = {k: v for k, v in sorted((quota_rule or {}).items())}
    if data is not None:
        strata, selected, reserve_list, quotas = _draw(
            data,
            seed_hex_of_file,
            quotas,
            reserves,
            quota_rule=rule,
            processes=processes,
            parallel_min=parallel_min,
        )
        pop_digest, seed_hex = found["digest"], found["seed"]
        quotas = dict(sorted(quotas.items()))
    else:
        strata = dict(population["strata"])
        for label, ratio in rule.items():
            quotas.setdefault(label, quota_from_ratio(strata.get(label, 0), ratio))
        quotas = dict(sorted(quotas.items()))
        selected, reserve_list = selection
    problems = quota_problems(strata, quotas, reserves, rule)
    if problems:
        raise ProtocolError(problems[0])
    if explicit_zeros:
        quotas = dict(sorted((dict.fromkeys(strata, 0) | quotas).items()))
    record = {
        "protocol": PROTOCOL,
        "task_code": task_code,
        "population": {"digest": pop_digest, "count": sum(strata.values()), "strata": strata},
        "quotas": quotas,
    }
    if rule:
        record["quota_rule"] = rule
    if reserves:
        record["reserves"] = reserves
    record["commitments"] = commitments
    record["entropy"] = entropy
    record["seed"] = seed_hex
    record["selected"] = selected
    if reserves:
        record["reserve_list"] = reserve_list
    if inspectors is not None:
        uids = [s["uid"] for s in selected]
        if isinstance(inspectors, Mapping):
            record["inspectors"] = match_inspectors(
                seed_hex, uids, inspectors.get("eligible", {}), inspectors.get("per_target")
            )
        else:
            record["inspectors"] = match_joint(seed_hex, uids, inspectors)
    record["created_at"] = created_at
    return record


def record_json(record: dict) -> bytes:
    """发布用的规范序列化：UTF-8、ensure_ascii=False、indent=1、结尾 LF。"""
    return (json.dumps(record, ensure_ascii=False, indent=1) + "\n").encode()


# ---------------------------------------------------------------- 核验


def _compare_entries(name: str, got, expected: list[dict]) -> list[str]:
    if not isinstance(got, list):
        return [f"{name} 必须是列表"]
    out = []
    for i in range(max(len(got), len(expected))):
        if i >= len(got):
            out.append(f"{name} 缺少第 {i + 1} 项（应为 uid {expected[i]['uid']}）")
            break
        if i >= len(expected):
            out.append(f"{name} 多出第 {i + 1} 项（{_uid_of(got[i])}）")
            break
        g, e = got[i], expected[i]
        if g == e:
            continue
        if not isinstance(g, Mapping):
            out.append(f"{name}[{i}] 不是对象")
        else:
            for field in e:
                if g.get(field) != e[field]:
                    out.append(
                        f"{name}[{i}].{field} 不符：记录为 {g.get(field)!r}，重算为 {e[field]!r}"
                    )
                    break
            else:
                extra = sorted(set(g) - set(e))
                out.append(f"{name}[{i}] 有多余字段 {', '.join(map(str, extra))}")
        if len(out) >= _MAX_REPORTED:
            out.append(f"{name} 还有其他不符之处（只列出前 {_MAX_REPORTED} 处）")
            break
    return out


def _uid_of(entry) -> str:
    return f"uid {entry.get('uid')}" if isinstance(entry, Mapping) else repr(entry)


def _inspector_problems(section, seed_hex: str, uids: list[str]) -> list[str]:
    sections = section if isinstance(section, list) else [section]
    out = [] if sections else ["inspectors 是空列表（联合任务至少要有一个部门）"]
    for n, sec in enumerate(sections):
        name = "inspectors" if not isinstance(section, list) else f"inspectors[{n}]"
        if not isinstance(sec, Mapping):
            out.append(f"{name} 必须是对象")
            continue
        try:
            if isinstance(section, list):
                exp = match_joint(seed_hex, uids, [sec])[0]
            else:
                exp = match_inspectors(
                    seed_hex, uids, sec.get("eligible", {}), sec.get("per_target")
                )
        except ProtocolError as exc:
            out.append(f"{name}：{exc}")
            continue
        elig = sec.get("eligible")
        if isinstance(elig, Mapping) and any(u not in elig for u in uids):
            missing = next(u for u in uids if u not in elig)
            out.append(f"{name}.eligible 缺少入选对象 {missing}")
        if sec.get("cap") != exp["cap"]:
            out.append(f"{name}.cap 不符：记录为 {sec.get('cap')!r}，重算为 {exp['cap']}")
        out += _compare_entries(f"{name}.assignments", sec.get("assignments"), exp["assignments"])
        known = {"per_target", "cap", "eligible", "assignments"}
        if isinstance(section, list):
            known.add("department")
        extra = sorted(map(str, set(sec) - known))
        if extra:
            out.append(f"{name} 有多余字段 {', '.join(extra)}")
    return out


def _common_problems(record) -> tuple[list[str], str | None]:
    """协议名、承诺与熵、种子。返回 (问题, 重算的 seed_hex 或 None)。"""
    out = []
    if record.get("protocol") != PROTOCOL:
        out.append(f"protocol 应为 {PROTOCOL}，记录为 {record.get('protocol')!r}")
    out += entropy_problems(record.get("commitments"), record.get("entropy"))
    pop = record.get("population")
    try:
        seed_hex = compute_seed(
            record.get("task_code"),
            pop.get("digest") if isinstance(pop, Mapping) else None,
            record.get("entropy") or [],
        ).hex()
    except (ProtocolError, TypeError) as exc:
        return out + [f"无法重算种子：{exc}"], None
    if record.get("seed") != seed_hex:
        out.append(f"seed 不符：记录为 {record.get('seed')!r}，由公开材料重算为 {seed_hex}")
    return out, seed_hex


def _population_section(record) -> tuple[list[str], Mapping | None]:
    pop = record.get("population")
    if not isinstance(pop, Mapping) or not isinstance(pop.get("strata"), Mapping):
        return ["population 应为 {digest, count, strata}"], None
    for label, n in pop["strata"].items():
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            return [f"population.strata[{label}] 应为非负整数"], None
    return [], pop


def _optional_mappings(record) -> list[str]:
    out = []
    for name in ("quotas", "reserves", "quota_rule"):
        if name in record and not isinstance(record[name], Mapping):
            out.append(f"{name} 必须是对象")
    return out


def verify_record(
    record: dict,
    population_bytes: bytes,
    *,
    processes: int | None = None,
    parallel_min: int = PARALLEL_MIN,
) -> list[str]:
    """第 6 节的完整核验。返回不符之处（空列表 = 记录成立），第一条最要紧。"""
    if not isinstance(record, Mapping):
        return ["记录不是 JSON 对象"]
    out, pop = _population_section(record)
    if pop is None:
        return out
    data = bytes(population_bytes)
    quotas, reserves = record.get("quotas"), record.get("reserves", {})
    rule = record.get("quota_rule")
    common, seed_hex = _common_problems(record)
    found = {}

    def seed_hex_for_draw() -> str:  # 子进程校验文件时，父进程算文件摘要
        found["digest"] = digest(data)
        return seed_hex or "0" * 64

    strata, problem = None, None
    try:
        strata, selected, reserve_list, _ = _draw(
            data,
            seed_hex_for_draw,
            quotas,
            reserves,
            processes=processes,
            parallel_min=parallel_min,
        )
    except ProtocolError as exc:
        problem = f"人口文件或配额无效：{exc}"
    file_digest = found.get("digest") or digest(data)
    if pop.get("digest") != file_digest:
        out.append(
            f"population.digest 与人口文件不符：记录为 {pop.get('digest')!r}，文件为 {file_digest}"
        )
    out += _optional_mappings(record)
    if problem:
        out.append(problem)
    if strata is not None:
        if pop.get("count") != sum(strata.values()):
            out.append(
                f"population.count 不符：记录为 {pop.get('count')!r}，文件为 {sum(strata.values())}"
            )
        if dict(pop["strata"]) != strata:
            out.append(f"population.strata 不符：记录为 {dict(pop['strata'])}，文件为 {strata}")
        out += quota_problems(strata, quotas, reserves, rule)
    out += common
    if strata is not None and seed_hex is not None:
        out += _compare_entries("selected", record.get("selected"), selected)
        out += _compare_entries("reserve_list", record.get("reserve_list", []), reserve_list)
        if "inspectors" in record:
            out += _inspector_problems(record["inspectors"], seed_hex, [s["uid"] for s in selected])
    return out


# ---------------------------------------------------------------- 公开形式（第 8 节）


def eligible_digest(eligible: Mapping) -> str:
    """第 8 节：公开记录里 eligible 换成它的摘要（键排序、无空格、UTF-8 的 JSON 的 SHA-256）。"""
    text = json.dumps(eligible, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return digest(text.encode("utf-8"))


def _public_section(section: Mapping) -> dict:
    """检查人员一节的公开形式：谁对某一对象不可选会透露申报的回避、休假或轮岗，只留摘要。"""
    return {
        ("eligible_digest" if k == "eligible" else k): (
            eligible_digest(v) if k == "eligible" else v
        )
        for k, v in section.items()
    }


def _public_inspector_problems(section, uids: list[str]) -> list[str]:
    """公开核验检查人员：每个入选对象一项、顺序相同，人员不重复且不超过 per_target。"""
    sections = section if isinstance(section, list) else [section]
    out = [] if sections else ["inspectors 是空列表（联合任务至少要有一个部门）"]
    for n, sec in enumerate(sections):
        name = "inspectors" if not isinstance(section, list) else f"inspectors[{n}]"
        if not isinstance(sec, Mapping):
            out.append(f"{name} 必须是对象")
            continue
        if "eligible" in sec:
            out.append(f"{name} 含 eligible（公开记录只给 eligible_digest）")
        if not re.fullmatch(r"[0-9a-f]{64}", str(sec.get("eligible_digest", ""))):
            out.append(f"{name}.eligible_digest 应为 64 位十六进制")
        per = sec.get("per_target")
        if type(per) is not int or per < 1:
            out.append(f"{name}.per_target 必须是正整数")
            continue
        got = sec.get("assignments")
        if (
            not isinstance(got, list)
            or [a.get("uid") for a in got if isinstance(a, Mapping)] != uids
        ):
            out.append(f"{name}.assignments 应按名次为每个入选对象各列一项")
            continue
        for a in got:
            ids = a.get("inspectors")
            if not isinstance(ids, list) or len(set(ids)) != len(ids) or len(ids) > per:
                out.append(f"{name} 中 {a.get('uid')} 的检查人员重复或多于 {per} 名")
            elif len(ids) < per and "unmatched" not in (a.get("flags") or []):
                out.append(f"{name} 中 {a.get('uid')} 的检查人员少于 {per} 名却未标 unmatched")
        known = {"per_target", "cap", "eligible", "eligible_digest", "assignments"}
        if isinstance(section, list):
            known.add("department")
        extra = sorted(map(str, set(sec) - known))
        if extra:
            out.append(f"{name} 有多余字段 {', '.join(extra)}")
    return out


def public_form(record: dict, population_bytes: bytes) -> tuple[dict, bytes]:
    """信用风险分类不公开时的公开记录与一列人口文件。层标签换成 S1、S2……（按标签顺序）。"""
    rows = parse_population(population_bytes)
    labels = sorted(record["population"]["strata"])
    opaque = {label: f"S{i}" for i, label in enumerate(labels, start=1)}
    public_pop = PUBLIC_HEADER + b"".join(uid.encode() + b"\n" for uid, _ in rows)
    out = {}
    for key, value in record.items():
        if key == "population":
            out[key] = {
                "digest": value["digest"],
                "count": value["count"],
                "strata": {opaque[k]: v for k, v in value["strata"].items()},
            }
            out["public_population"] = {"digest": digest(public_pop), "count": len(rows)}
        elif key in ("quotas", "reserves"):
            out[key] = {opaque[k]: v for k, v in value.items()}
        elif key == "quota_rule":
            continue
        elif key == "inspectors":
            out[key] = (
                [_public_section(sec) for sec in value]
                if isinstance(value, list)
                else _public_section(value)
            )
        elif key in ("selected", "reserve_list"):
            out[key] = [{k: v for k, v in e.items() if k != "stratum"} for e in value]
        else:
            out[key] = value
    return out, public_pop


def _scan_public(data: bytes, wanted: set[bytes]) -> tuple[int, set[bytes]]:
    """校验一列人口文件并找出 wanted 中出现的 uid。返回 (行数, 找到的 uid)。"""
    if not data.startswith(PUBLIC_HEADER) or not data.endswith(b"\n"):
        _raise_file_error(data, public=True)
    found, rows, last, pos = set(), 0, None, len(PUBLIC_HEADER)
    while pos < len(data):
        stop = data.find(b"\n", min(pos + _PIECE, len(data)) - 1) + 1
        piece = data[pos:stop]
        uids = piece.split(b"\n")[:-1]
        if (
            not _bulk_ok(piece, public=True)
            or (last is not None and last >= uids[0])
            or not all(map(lt, uids, islice(uids, 1, None)))
        ):
            _raise_file_error(data, public=True)
        last = uids[-1]
        rows += len(uids)
        found.update(wanted.intersection(uids))
        pos = stop
    return rows, found


def verify_public_record(record: dict, public_population_bytes: bytes) -> list[str]:
    """第 8 节的公开核验：承诺、种子、每个键、uid 在公开文件中、顺序与名次、K = 配额之和。"""
    if not isinstance(record, Mapping):
        return ["记录不是 JSON 对象"]
    out, pop = _population_section(record)
    if pop is None:
        return out
    pub = record.get("public_population")
    data = bytes(public_population_bytes)
    if not isinstance(pub, Mapping):
        return out + ["缺少 public_population {digest, count}"]
    if pub.get("digest") != digest(data):
        out.append(
            f"public_population.digest 与公开人口文件不符：记录为 {pub.get('digest')!r}，"
            f"文件为 {digest(data)}"
        )
    quotas, reserves = record.get("quotas"), record.get("reserves", {})
    out += _optional_mappings(record)
    strata = pop["strata"]
    entries = {}
    for name in ("selected", "reserve_list"):
        lst = record.get(name, [])
        if not isinstance(lst, list) or not all(isinstance(e, Mapping) for e in lst):
            out.append(f"{name} 必须是对象列表")
            lst = []
        entries[name] = lst
    wanted = {
        e["uid"].encode() for lst in entries.values() for e in lst if isinstance(e.get("uid"), str)
    }
    try:
        rows, found = _scan_public(data, wanted)
        if pub.get("count") != rows:
            out.append(f"public_population.count 不符：记录为 {pub.get('count')!r}，文件为 {rows}")
        if pop.get("count") != rows:
            out.append(f"population.count 为 {pop.get('count')!r}，公开人口文件有 {rows} 个 uid")
    except ProtocolError as exc:
        out.append(f"公开人口文件无效：{exc}")
        found = None
    if sum(v for v in strata.values() if isinstance(v, int)) != pop.get("count"):
        out.append("population.strata 各层之和不等于 population.count")
    out += quota_problems(strata, quotas if isinstance(quotas, Mapping) else {}, reserves)
    if "quota_rule" in record:
        out.append("公开记录不应含 quota_rule")
    common, seed_hex = _common_problems(record)
    out += common
    if seed_hex is None:
        return out
    totals = {"selected": quotas, "reserve_list": reserves}
    for name, lst in entries.items():
        problems = []
        prev = None
        for i, e in enumerate(lst):
            uid = e.get("uid")
            if not isinstance(uid, str) or not uid:
                problems.append(f"{name}[{i}] 缺少 uid")
                continue
            if "stratum" in e:
                problems.append(f"{name}[{i}] 含 stratum（公开记录不应公开分层）")
            key = candidate_key(seed_hex, uid)
            if e.get("key") != key:
                problems.append(f"{name}[{i}].key 不符：记录为 {e.get('key')!r}，重算为 {key}")
            if e.get("rank") != i + 1:
                problems.append(f"{name}[{i}].rank 应为 {i + 1}，记录为 {e.get('rank')!r}")
            if found is not None and uid.encode() not in found:
                problems.append(f"{name}[{i}] 的 uid {uid} 不在公开人口文件中")
            if prev is not None and (key, uid.encode()) <= prev:
                problems.append(f"{name}[{i}] 未按键升序排列")
            prev = (key, uid.encode())
            if len(problems) >= _MAX_REPORTED:
                break
        out += problems
        total = totals[name]
        if isinstance(total, Mapping) and all(isinstance(v, int) for v in total.values()):
            if len(lst) != sum(total.values()):
                out.append(f"{name} 有 {len(lst)} 项，应为各层之和 {sum(total.values())}")
        uids = [e.get("uid") for e in lst]
        if len(set(uids)) != len(uids):
            out.append(f"{name} 中有重复的 uid")
    all_uids = [e.get("uid") for e in entries["selected"] + entries["reserve_list"]]
    if len(set(all_uids)) != len(all_uids):
        out.append("同一 uid 既入选又是备选")
    if "inspectors" in record:
        selected = [e.get("uid") for e in entries["selected"]]
        sections = record["inspectors"]
        legacy = any(  # 第 8 节修订之前的公开记录仍带 eligible，照完整规则复算
            isinstance(sec, Mapping) and "eligible" in sec and "eligible_digest" not in sec
            for sec in (sections if isinstance(sections, list) else [sections])
        )
        if legacy:
            out += _inspector_problems(sections, seed_hex, selected)
        else:
            out += _public_inspector_problems(sections, selected)
    return out


def is_public_record(record) -> bool:
    return isinstance(record, Mapping) and "public_population" in record
