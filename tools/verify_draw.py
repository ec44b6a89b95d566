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
"""

import hashlib
import io
import json
import math
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


# ---------------------------------------------------------------- 人口文件 population file


def read_rows(data, columns):
    """逐行检查人口文件并产出各行的字段（bytes）。Check the file line by line, yield fields."""
    header = b"uid,stratum\n" if columns == 2 else b"uid\n"
    check(
        data.startswith(header),
        f"人口文件第 1 行须恰为 {header.decode().strip()}（UTF-8 无 BOM，LF）"
        f" / population file: line 1 must be exactly '{header.decode().strip()}'",
    )
    check(data.endswith(b"\n"), "人口文件缺少结尾换行 / population file: no final LF")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise Discrepancy("人口文件不是有效的 UTF-8 / population file is not valid UTF-8") from None
    check(
        b'"' not in data and b"\r" not in data,
        "人口文件含引号或 CR / population file contains a quote or a CR",
    )
    previous = b""
    lines = io.BytesIO(data)  # 逐行读，不在内存里再复制一份 / line by line, no second copy
    lines.readline()
    for number, line in enumerate(lines, start=2):
        fields = line[:-1].split(b",")
        if len(fields) != columns or not all(fields):
            raise Discrepancy(
                f"人口文件第 {number} 行格式不对 / population file: line {number} is malformed"
            )
        if fields[0] <= previous:
            raise Discrepancy(
                f"人口文件第 {number} 行的 uid 未按字节升序或重复"
                f" / population file: line {number}: uid not strictly ascending"
            )
        previous = fields[0]
        yield fields


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


def redraw(data, seed, quotas, reserves):
    """重算每层的前 k 个与其后 m 个。Recompute the first k and next m of each stratum."""
    wanted = {
        s.encode(): quotas.get(s, 0) + reserves.get(s, 0) for s in set(quotas) | set(reserves)
    }
    kept = {s: [] for s in wanted}  # 每层保留的 (键, uid) / per stratum: (key, uid) kept so far
    limit = {s: b"\xff" * 33 for s in wanted}  # 大于任何键 / above every key
    counts = {}
    base = hashlib.sha256(f"{seed}\n".encode())
    for uid, stratum in read_rows(data, columns=2):
        counts[stratum] = counts.get(stratum, 0) + 1
        if wanted.get(stratum):
            h = base.copy()
            h.update(uid)
            key = h.digest()
            if key <= limit[stratum]:
                bucket = kept[stratum]
                bucket.append((key, uid))
                if len(bucket) > 2 * wanted[stratum] + 1000:  # 只留前 k+m 个 / keep only k+m
                    bucket.sort()
                    del bucket[wanted[stratum] :]
                    limit[stratum] = bucket[-1][0]
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


def verify_full(record, data):
    check(record.get("protocol") == PROTOCOL, f"protocol 须为 / must be {PROTOCOL}")
    population = record.get("population")
    check(isinstance(population, dict), "缺少 population / missing population")
    digest = hashlib.sha256(data).hexdigest()
    check(
        population.get("digest") == digest,
        f"人口文件摘要不符 / population digest mismatch: 记录 record {population.get('digest')}, 文件 file {digest}",
    )
    seed = check_seed(record)
    quotas, reserves = read_quotas(record)
    strata, selected, spare = redraw(data, seed, quotas, reserves)
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


def verify_public(record, data):
    check(record.get("protocol") == PROTOCOL, f"protocol 须为 / must be {PROTOCOL}")
    public = record.get("public_population")
    population = record.get("population")
    check(
        isinstance(public, dict) and isinstance(population, dict),
        "缺少 population / missing population",
    )
    digest = hashlib.sha256(data).hexdigest()
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
    for (uid,) in read_rows(data, columns=1):
        count += 1
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
            data = f.read()
    except (OSError, ValueError) as exc:
        print(f"无法读取文件 / cannot read input: {exc}", file=sys.stderr)
        return 2
    if not isinstance(record, dict):
        print("核验失败 / INVALID: 记录不是 JSON 对象 / the record is not a JSON object")
        return 1
    public = "public_population" in record
    try:
        seed, n_selected, n_spare, sections = (verify_public if public else verify_full)(
            record, data
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
