"""测试共用：规范的测试向量，以及对记录/人口文件的各种篡改。"""

import copy
import json
from pathlib import Path

VECTORS = Path(__file__).parent / "vectors"
POPULATION = (VECTORS / "population.csv").read_bytes()
RECORD_BYTES = (VECTORS / "record.json").read_bytes()
SEED_MATERIAL = (VECTORS / "seed-material.txt").read_bytes()


def vector_record():
    return json.loads(RECORD_BYTES)


def _hexflip(h):
    return ("1" if h[0] == "0" else "0") + h[1:]


def _swap(lst, i, j, fix_ranks=False):
    lst[i], lst[j] = lst[j], lst[i]
    if fix_ranks:
        lst[i]["rank"], lst[j]["rank"] = lst[j]["rank"], lst[i]["rank"]


def _unselected_uid(r):
    taken = {e["uid"] for e in r["selected"] + r.get("reserve_list", [])}
    lines = POPULATION.decode().splitlines()[1:]
    return next(line.split(",")[0] for line in lines if line.split(",")[0] not in taken)


def _set(path, value):
    def apply(r):
        obj = r
        for part in path[:-1]:
            obj = obj[part]
        obj[path[-1]] = value(obj[path[-1]]) if callable(value) else value

    return apply


# 完整记录的篡改：(名称, 就地修改记录的函数)
FULL_TAMPERS = [
    ("seed", _set(["seed"], _hexflip)),
    ("one key", _set(["selected", 2, "key"], _hexflip)),
    ("reserve key", _set(["reserve_list", 0, "key"], _hexflip)),
    ("one uid", lambda r: r["selected"][0].update(uid=_unselected_uid(r))),
    ("order (ranks kept)", lambda r: _swap(r["selected"], 0, 1)),
    ("order (ranks fixed)", lambda r: _swap(r["selected"], 3, 4, fix_ranks=True)),
    ("reserve order", lambda r: _swap(r["reserve_list"], 0, 1, fix_ranks=True)),
    ("rank", _set(["selected", 3, "rank"], 5)),
    ("stratum", _set(["selected", 0, "stratum"], "A")),
    ("drop selected", lambda r: r["selected"].pop()),
    ("drop reserve", lambda r: r["reserve_list"].pop()),
    ("count", _set(["population", "count"], 61)),
    ("strata counts", lambda r: r["population"]["strata"].update(A=19, B=30)),
    ("digest", _set(["population", "digest"], _hexflip)),
    ("commitment", _set(["commitments", 0, "commitment"], _hexflip)),
    ("entropy value", _set(["entropy", 1], lambda v: v + "x")),
    ("entropy order", lambda r: _swap(r["entropy"], 0, 1)),
    ("drop public value", lambda r: r["entropy"].pop()),
    ("drop commitment", lambda r: r["commitments"].pop()),
    ("task code", _set(["task_code"], lambda v: v + "X")),
    ("protocol", _set(["protocol"], "shuangsui-draw-v2")),
    ("quota", _set(["quotas", "B"], 4)),
    ("quota over size", _set(["quotas", "D"], 4)),
    ("quota rule", _set(["quota_rule", "C"], "0.3")),
    ("inspector order", lambda r: r["inspectors"]["assignments"][0]["inspectors"].reverse()),
    ("inspector swap", _set(["inspectors", "assignments", 1, "inspectors", 0], "ZF001")),
    ("inspector flags", _set(["inspectors", "assignments", 2, "flags"], [])),
    ("inspector cap", _set(["inspectors", "cap"], 3)),
    (
        "eligible list",
        lambda r: r["inspectors"]["eligible"]["15231211A0P3H7UT13"].remove("ZF002"),
    ),
]

# 人口文件的篡改（记录不变）
POPULATION_TAMPERS = [
    ("file stratum", lambda d: d.replace(b"11308239X2YG57FJ1J,B", b"11308239X2YG57FJ1J,C")),
    ("file drop line", lambda d: d.replace(b"11308239X2YG57FJ1J,B\n", b"")),
    ("file extra line", lambda d: d + b"ZZZZZZZZZZZZZZZZZZ,A\n"),
    ("file CRLF", lambda d: d.replace(b"\n", b"\r\n")),
]


def public_tampers(candidate_key):
    """公开记录的篡改。candidate_key(seed_hex, uid) 用来造“键自洽但 uid 不在文件里”的情形。"""

    def foreign_uid(r):
        e = r["selected"][-1]
        e["uid"] = "ZZZZZZZZZZZZZZZZZZ"
        e["key"] = candidate_key(r["seed"], e["uid"])

    return [
        ("seed", _set(["seed"], _hexflip)),
        ("one key", _set(["selected", 2, "key"], _hexflip)),
        ("one uid", lambda r: r["selected"][0].update(uid=_unselected_uid(r))),
        ("uid not in file", foreign_uid),
        ("order (ranks fixed)", lambda r: _swap(r["selected"], 3, 4, fix_ranks=True)),
        ("rank", _set(["selected", 3, "rank"], 5)),
        ("drop selected", lambda r: r["selected"].pop()),
        ("count", _set(["population", "count"], 61)),
        ("public count", _set(["public_population", "count"], 61)),
        ("public digest", _set(["public_population", "digest"], _hexflip)),
        ("digest", _set(["population", "digest"], _hexflip)),
        ("commitment", _set(["commitments", 1, "commitment"], _hexflip)),
        ("entropy value", _set(["entropy", 0], lambda v: v + "x")),
        ("quota", _set(["quotas", "S2"], 4)),
        ("stratum leaked", lambda r: r["selected"][0].update(stratum="B")),
        # eligible 只公开摘要（第 8 节修订），公开核验查不出换人，只查每个对象的人员不重复、不超额
        ("inspector twice", lambda r: _twice(r["inspectors"]["assignments"][1]["inspectors"])),
        (
            "inspector extra",
            lambda r: r["inspectors"]["assignments"][0]["inspectors"].append("ZX9"),
        ),
        ("inspector missing", lambda r: r["inspectors"]["assignments"].pop()),
        ("eligible leaked", lambda r: r["inspectors"].update(eligible={})),
        ("eligible digest", _set(["inspectors", "eligible_digest"], "x")),
    ]


def _twice(ids):
    ids[-1] = ids[0]


def tampered(record, fn):
    r = copy.deepcopy(record)
    fn(r)
    return r
