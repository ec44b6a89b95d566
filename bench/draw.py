"""抽取协议的性能基准（不是测试）。

    .venv/bin/python bench/draw.py                 # 1000 万候选
    .venv/bin/python bench/draw.py --n 1000000     # 小一些
    .venv/bin/python bench/draw.py --population POP.csv   # 用已有的人口文件

生成人口文件（像样的 18 位统一社会信用代码，层 A 30% / B 55% / C 10% / D 5%），然后分别在
独立子进程里测量：抽取（读文件 + 校验 + 摘要 + 种子 + 两核抽取）的耗时与峰值内存、
protocol.verify_record 与 tools/verify_draw.py 的核验耗时、pandas groupby 抽样（若已安装），
最后给出 SHA-256 的下限（`openssl speed` 的单次哈希成本 × N ÷ 2 核）。
目标（1000 万）：抽取 ≤ 5 秒且 ≤ 2 GB，核验 ≤ 15 秒。
"""

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
REGIONS = ["350502", "350503", "350504", "350505", "350521", "350524", "350525", "350526"]
RATIOS = {"A": "0.005", "B": "0.01", "C": "0.03", "D": "0.05"}
RESERVES = {"B": 100, "C": 20}
ENTROPY = {"operator": "bench-operator-7f3a", "witness": "bench-witness-4471"}


def generate(path: Path, n: int, seed: int = 20240510) -> None:
    """按 uid 升序直接生成（不必排序）：91 + 区划码 + 9 位组织码 + 校验码。"""
    rnd = random.Random(seed)
    triples = [a + b + c for a in ALPHABET for b in ALPHABET for c in ALPHABET]
    val = {c: i for i, c in enumerate(ALPHABET)}

    def part(chars, weights):
        return sum(val[c] * w for c, w in zip(chars, weights, strict=True))

    s3 = [part(t, WEIGHTS[14:17]) for t in triples]  # 第 15-17 位的加权和
    per_region = -(-n // len(REGIONS))
    block = 400  # 每个 (前缀, b) 块取 400 个 c（共 29791 个可选）
    written = 0
    with open(path, "wb") as f:
        f.write(b"uid,stratum\n")
        for region in REGIONS:
            left = min(per_region, n - written)
            b_count = -(-left // block)
            for bi, b in enumerate(sorted(rnd.sample(range(len(triples)), b_count))):
                prefix = "91" + region + "MA" + triples[b] + ALPHABET[bi % 31]
                base = part(prefix, WEIGHTS[:14])
                m = min(block, left - bi * block)
                cs = sorted(rnd.sample(range(len(triples)), m))
                uids = [prefix + triples[c] + ALPHABET[(31 - (base + s3[c]) % 31) % 31] for c in cs]
                strata = rnd.choices("ABCD", weights=(30, 55, 10, 5), k=m)
                f.write("".join(map("{},{}\n".format, uids, strata)).encode())
            written += left


def maxrss_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, kids


def cpu_seconds() -> float:
    """本进程与已结束子进程的 CPU 时间（用户 + 系统）之和。"""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        ru = resource.getrusage(who)
        total += ru.ru_utime + ru.ru_stime
    return total


def measure_draw(path: str, out: str) -> dict:
    from shuangsui.draws import protocol as p

    t0 = time.perf_counter()
    data = Path(path).read_bytes()
    t_read = time.perf_counter() - t0
    commitments = [{"label": k, "commitment": p.commitment(k, v)} for k, v in ENTROPY.items()]
    record = p.make_record(
        "BENCH-2024-01",
        data,
        {},
        quota_rule=RATIOS,
        reserves=RESERVES,
        commitments=commitments,
        entropy=[f"{k}={v}" for k, v in ENTROPY.items()] + ["beacon=bench"],
        created_at="2024-05-10T09:30:00+08:00",
    )
    elapsed = time.perf_counter() - t0
    Path(out).write_bytes(p.record_json(record))
    own, kids = maxrss_mb()
    return {
        "read": t_read,
        "draw": elapsed,
        "cpu": cpu_seconds(),
        "selected": len(record["selected"]),
        "maxrss_self": own,
        "maxrss_children": kids,
    }


def measure_verify(path: str, record_path: str) -> dict:
    from shuangsui.draws import protocol as p

    t0 = time.perf_counter()
    data = Path(path).read_bytes()
    record = json.loads(Path(record_path).read_bytes())
    problems = p.verify_record(record, data)
    elapsed = time.perf_counter() - t0
    own, kids = maxrss_mb()
    return {
        "verify": elapsed,
        "cpu": cpu_seconds(),
        "problems": problems[:1],
        "maxrss_self": own,
        "maxrss_children": kids,
    }


def measure_pandas(path: str, record_path: str) -> dict:
    try:
        import pandas as pd
    except ImportError:
        return {"skipped": True}
    quotas = json.loads(Path(record_path).read_bytes())["quotas"]
    t0 = time.perf_counter()
    df = pd.read_csv(path, dtype={"uid": "string", "stratum": "category"}, engine="c")
    t_read = time.perf_counter() - t0
    t1 = time.perf_counter()
    parts = [
        g.sample(n=quotas.get(name, 0), random_state=1)
        for name, g in df.groupby("stratum", observed=True)
    ]
    picked = pd.concat(parts)
    t_sample = time.perf_counter() - t1
    own, _ = maxrss_mb()
    return {"read_csv": t_read, "sample": t_sample, "selected": len(picked), "maxrss_self": own}


def sha256_floor(n: int, cores: int = 2) -> str:
    try:
        res = subprocess.run(
            ["openssl", "speed", "-seconds", "1", "sha256"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"openssl speed 不可用：{exc}"
    line = next((x for x in res.stdout.splitlines() if x.startswith("sha256")), None)
    if not line:
        return "openssl speed 无输出"
    figures = [float(x.rstrip("k")) * 1000 for x in re.findall(r"[\d.]+k", line)]
    out = []
    for size, rate in zip((16, 64), figures[:2], strict=True):
        per_hash = size / rate
        out.append(
            f"{size} 字节：每次 {per_hash * 1e9:.0f} ns，{n:,} 次 ÷ {cores} 核 = "
            f"{per_hash * n / cores:.2f} s"
        )
    return "；".join(out)


def spread(runs: list[dict], field: str) -> str:
    times = sorted(r[field] for r in runs)
    if len(times) == 1:
        return f"{times[0]:.2f} s"
    return f"最好 {times[0]:.2f} s，中位 {times[len(times) // 2]:.2f} s（{len(times)} 次）"


def run_child(mode: str, *args: str, python: str | None = None) -> dict:
    res = subprocess.run(
        [python or sys.executable, __file__, "--child", mode, *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if res.returncode:
        sys.exit(f"{mode} 失败：\n{res.stderr}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=10_000_000, help="候选数（默认 1000 万）")
    ap.add_argument("--population", help="已有的人口文件（不给则在临时目录生成）")
    ap.add_argument("--repeat", type=int, default=1, help="抽取与核验各重复几次（取最好与中位数）")
    ap.add_argument(
        "--pandas-python", help="跑 pandas 对照用的解释器（例如另一个装了 pandas 的 venv）"
    )
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        mode, *rest = args.child
        fn = {"draw": measure_draw, "verify": measure_verify, "pandas": measure_pandas}[mode]
        print(json.dumps(fn(*rest), ensure_ascii=False))
        return

    with tempfile.TemporaryDirectory(prefix="draw-bench-") as tmp:
        if args.population:
            pop = Path(args.population)
        else:
            pop = Path(tmp) / "population.csv"
            t0 = time.perf_counter()
            generate(pop, args.n)
            print(f"生成人口文件 {pop}：{time.perf_counter() - t0:.1f} s")
        size = pop.stat().st_size
        n = sum(1 for _ in open(pop, "rb")) - 1
        record = str(Path(tmp) / "record.json")
        print(f"候选 {n:,} 个，文件 {size / 1e6:.0f} MB，CPU {os.cpu_count()} 个")

        runs = [run_child("draw", str(pop), record) for _ in range(args.repeat)]
        d = min(runs, key=lambda r: r["draw"])
        print(
            f"抽取 draw（读文件 {d['read']:.2f} s + 校验/摘要/种子/两核抽取）：{spread(runs, 'draw')}，"
            f"CPU {d['cpu']:.2f} s，入选 {d['selected']:,}；峰值内存 本进程 "
            f"{d['maxrss_self']:.0f} MB，子进程 {d['maxrss_children']:.0f} MB"
        )
        runs = [run_child("verify", str(pop), record) for _ in range(args.repeat)]
        v = min(runs, key=lambda r: r["verify"])
        status = "通过" if not v["problems"] else f"失败：{v['problems'][0]}"
        print(
            f"核验 protocol.verify_record：{spread(runs, 'verify')}（{status}），CPU {v['cpu']:.2f} s；"
            f"峰值内存 本进程 {v['maxrss_self']:.0f} MB，子进程 {v['maxrss_children']:.0f} MB"
        )
        t0 = time.perf_counter()
        res = subprocess.run(
            [sys.executable, str(ROOT / "tools" / "verify_draw.py"), record, str(pop)],
            capture_output=True,
            text=True,
        )
        print(
            f"核验 tools/verify_draw.py（单进程）：{time.perf_counter() - t0:.2f} s，"
            f"退出码 {res.returncode}"
        )
        pd_res = run_child("pandas", str(pop), record, python=args.pandas_python)
        if pd_res.get("skipped"):
            print(
                "pandas 对照：未安装 pandas，跳过（.venv/bin/pip install pandas 后再运行，"
                "或用 --pandas-python 指定装了 pandas 的解释器）"
            )
        else:
            print(
                f"pandas 对照：read_csv {pd_res['read_csv']:.2f} s + groupby 抽样 "
                f"{pd_res['sample']:.2f} s，峰值内存 {pd_res['maxrss_self']:.0f} MB"
                "（不可验证：结果取决于行序与随机状态）"
            )
        print(f"SHA-256 下限（openssl speed）：{sha256_floor(n)}")


if __name__ == "__main__":
    main()
