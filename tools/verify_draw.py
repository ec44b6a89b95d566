#!/usr/bin/env python3
"""核验一次公开的双随机抽取（协议 shuangsui-draw-v1）。
Verify a published random draw (protocol shuangsui-draw-v1).

用法 Usage:  python3 verify_draw.py RECORD.json POPULATION.csv

只用 Python 标准库，不依赖平台的代码：它按公开规范独立重算一遍。
Standard library only and independent of the platform's code: it re-runs the draw from the spec.

- 完整记录 + 两列人口文件（uid,stratum）：完整核验（规范第 6 节）。
  Full record + two-column population file: the complete check (spec section 6).
- 公开记录（含 public_population）+ 一列人口文件（uid）：公开核验（第 8 节）。
  Public record (with public_population) + one-column file (uid): the public check (section 8).

退出码 Exit code: 0 记录成立 valid；1 有不符之处 discrepancy；2 用法或文件错误 usage/file error.

大文件分段交给多个进程（每个 CPU 一个）并行检查，结果与逐行顺序检查相同，错误的行号也相同。
环境变量 VERIFY_DRAW_PART_BYTES 可以限定每段的最大字节数（测试用它强制分成很多段）。
Large files are split at line boundaries and checked by one process per CPU; the result and the
line numbers in error messages are those of a line-by-line check. VERIFY_DRAW_PART_BYTES caps the
size of a part (the tests use it to force many parts).
"""

import hashlib
import importlib
import json
import math
import multiprocessing
import os
import re
import sys
from decimal import Decimal, localcontext

PROTOCOL = "shuangsui-draw-v1"


class Discrepancy(Exception):
    """记录不成立。The record does not hold."""


def check(condition, message):
    if not condition:
        raise Discrepancy(message)


def sha256_hex(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def builtin_sha256():
    """CPython 自带的 SHA-256 实现（3.12 起在 _sha2，3.11 在 _sha256），没有就用 hashlib 的。
    与 hashlib.sha256 是同一个函数，只是上千万次小哈希时调用开销小得多（hashlib 每次复制都要
    复制 OpenSSL 的上下文）。
    CPython's own SHA-256 (the same function as hashlib.sha256, which calls OpenSSL): much less
    overhead per call when hashing ten million short strings; hashlib is the fallback."""
    for name in ("_sha2", "_sha256"):
        try:
            return importlib.import_module(name).sha256
        except ImportError:
            pass
    return hashlib.sha256


# ---------------------------------------------------------------- 人口文件 population file
#
# 文件按行边界切成几段，每段由一个进程检查（check_part），父进程合并各段的结果（read_population），
# 并检查相邻两段交界处的 uid 顺序。每段都给出：行数、首末 uid、第一处错误（段内行号）、
# 编码问题，以及抽取所需的各层人数和各层键最小的候选。
# The file is cut at line boundaries into parts, each checked by one process (check_part); the
# parent merges them (read_population) and checks the uid order where two parts meet.

BLOCK = 1 << 17  # 每次读 128 KiB / read 128 KiB at a time


def file_digest(path):
    with open(path, "rb") as f:
        h = hashlib.sha256()
        while block := f.read(BLOCK):
            h.update(block)
    return h.hexdigest()


def blocks_of(path, start, end):
    """读出文件的字节 [start, end)，每块约 BLOCK 字节，都在行尾（LF 之后）切开。
    Bytes [start, end) of the file in blocks of about BLOCK bytes, each ending just after an LF."""
    with open(path, "rb") as f:
        f.seek(start)
        rest, left = b"", end - start
        while left > 0:
            data = f.read(min(BLOCK, left))
            if not data:
                break
            left -= len(data)
            block = rest + data
            cut = block.rfind(b"\n") + 1 if left > 0 else len(block)
            rest = block[cut:]
            if cut:
                yield block[:cut]


def check_part(part):
    """检查一段（整行），并为抽取数各层人数、保留各层键最小的 k+m 个候选。在工作进程里运行。
    Check one part (whole lines); for the draw, count each stratum and keep the k+m smallest keys
    of each stratum. Runs in a worker process.

    wanted：两列文件为 层 → k+m（只列 k+m > 0 的层），一列文件为要找的 uid 集合。
    wanted: stratum -> k+m (k+m > 0) for a two-column file; for a one-column file, the uids to find.
    行号从本段第一行的 1 起算，父进程再换算成文件的行号。
    Line numbers count from 1 at the first line of the part; the parent makes them file-wide.
    """
    path, start, end, columns, seed, wanted = part
    lines, first, previous, problem = 0, None, b"", None
    not_utf8 = quote_or_cr = False
    counts, found = {}, set()
    kept = {stratum: [] for stratum in wanted} if columns == 2 else {}
    limit = {stratum: b"\xff" * 33 for stratum in kept}  # 大于任何键 / above every key
    copy = builtin_sha256()(f"{seed}\n".encode()).copy if columns == 2 else None
    for block in blocks_of(path, start, end):
        try:
            block.decode("utf-8")  # 编码问题对整个文件报告 / reported for the whole file
        except UnicodeDecodeError:
            not_utf8 = True
        if b'"' in block or b"\r" in block:
            quote_or_cr = True
        if problem:
            continue  # 只报告第一处错误，但仍检查编码 / after an error, check the encoding only
        if first is None:
            first = block[: block.index(b"\n")].split(b",")[0]
        rows = block[:-1].split(b"\n")
        for number, row in enumerate(rows, start=lines + 1):
            fields = row.split(b",")
            if len(fields) != columns or not fields[0] or not fields[-1]:
                problem = (number, "malformed")
                break
            uid = fields[0]
            if uid <= previous:
                problem = (number, "order")
                break
            previous = uid
            if columns == 1:
                if uid in wanted:
                    found.add(uid)
                continue
            stratum = fields[1]
            counts[stratum] = counts.get(stratum, 0) + 1
            if stratum in kept:
                h = copy()
                h.update(uid)
                key = h.digest()
                if key <= limit[stratum]:
                    # 键定长 32 字节，所以 键+uid 的字节串按键排序（键相同再按 uid）
                    # keys are 32 bytes long, so key+uid strings sort by key, then uid
                    bucket = kept[stratum]
                    bucket.append(key + uid)
                    if len(bucket) > 2 * wanted[stratum] + 1000:  # 只留前 k+m 个 / keep k+m
                        bucket.sort()
                        del bucket[wanted[stratum] :]
                        limit[stratum] = bucket[-1][:32]
        lines += len(rows)
    for stratum, bucket in kept.items():
        bucket.sort()
        kept[stratum] = [(ku[:32], ku[32:]) for ku in bucket[: wanted[stratum]]]  # (键 key, uid)
    return {
        "lines": lines,
        "first": first,
        "last": previous or None,
        "problem": problem,
        "not_utf8": not_utf8,
        "quote_or_cr": quote_or_cr,
        "counts": counts,
        "kept": kept,
        "found": found,
    }


def split_file(path, size, parts):
    """把文件（表头之后）切成至多 parts 段，每段由整行组成。Cut into whole-line parts."""
    bounds = [0]
    with open(path, "rb") as f:
        f.readline()
        bounds[0] = f.tell()
        for i in range(1, parts):
            f.seek(max(bounds[-1], size * i // parts))
            f.readline()  # 跳到下一行的开头 / move to the start of the next line
            if f.tell() >= size:
                break
            bounds.append(f.tell())
    bounds.append(size)
    return list(zip(bounds, bounds[1:], strict=False))


def read_population(path, columns, seed=None, wanted=None):
    """检查人口文件并合并各段的结果。Check the population file and merge the parts."""
    header = b"uid,stratum\n" if columns == 2 else b"uid\n"
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        head = f.read(len(header))
        f.seek(max(size - 1, 0))
        last_byte = f.read(1)
    check(
        head == header,
        f"人口文件第 1 行须恰为 {header.decode().strip()}（UTF-8 无 BOM，LF）"
        f" / population file: line 1 must be exactly '{header.decode().strip()}'",
    )
    check(last_byte == b"\n", "人口文件缺少结尾换行 / population file: no final LF")
    processes = os.cpu_count() or 1
    part_bytes = int(os.environ.get("VERIFY_DRAW_PART_BYTES", 0)) or max(size // processes, 1)
    cuts = split_file(path, size, max(1, -(-size // part_bytes)))
    jobs = [(path, a, b, columns, seed, wanted or {}) for a, b in cuts if b > a]
    if len(jobs) > 1 and processes > 1:
        with multiprocessing.Pool(min(processes, len(jobs))) as pool:
            results = pool.map(check_part, jobs, chunksize=1)
    else:
        results = [check_part(job) for job in jobs]
    check(
        not any(r["not_utf8"] for r in results),
        "人口文件不是有效的 UTF-8 / population file is not valid UTF-8",
    )
    check(
        not any(r["quote_or_cr"] for r in results),
        "人口文件含引号或 CR / population file contains a quote or a CR",
    )
    number, previous = 1, b""  # 已检查到的行号（表头为第 1 行）/ lines checked so far
    for r in results:
        problem = r["problem"]
        if problem == (1, "malformed"):
            pass  # 首行本身格式不对，先于顺序报告 / its own format is reported first
        elif r["first"] is not None and r["first"] <= previous:
            problem = (1, "order")
        if problem:
            line, kind = problem
            line += number
            if kind == "malformed":
                raise Discrepancy(
                    f"人口文件第 {line} 行格式不对 / population file: line {line} is malformed"
                )
            raise Discrepancy(
                f"人口文件第 {line} 行的 uid 未按字节升序或重复"
                f" / population file: line {line}: uid not strictly ascending"
            )
        number += r["lines"]
        previous = r["last"] or previous
    return results


# ---------------------------------------------------------------- 承诺、熵、种子 commitments, seed


def check_seed(record):
    commitments, entropy = record.get("commitments"), record.get("entropy")
    check(
        isinstance(commitments, list) and isinstance(entropy, list),
        "commitments 与 entropy 须为列表 / commitments and entropy must be lists",
    )
    check(len(commitments) >= 2, "至少要两方承诺 / at least two commitments are required")
    revealed = {}
    for entry in entropy:
        check(
            isinstance(entry, str) and "=" in entry and "\n" not in entry,
            f"熵条目不合规 / bad entropy entry: {entry!r}",
        )
        label, value = entry.split("=", 1)
        check(re.fullmatch(r"[a-z0-9_-]+", label), f"熵标签不合规 / bad entropy label: {label!r}")
        check(label not in revealed, f"熵标签重复 / entropy label repeated: {label}")
        revealed[label] = value
    committed = []
    for c in commitments:
        label = c.get("label") if isinstance(c, dict) else None
        check(label in revealed, f"承诺 {label} 没有揭示值 / commitment {label} was never revealed")
        expected = sha256_hex(f"shuangsui-commit-v1\n{label}\n{revealed[label]}")
        check(
            c.get("commitment") == expected,
            f"{label} 的揭示值与承诺不符 / the value revealed for {label} does not match its commitment",
        )
        check(label not in committed, f"标签 {label} 有两个承诺 / two commitments for {label}")
        committed.append(label)
    labels = [entry.split("=", 1)[0] for entry in entropy]
    extra = [label for label in labels if label not in committed]
    check(len(extra) <= 1, f"未承诺的熵至多一条 / at most one uncommitted entry, got {extra}")
    check(
        not extra or labels[-1] == extra[0],
        "未承诺的公开值须排在最后 / the uncommitted public value must come last",
    )
    task_code, digest = record.get("task_code"), record.get("population", {}).get("digest")
    check(
        isinstance(task_code, str) and task_code and "\n" not in task_code,
        "task_code 不合规 / bad task_code",
    )
    check(
        isinstance(digest, str) and re.fullmatch(r"[0-9a-f]{64}", digest),
        "population.digest 不合规 / bad population.digest",
    )
    material = "".join(line + "\n" for line in [PROTOCOL, task_code, digest, *entropy])
    seed = sha256_hex(material)
    check(
        record.get("seed") == seed,
        f"种子不符 / seed mismatch: 记录 record {record.get('seed')}, 重算 recomputed {seed}",
    )
    return seed


# ---------------------------------------------------------------- 抽取 selection


def key_of(seed, uid):
    return sha256_hex(f"{seed}\n{uid}")


def redraw(path, seed, quotas, reserves):
    """重算每层的前 k 个与其后 m 个。Recompute the first k and next m of each stratum."""
    wanted = {}  # 层 → k+m / stratum -> k+m
    for s in set(quotas) | set(reserves):
        if quotas.get(s, 0) + reserves.get(s, 0) > 0:
            wanted[s.encode()] = quotas.get(s, 0) + reserves.get(s, 0)
    counts, kept = {}, {s: [] for s in wanted}  # 各段保留的 (键, uid) / (key, uid) from each part
    for part in read_population(path, columns=2, seed=seed, wanted=wanted):
        for stratum, n in part["counts"].items():
            counts[stratum] = counts.get(stratum, 0) + n
        for stratum, bucket in part["kept"].items():
            kept[stratum] += bucket
    selected, spare = [], []
    for stratum, bucket in kept.items():
        bucket.sort()
        k = quotas.get(stratum.decode(), 0)
        selected += [(key, uid, stratum) for key, uid in bucket[:k]]
        spare += [(key, uid, stratum) for key, uid in bucket[k : wanted[stratum]]]

    def ranked(items):
        return [
            {"rank": n, "uid": uid.decode(), "stratum": s.decode(), "key": key.hex()}
            for n, (key, uid, s) in enumerate(sorted(items), start=1)
        ]

    counts = {s.decode(): n for s, n in counts.items()}
    return counts, ranked(selected), ranked(spare)


def read_quotas(record):
    quotas, reserves = record.get("quotas"), record.get("reserves", {})
    for name, table in (("quotas", quotas), ("reserves", reserves)):
        check(isinstance(table, dict), f"{name} 须为对象 / {name} must be an object")
        for label, k in table.items():
            check(
                type(k) is int and 0 <= k, f"{name}[{label}] 须为非负整数 / must be an integer >= 0"
            )
    return quotas, reserves


def check_quotas(record, strata):
    quotas, reserves = read_quotas(record)
    for name, table in (("quotas", quotas), ("reserves", reserves)):
        for label in table:
            check(label in strata, f"{name} 中的层 {label} 不在人口中 / {name}: no stratum {label}")
    for label, size in strata.items():
        k, m = quotas.get(label, 0), reserves.get(label, 0)
        check(
            k + m <= size,
            f"层 {label}：配额 {k} + 备选 {m} 超过人数 {size}"
            f" / stratum {label}: quota {k} + reserves {m} exceed its size {size}",
        )
    rule = record.get("quota_rule", {})
    check(isinstance(rule, dict), "quota_rule 须为对象 / quota_rule must be an object")
    for label, ratio in rule.items():
        check(
            isinstance(ratio, str) and re.fullmatch(r"(0|[1-9][0-9]*)(\.[0-9]+)?", ratio),
            f"quota_rule[{label}] 不是十进制比例 / not a decimal ratio",
        )
        with localcontext() as ctx:
            ctx.prec = 200
            k = math.ceil(Decimal(strata.get(label, 0)) * Decimal(ratio))
        check(
            quotas.get(label) == k,
            f"层 {label} 的配额与比例 {ratio} 不符（应为 {k}）"
            f" / stratum {label}: quota does not match ratio {ratio} (expected {k})",
        )
    return quotas, reserves


def same_list(name, got, expected):
    check(isinstance(got, list), f"{name} 须为列表 / {name} must be a list")
    for n, (g, e) in enumerate(zip(got, expected, strict=False)):
        for field in ("rank", "uid", "stratum", "key"):
            if field in e:
                check(
                    isinstance(g, dict) and g.get(field) == e[field],
                    f"{name}[{n}].{field} 不符 / mismatch: 记录 record {g.get(field) if isinstance(g, dict) else g!r},"
                    f" 重算 recomputed {e[field]!r}",
                )
        check(set(g) == set(e), f"{name}[{n}] 字段不对 / unexpected fields: {sorted(g)}")
    check(
        len(got) == len(expected),
        f"{name} 项数不符 / length mismatch: 记录 record {len(got)}, 重算 recomputed {len(expected)}",
    )


# ---------------------------------------------------------------- 检查人员 inspectors


def check_inspectors(section, seed, uids, name):
    check(isinstance(section, dict), f"{name} 须为对象 / must be an object")
    n, eligible = section.get("per_target"), section.get("eligible")
    check(type(n) is int and n >= 1, f"{name}.per_target 须为正整数 / must be a positive integer")
    check(
        isinstance(eligible, dict) and set(eligible) <= set(uids),
        f"{name}.eligible 须只含入选对象 / may only list selected targets",
    )
    for uid, ids in eligible.items():
        check(
            isinstance(ids, list)
            and all(isinstance(i, str) and i for i in ids)
            and len(set(ids)) == len(ids),
            f"{name}.eligible[{uid}] 须为不重复的人员 id 列表 / must list distinct inspector ids",
        )
    pool = {i for uid in uids for i in eligible.get(uid, [])}
    cap = -(-n * len(uids) // len(pool)) if pool else 0  # 整数运算 / exact integer ceil
    check(
        section.get("cap") == cap,
        f"{name}.cap 不符 / mismatch: 记录 record {section.get('cap')}, 重算 {cap}",
    )
    load = {}
    expected = []
    for uid in uids:
        ids = eligible.get(uid, [])
        order = sorted(ids, key=lambda i: sha256_hex(f"{seed}\ninspector\n{uid}\n{i}"))
        chosen = [i for i in order if load.get(i, 0) < cap][:n]
        relaxed = len(chosen) < n
        chosen += [i for i in order if i not in chosen][: n - len(chosen)]
        for i in chosen:
            load[i] = load.get(i, 0) + 1
        flags = ["unmatched"] if len(order) < n else ["cap_relaxed"] if relaxed else []
        expected.append({"uid": uid, "inspectors": chosen, "flags": flags})
    got = section.get("assignments")
    check(
        isinstance(got, list) and len(got) == len(expected),
        f"{name}.assignments 项数不符 / wrong number of assignments",
    )
    for k, (g, e) in enumerate(zip(got, expected, strict=False)):
        check(
            g == e, f"{name}.assignments[{k}] 不符 / mismatch: 记录 record {g}, 重算 recomputed {e}"
        )


def check_public_inspectors(section, uids, name):
    """公开记录只有 eligible_digest（第 8 节）：每个入选对象一项，人员不重复、不超过 per_target。
    Public records carry only eligible_digest (section 8): one entry per selected target, distinct
    inspectors, at most per_target of them; the auditors check the digest against the full record."""
    check(isinstance(section, dict), f"{name} 须为对象 / must be an object")
    check("eligible" not in section, f"{name} 不应含 eligible / must not carry eligible")
    check(
        re.fullmatch(r"[0-9a-f]{64}", str(section.get("eligible_digest", ""))) is not None,
        f"{name}.eligible_digest 须为 64 位十六进制 / must be 64 hex digits",
    )
    n = section.get("per_target")
    check(type(n) is int and n >= 1, f"{name}.per_target 须为正整数 / must be a positive integer")
    got = section.get("assignments")
    check(
        isinstance(got, list)
        and [a.get("uid") if isinstance(a, dict) else None for a in got] == list(uids),
        f"{name}.assignments 须按名次每个入选对象一项 / one entry per selected target, in rank order",
    )
    for a in got:
        ids = a.get("inspectors")
        check(
            isinstance(ids, list) and len(set(ids)) == len(ids) <= n,
            f"{name}: {a['uid']} 的检查人员重复或超额 / repeated or too many inspectors",
        )
        check(
            len(ids) == n or "unmatched" in (a.get("flags") or []),
            f"{name}: {a['uid']} 的检查人员不足却未标 unmatched / short without the unmatched flag",
        )


def check_section(section, seed, uids, name, public):
    if public and isinstance(section, dict) and "eligible_digest" in section:
        check_public_inspectors(section, uids, name)
    else:  # 完整记录，或第 8 节修订前仍带 eligible 的公开记录 / full record or older public record
        check_inspectors(section, seed, uids, name)


def check_all_inspectors(record, seed, uids, public=False):
    if "inspectors" not in record:
        return 0
    sections = record["inspectors"]
    if isinstance(sections, list):  # 联合任务，每个部门一节 / joint task, one per department
        check(sections, "inspectors 是空列表 / inspectors is an empty list")
        for n, section in enumerate(sections):
            check(
                isinstance(section, dict) and section.get("department"),
                f"inspectors[{n}] 缺少 department / missing department",
            )
            check_section(section, seed, uids, f"inspectors[{n}]", public)
        return len(sections)
    check_section(sections, seed, uids, "inspectors", public)
    return 1


# ---------------------------------------------------------------- 两种核验 the two checks


def verify_full(record, path):
    check(record.get("protocol") == PROTOCOL, f"protocol 须为 / must be {PROTOCOL}")
    population = record.get("population")
    check(isinstance(population, dict), "缺少 population / missing population")
    digest = file_digest(path)
    check(
        population.get("digest") == digest,
        f"人口文件摘要不符 / population digest mismatch: 记录 record {population.get('digest')}, 文件 file {digest}",
    )
    seed = check_seed(record)
    quotas, reserves = read_quotas(record)
    strata, selected, spare = redraw(path, seed, quotas, reserves)
    check(
        population.get("count") == sum(strata.values()),
        f"人数不符 / count mismatch: 记录 record {population.get('count')}, 文件 file {sum(strata.values())}",
    )
    check(
        population.get("strata") == strata,
        f"分层人数不符 / strata mismatch: 记录 record {population.get('strata')}, 文件 file {strata}",
    )
    check_quotas(record, strata)
    same_list("selected", record.get("selected"), selected)
    same_list("reserve_list", record.get("reserve_list", []), spare)
    sections = check_all_inspectors(record, seed, [s["uid"] for s in selected])
    return seed, len(selected), len(spare), sections


def verify_public(record, path):
    check(record.get("protocol") == PROTOCOL, f"protocol 须为 / must be {PROTOCOL}")
    public = record.get("public_population")
    population = record.get("population")
    check(
        isinstance(public, dict) and isinstance(population, dict),
        "缺少 population / missing population",
    )
    digest = file_digest(path)
    check(
        public.get("digest") == digest,
        f"公开人口文件摘要不符 / public population digest mismatch: 记录 record {public.get('digest')}, 文件 file {digest}",
    )
    seed = check_seed(record)
    lists = {name: record.get(name, []) for name in ("selected", "reserve_list")}
    wanted = {}
    for name, entries in lists.items():
        check(isinstance(entries, list), f"{name} 须为列表 / must be a list")
        previous = None
        for n, e in enumerate(entries):
            check(
                isinstance(e, dict) and set(e) == {"rank", "uid", "key"},
                f"{name}[{n}] 须恰有 rank、uid、key / must have exactly rank, uid, key",
            )
            check(isinstance(e["uid"], str) and e["uid"], f"{name}[{n}] uid 无效 / bad uid")
            key = key_of(seed, e["uid"])
            check(
                e["key"] == key,
                f"{name}[{n}].key 不符 / mismatch: 记录 record {e['key']}, 重算 recomputed {key}",
            )
            check(
                type(e["rank"]) is int and e["rank"] == n + 1,
                f"{name}[{n}].rank 应为 / must be {n + 1}",
            )
            here = (key, e["uid"].encode())
            check(previous is None or here > previous, f"{name}[{n}] 未按键升序 / not in key order")
            previous = here
            check(e["uid"] not in wanted, f"uid {e['uid']} 出现两次 / appears twice")
            wanted[e["uid"]] = f"{name}[{n}]"
    count = 0
    uids = {uid.encode() for uid in wanted}
    for part in read_population(path, columns=1, wanted=uids):
        count += part["lines"]
        for uid in part["found"]:
            wanted.pop(uid.decode(), None)
    check(
        not wanted,
        f"{next(iter(wanted.values()), '')} 的 uid 不在公开人口文件中 / uid not in the public population file",
    )
    check(
        public.get("count") == count == population.get("count"),
        f"人数不符 / count mismatch: 记录 record {public.get('count')}/{population.get('count')}, 文件 file {count}",
    )
    strata = population.get("strata")
    check(
        isinstance(strata, dict)
        and all(type(n) is int for n in strata.values())
        and sum(strata.values()) == count,
        "各层人数之和不等于人数 / strata do not add up to the count",
    )
    check(
        "quota_rule" not in record, "公开记录不应含 quota_rule / a public record has no quota_rule"
    )
    quotas, reserves = check_quotas(record, strata)
    check(
        len(lists["selected"]) == sum(quotas.values()),
        f"入选数 {len(lists['selected'])} 不等于配额之和 {sum(quotas.values())} / selected count differs from the quotas",
    )
    check(
        len(lists["reserve_list"]) == sum(reserves.values()),
        "备选数不等于备选配额之和 / reserve count differs from the reserves",
    )
    sections = check_all_inspectors(
        record, seed, [e["uid"] for e in lists["selected"]], public=True
    )
    return seed, len(lists["selected"]), len(lists["reserve_list"]), sections


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        with open(argv[1], "rb") as f:
            record = json.loads(f.read().decode("utf-8"))
        with open(argv[2], "rb") as f:
            f.read(1)  # 能读 / readable
    except (OSError, ValueError) as exc:
        print(f"无法读取文件 / cannot read input: {exc}", file=sys.stderr)
        return 2
    if not isinstance(record, dict):
        print("核验失败 / INVALID: 记录不是 JSON 对象 / the record is not a JSON object")
        return 1
    public = "public_population" in record
    try:
        seed, n_selected, n_spare, sections = (verify_public if public else verify_full)(
            record, argv[2]
        )
    except Discrepancy as exc:
        print(f"核验失败 / INVALID: {exc}")
        return 1
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        print(f"核验失败 / INVALID: 记录结构不对 / malformed record ({type(exc).__name__}: {exc})")
        return 1
    kind = "公开核验 public check (section 8)" if public else "完整核验 full check (section 6)"
    print(f"核验通过 / VALID — {kind}")
    print(f"  任务 task: {record['task_code']}")
    print(f"  人数 candidates: {record['population']['count']}，种子 seed: {seed}")
    print(
        f"  入选 selected: {n_selected}，备选 reserves: {n_spare}，检查人员匹配 inspector sections: {sections}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
