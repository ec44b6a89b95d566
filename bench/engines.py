"""抽取引擎的性能对比（不是测试）：同一个人口文件，python / postgres / spark 各跑一次 draw-file。

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shuangsui \\
        .venv/bin/python bench/engines.py --n 10000000
    .venv/bin/python bench/engines.py --n 1000000 --engines python,spark

每个引擎在独立子进程里跑完整的 `shuangsui draw-file --engine …`（含 Django 启动，spark 含 JVM
启动；读文件、摘要、校验、抽取、写记录），报墙钟时间与相对 python 的倍数，并检查三份记录逐字节
相同。人口文件与 bench/draw.py 相同（A 30% / B 55% / C 10% / D 5%，比例 0.5%–5%，带备选）。
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from draw import ENTROPY, RATIOS, RESERVES, generate  # noqa: E402


def run(engine: str, population: Path, out: Path, master: str) -> float:
    cmd = [str(Path(sys.executable).with_name("shuangsui")), "draw-file", "--engine", engine]
    cmd += ["--population", str(population), "--task-code", "BENCH-2024-01", "--out", str(out)]
    cmd += ["--created-at", "2024-05-10T09:30:00+08:00", "--public", "beacon=bench"]
    for k, v in RATIOS.items():
        cmd += ["--ratio", f"{k}={v}"]
    for k, v in RESERVES.items():
        cmd += ["--reserve", f"{k}={v}"]
    for k, v in ENTROPY.items():
        cmd += ["--entropy", f"{k}={v}"]
    if engine == "spark":
        cmd += ["--spark-master", master]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=10_000_000, help="候选数（默认 1000 万）")
    ap.add_argument("--population", help="已有的人口文件（不给则在临时目录生成）")
    ap.add_argument("--engines", default="python,postgres,spark", help="逗号分隔")
    ap.add_argument("--spark-master", default="local[*]")
    args = ap.parse_args()
    engines = args.engines.split(",")
    if "postgres" in engines and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("postgres 引擎需要 DATABASE_URL=postgres://…")
    tmp = Path(tempfile.mkdtemp(prefix="bench-engines-"))
    try:
        population = Path(args.population) if args.population else tmp / "population.csv"
        if not args.population:
            t0 = time.perf_counter()
            generate(population, args.n)
            print(f"生成 {args.n:,} 行人口文件：{time.perf_counter() - t0:.1f} s")
        records, times = {}, {}
        for engine in engines:
            out = tmp / f"record-{engine}.json"
            times[engine] = run(engine, population, out, args.spark_master)
            records[engine] = out.read_bytes()
            base = times.get("python")
            ratio = f"  {times[engine] / base:.2f}× python" if base else ""
            print(f"{engine:>8}: {times[engine]:6.1f} s{ratio}")
        same = len(set(records.values())) == 1
        print("记录逐字节相同" if same else "记录不同！")
        if not same:
            sys.exit(1)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
