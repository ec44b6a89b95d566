"""检查人员匹配的性能基准（不是测试）。

    .venv/bin/python bench/match.py                      # 5 万对象 × 2 千执法人员
    .venv/bin/python bench/match.py --targets 10000 --inspectors 500
    .venv/bin/python bench/match.py --profile            # 附带匹配的 cProfile 前 15 行
    .venv/bin/python bench/match.py --required 企业公示   # 每户合格人员约三倍
    .venv/bin/python bench/match.py --prototype          # 另测一种等价而更快的匹配写法

合成一个冻结的人员库快照（约 20 个所，每人 1–3 个资质标签，少数负责两个所、不在岗、
辅助人员或申报回避），5 万个对象分布在这些所，上次检查人员（轮换）覆盖三成对象；
分别计时：资格名单（eligibility.eligible_lists）与匹配（protocol.match_inspectors）。
目标：两者合计 ≤ 3 秒。
"""

import argparse
import cProfile
import hashlib
import io
import os
import pstats
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuangsui.settings")

import django  # noqa: E402

django.setup()

from shuangsui.draws import protocol  # noqa: E402
from shuangsui.inspectors import eligibility  # noqa: E402

TAGS = ["企业公示", "食品安全", "特种设备", "计量", "产品质量", "药品", "广告"]
REQUIRED = ["企业公示", "食品安全"]


def build(n_targets, n_inspectors, n_stations, seed=20260301):
    rng = random.Random(seed)
    stations = [f"350503{i:02d}" for i in range(1, n_stations + 1)]
    uids = sorted(f"91350503{n:09d}X" for n in range(n_targets))
    pool = []
    for n in range(n_inspectors):
        station = stations[n % n_stations]
        regions = [station]
        if rng.random() < 0.1:
            regions.append(rng.choice(stations))
        tags = sorted({"企业公示", *rng.sample(TAGS, rng.randint(1, 3))})
        pool.append(
            {
                "id": f"350503{n:05d}",
                "name": f"检查员{n}",
                "kind": "officer" if rng.random() < 0.95 else "auxiliary",
                "unit": station,
                "department": "350503D02",
                "qualifications": tags,
                "regions": sorted(set(regions)),
                "on_duty": rng.random() > 0.05,
                "conflicts": sorted(rng.sample(uids, 2)) if rng.random() < 0.05 else [],
            }
        )
    pool.sort(key=lambda p: p["id"])
    targets = [{"uid": uid, "station": rng.choice(stations)} for uid in uids]
    ids = [p["id"] for p in pool]
    previous = {uid: sorted(rng.sample(ids, 2)) for uid in rng.sample(uids, n_targets * 3 // 10)}
    return targets, pool, previous


def prototype_match(seed_hex, uids, eligible, per_target):
    """与 protocol.match_inspectors 结果相同的写法，供 protocol.py 的维护者参考（不在产品中使用）：
    每个对象的哈希前缀只算一次再 copy()，比较 digest() 的字节而不是十六进制串（顺序相同），
    不经函数调用与 lambda。"""
    lists = {uid: sorted(eligible.get(uid, [])) for uid in uids}
    pool = len({i for ids in lists.values() for i in ids})
    cap = -((-per_target * len(uids)) // pool) if pool else 0
    load = Counter()
    encoded = {}
    assignments = []
    for uid in uids:
        prefix = hashlib.sha256(f"{seed_hex}\ninspector\n{uid}\n".encode())
        keyed = []
        for i in lists[uid]:
            raw = encoded.get(i)
            if raw is None:
                raw = encoded[i] = i.encode()
            h = prefix.copy()
            h.update(raw)
            keyed.append((h.digest(), i))
        keyed.sort()
        order = [i for _, i in keyed]
        chosen = [i for i in order if load[i] < cap][:per_target]
        relaxed = len(chosen) < per_target
        if relaxed:
            chosen += [i for i in order if i not in chosen][: per_target - len(chosen)]
        load.update(chosen)
        flags = ["unmatched"] if len(order) < per_target else ["cap_relaxed"] if relaxed else []
        assignments.append({"uid": uid, "inspectors": chosen, "flags": flags})
    return {"per_target": per_target, "cap": cap, "eligible": lists, "assignments": assignments}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=50_000)
    parser.add_argument("--inspectors", type=int, default=2_000)
    parser.add_argument("--stations", type=int, default=20)
    parser.add_argument("--per-target", type=int, default=2)
    parser.add_argument(
        "--required", default=",".join(REQUIRED), help="任务要求的资质标签，以“,”分隔"
    )
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--prototype", action="store_true", help="另测一种更快的等价写法（结果须与协议实现相同）"
    )
    args = parser.parse_args()

    t0 = time.perf_counter()
    targets, pool, previous = build(args.targets, args.inspectors, args.stations)
    print(
        f"合成：{len(targets)} 个对象，{len(pool)} 名人员，{args.stations} 个所"
        f"（{time.perf_counter() - t0:.2f} 秒，不计入）"
    )
    seed_hex = hashlib.sha256(b"bench-match").hexdigest()
    uids = [t["uid"] for t in targets]
    protocol_order = sorted(uids, key=lambda u: protocol.candidate_key(seed_hex, u))

    t0 = time.perf_counter()
    required = [t for t in args.required.split(",") if t]
    lists = eligibility.eligible_lists(targets, pool, required, previous=previous)
    t_elig = time.perf_counter() - t0
    sizes = [len(v) for v in lists.values()]
    pairs = sum(sizes)
    print(
        f"资格名单：{t_elig:.2f} 秒；每个对象平均 {pairs / len(sizes):.1f} 名合格人员，"
        f"共 {pairs} 对"
    )

    profiler = cProfile.Profile() if args.profile else None
    t0 = time.perf_counter()
    if profiler:
        profiler.enable()
    section = protocol.match_inspectors(seed_hex, protocol_order, lists, args.per_target)
    if profiler:
        profiler.disable()
    t_match = time.perf_counter() - t0
    flags = {}
    for a in section["assignments"]:
        for f in a["flags"]:
            flags[f] = flags.get(f, 0) + 1
    print(f"匹配：{t_match:.2f} 秒；cap = {section['cap']}，标记 {flags or '无'}")

    if args.prototype:
        t0 = time.perf_counter()
        other = prototype_match(seed_hex, protocol_order, lists, args.per_target)
        t_proto = time.perf_counter() - t0
        same = "相同" if other == section else "不同！"
        print(f"参考写法的匹配：{t_proto:.2f} 秒（结果与协议实现{same}）")

    n = 200_000
    t0 = time.perf_counter()
    for i in range(n):
        hashlib.sha256(f"{seed_hex}\ninspector\n{uids[i % len(uids)]}\n{i}".encode()).digest()
    per_hash = (time.perf_counter() - t0) / n
    print(
        f"SHA-256 下限：每对 {per_hash * 1e6:.2f} 微秒 × {pairs} 对 = {per_hash * pairs:.2f} 秒"
        "（ikey 每对算一次）"
    )
    total = t_elig + t_match
    verdict = "达标" if total <= 3 else "未达标"
    print(f"合计：{total:.2f} 秒（目标 ≤ 3 秒，{verdict}）")
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
        print(out.getvalue())


if __name__ == "__main__":
    main()
