"""protocol 抽取的各条实现路径（issue 13 的提速）：结果都与逐个求键、全体排序的参考做法逐项相同。

- 自带的 SHA-256 与 hashlib 的键相同；
- 等宽行、单字节层标签的快速校验与逐行解析给出同样的结论（同一行号、同一消息）；
- 按列计数（adler32 求和）与 Counter 相同；
- 初始门限偏低时放开重算，结果不变；子进程里的异常回到父进程，子进程都被收回。
"""

import hashlib
import multiprocessing
import random
from collections import Counter
from unittest import mock

import pytest

from shuangsui.draws import protocol as p

SEED = "5e" * 32


def reference(rows, seed, quotas, reserves):
    """逐个求键、全体排序：每层前 k 个入选、其后 m 个备选。"""
    keyed = sorted((p.candidate_key(seed, u), u, s) for u, s in rows)
    chosen, spare = [], []
    for label in sorted({s for _, s in rows}):
        mine = [(k, u, s) for k, u, s in keyed if s == label]
        k, m = quotas.get(label, 0), reserves.get(label, 0)
        chosen += mine[:k]
        spare += mine[k : k + m]

    def ranked(items):
        return [
            {"rank": i, "uid": u, "stratum": s, "key": k}
            for i, (k, u, s) in enumerate(sorted(items), start=1)
        ]

    return ranked(chosen), ranked(spare)


def fixed_rows(n, seed=3, labels="ABCD"):
    rnd = random.Random(seed)
    uids = sorted(
        {"9135" + "".join(rnd.choices("0123456789ABCDEFGHJKLMNPQRTUWXY", k=14)) for _ in range(n)}
    )
    return [(u, rnd.choice(labels)) for u in uids]


def test_the_key_hash_is_picked_among_both_and_they_agree():
    if p._builtin_sha256 is None:  # pragma: no cover - 非 CPython 或编译时去掉了
        pytest.skip("没有自带的 SHA-256")
    assert p._KEY_HASHES == (p._builtin_sha256, hashlib.sha256)
    with mock.patch.object(p, "_KEY_HASH", None):
        picked = p._pick_key_hash()
        assert picked in p._KEY_HASHES and p._KEY_HASH is picked
        p._key_base(SEED)  # 选定之后不再重选
        assert p._KEY_HASH is picked
    rnd = random.Random(1)
    for _ in range(200):
        seed = rnd.randbytes(32).hex()
        uid = "".join(rnd.choices("0123456789ABCDXYZ:检查对象", k=rnd.randint(1, 40))).encode()
        fast = p._key_base(seed).copy()
        fast.update(uid)
        slow = hashlib.sha256(f"{seed}\n".encode()).copy()
        slow.update(uid)
        assert fast.digest() == slow.digest() == hashlib.sha256(f"{seed}\n".encode() + uid).digest()
    rows = fixed_rows(3000)
    data = p.population_csv(rows)
    quotas, reserves = {"A": 30, "B": 7, "D": 100}, {"B": 5}
    with mock.patch.object(p, "_KEY_HASH", p._builtin_sha256):
        fast = p.select(data, SEED, quotas, reserves, processes=1)
    with mock.patch.object(p, "_KEY_HASH", hashlib.sha256):
        assert p.select(data, SEED, quotas, reserves, processes=1) == fast
        assert p.select(rows, SEED, quotas, reserves, processes=1) == fast
    assert fast == reference(rows, SEED, quotas, reserves)


def test_fixed_width_pieces_take_the_fast_path_and_agree():
    rows = fixed_rows(4000)
    data = p.population_csv(rows)
    body = data[len(p.HEADER) :]
    assert p._fixed_layout(body[: 21 * 50]) == (21, 18)
    assert p._fixed_layout(body[: 21 * 50 - 2] + b",\n") == (21, 18)  # 只看位置，其余留给后面
    assert p._fixed_layout(b"AB,C,D\nAB,C,D\n") is None  # 层标签两个字节以上：通用路径
    quotas, reserves = {"A": 3, "B": 500, "C": 0, "D": 900}, {"B": 20, "C": 4}
    expected = reference(rows, SEED, quotas, reserves)
    for piece in (64, 4096, 1 << 20):
        with mock.patch.object(p, "_PIECE", piece):
            assert p.select(data, SEED, quotas, reserves, processes=1) == expected
            assert p.select(data, SEED, quotas, reserves, processes=2, parallel_min=0) == expected


def test_mixed_pieces_fixed_and_general():
    """同一文件里有等宽的片，也有不等宽、多字节层标签的片。"""
    rows = fixed_rows(1500) + [
        (f"Z:{i:0{1 + i % 7}d}", "region-" + "xy"[i % 2]) for i in range(700)
    ]
    data = p.population_csv(rows)
    quotas = {"A": 5, "B": 40, "region-x": 30, "region-y": 1}
    reserves = {"region-x": 3}
    expected = reference(rows, SEED, quotas, reserves)
    with mock.patch.object(p, "_PIECE", 200):
        assert p.select(data, SEED, quotas, reserves, processes=1) == expected
        assert p.select(data, SEED, quotas, reserves, processes=3, parallel_min=0) == expected


def outcome(fn):
    try:
        fn()
    except p.ProtocolError as exc:
        return str(exc)
    return "ok"


@pytest.mark.parametrize("replacement", [b",", b'"', b"\r", b"\n", b"\xff", b"\xc3", b"A", b"0"])
def test_fast_path_validation_agrees_with_the_line_parser(replacement):
    """等宽文件里替换一个字节（行宽不变，仍走快速路径）：结论与逐行解析相同，包括行号。"""
    rows = fixed_rows(12, seed=5)
    data = p.population_csv(rows)
    for i in range(len(p.HEADER), len(data)):
        mutated = data[:i] + replacement + data[i + 1 :]
        expected = outcome(lambda m=mutated: p.parse_population(m))
        with mock.patch.object(p, "_PIECE", 42):  # 每片两行
            assert outcome(lambda m=mutated: p.select(m, SEED, {})) == expected, (i, mutated)
        assert outcome(lambda m=mutated: p.select(m, SEED, {})) == expected, (i, mutated)


def test_disorder_and_duplicates_across_pieces_and_chunks():
    rows = fixed_rows(400)
    data = p.population_csv(rows)
    lines = data.split(b"\n")
    for a, b in [(10, 11), (200, 201), (399, 400), (1, 2)]:
        swapped = lines[:]
        swapped[a], swapped[b] = swapped[b], swapped[a]
        dup = lines[:]
        dup[b] = dup[a]
        for bad in (b"\n".join(swapped), b"\n".join(dup)):
            expected = outcome(lambda d=bad: p.parse_population(d))
            assert expected.startswith(f"第 {b + 1} 行")
            with mock.patch.object(p, "_PIECE", 21 * 7):
                got = outcome(
                    lambda d=bad: p.select(d, SEED, {"A": 2}, processes=2, parallel_min=0)
                )
            assert got == expected


def test_count_column_matches_counter_beyond_one_adler_block():
    rnd = random.Random(9)
    column = bytes(rnd.choice(b"ABCDU") for _ in range(200_000))
    counts = Counter()
    p._count_column(column, counts)
    assert counts == Counter(bytes([c]) for c in column)
    p._count_column(b"ZZA", counts)  # 后来才出现的标签
    assert counts[b"Z"] == 2 and counts[b"A"] == column.count(b"A") + 1
    empty = Counter()
    p._count_column(b"", empty)
    assert empty == Counter()


def test_first_limit_expectation():
    assert p._first_limit(10, 10) == p._ABOVE_ALL
    assert p._first_limit(5, 0) == p._ABOVE_ALL
    n, t = 1_000_000, 10_000
    limit = int.from_bytes(p._first_limit(t, n), "big")
    expected_below = limit * n / 2**256
    assert t + 8 * 100 + 60 < expected_below < t + 8 * 100 + 70


def test_too_low_first_limits_are_detected_and_redone():
    rows = fixed_rows(3000)
    data = p.population_csv(rows)
    quotas, reserves = {"A": 40, "B": 300, "C": 2}, {"B": 10}
    expected = reference(rows, SEED, quotas, reserves)
    select = p._Chunk.select
    with mock.patch.object(p._Chunk, "select", autospec=True, side_effect=select) as spy:
        assert p.select(data, SEED, quotas, reserves, processes=1) == expected
        assert spy.call_count == 1
        with mock.patch.object(p, "_MARGIN_SIGMAS", -4):  # 门限之下的键少于 k + m
            assert p.select(data, SEED, quotas, reserves, processes=1) == expected
        assert spy.call_count == 3
    with mock.patch.object(p, "_MARGIN_SIGMAS", -4):
        got = p.select(data, SEED, quotas, reserves, processes=2, parallel_min=0)
    assert got == expected


def test_quota_rule_counts_come_from_the_census():
    rows = fixed_rows(5000)
    data = p.population_csv(rows)
    sizes = Counter(s for _, s in rows)
    rule = {"A": "0.01", "B": "0.005", "C": "0.1", "D": "0.5"}
    quotas = {k: p.quota_from_ratio(sizes[k], r) for k, r in rule.items()}
    common = {
        "commitments": [
            {"label": "a", "commitment": p.commitment("a", "1")},
            {"label": "b", "commitment": p.commitment("b", "2")},
        ],
        "entropy": ["a=1", "b=2"],
        "created_at": "2026-12-02T09:00:00+08:00",
    }
    with mock.patch.object(p, "_PIECE", 500):
        by_rule = p.make_record(
            "T-1", data, {}, quota_rule=rule, processes=2, parallel_min=0, **common
        )
    assert by_rule["quotas"] == quotas
    assert by_rule["population"]["strata"] == dict(sorted(sizes.items()))
    assert (by_rule["selected"], []) == reference(rows, by_rule["seed"], quotas, {})
    assert by_rule["population"]["digest"] == p.digest(data)
    assert by_rule["seed"] == p.compute_seed("T-1", p.digest(data), common["entropy"]).hex()
    assert p.verify_record(by_rule, data, processes=2, parallel_min=0) == []
    assert p.verify_record(by_rule, data, processes=1) == []


def test_errors_in_a_worker_reach_the_parent_and_workers_are_reaped():
    data = p.population_csv(fixed_rows(2000))
    with mock.patch.object(p._Chunk, "select", side_effect=RuntimeError("坏了")):
        with pytest.raises(RuntimeError, match="坏了"):
            p.select(data, SEED, {"A": 1}, processes=2, parallel_min=0)
    assert multiprocessing.active_children() == []
    with pytest.raises(p.ProtocolError, match="第 3 行"):
        p.select(
            data.replace(b"\n", b"\n,", 2).replace(b"\n,", b"\n", 1),
            SEED,
            {"A": 1},
            processes=2,
            parallel_min=0,
        )
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize(
    "rows",
    [
        [("00\U00010000", "A"), ("1", "A"), ("\x80", "A")],  # 多字节字符：9 + 4 + 5 = 2 × 9 字节
        [("000000", "A"), ("1", "B"), ("xy", "A")],  # ASCII 也会：9 + 4 + 5，逗号与换行恰好对齐
    ],
)
def test_rows_of_different_widths_that_happen_to_align_are_not_fixed_width(rows):
    data = p.population_csv(rows)
    piece = data[len(p.HEADER) :]
    assert piece[6::9] == b",," and piece[8::9] == b"\n\n"  # 按步长看像是两行等宽
    assert p._fixed_layout(piece) is None
    expected = reference(rows, SEED, {"A": 1}, {"A": 1})
    assert p.select(data, SEED, {"A": 1}, {"A": 1}) == expected
    with mock.patch.object(p, "_PIECE", 16):
        assert p.select(data, SEED, {"A": 1}, {"A": 1}) == expected
