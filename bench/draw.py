"""抽取协议的性能基准（不是测试）。

    .venv/bin/python bench/draw.py                 # 1000 万候选
    .venv/bin/python bench/draw.py --n 1000000     # 小一些
    .venv/bin/python bench/draw.py --population POP.csv   # 用已有的人口文件

    .venv/bin/python bench/draw.py --population /work/benchdata/pop10m.csv \
        --pandas-python /work/pdvenv/bin/python --repeat 3     # 给出目标与比值的完整一次

生成人口文件（像样的 18 位统一社会信用代码，层 A 30% / B 55% / C 10% / D 5%），然后分别在
独立子进程里测量：抽取（读文件 + 校验 + 摘要 + 种子 + 多核抽取）的耗时与内存、
protocol.verify_record 与 tools/verify_draw.py 的核验耗时、pandas 的 read_csv + groupby 抽样
（若装有 pandas），最后给出 SHA-256 的下限（`openssl speed` 的单次哈希成本 × N ÷ 2 核）。

目标（issue 13，1000 万候选，双核）：
- 抽取 ≤ 0.5 × pandas 的 read_csv + groupby().sample()（同一文件、同一次运行里测的）；
- 峰值内存 ≤ 1 GB：抽取时同时存活的所有进程（父进程与 fork 出的子进程）的 RSS 之和，
  由后台线程每 20 ms 读 /proc 取样（RSS 把父子共享的页重复计入，是偏大的上界；同时给出 PSS 之和）；
- tools/verify_draw.py ≤ 10 秒（仍只用标准库）。
最后一张表把每个目标、实测值、同一次运行里的锚和比值并排列出。
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
import threading
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
    c0 = cpu_seconds()
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
    cpu = cpu_seconds() - c0
    own, _ = maxrss_mb()
    return {
        "read_csv": t_read,
        "sample": t_sample,
        "cpu": cpu,
        "selected": len(picked),
        "maxrss_self": own,
    }


class TreeMemory:
    """后台线程每 interval 秒读一次 /proc：以 pid 为根的进程树里所有同时存活的进程的 RSS 之和
    的峰值（共享的页重复计入，偏大）；每十次取样再读一次 PSS 之和（共享页按进程数分摊）。"""

    def __init__(self, pid: int, interval: float = 0.02):
        self.pid, self.interval = pid, interval
        self.rss = self.pss = 0  # 峰值，字节
        self.processes = 0  # 峰值时的进程数
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _tree(self) -> list[int]:
        pids, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            pids.append(pid)
            try:
                for task in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{task}/children") as f:
                        todo += [int(x) for x in f.read().split()]
            except OSError:
                pass
        return pids

    @staticmethod
    def _field(path: str, name: str) -> int:
        try:
            with open(path) as f:
                for line in f:
                    if line.startswith(name):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def _run(self):
        page = os.sysconf("SC_PAGE_SIZE")
        n = 0
        while not self._stop.wait(self.interval):
            pids = self._tree()
            total = 0
            for pid in pids:
                try:
                    with open(f"/proc/{pid}/statm") as f:
                        total += int(f.read().split()[1]) * page
                except OSError:
                    pass
            if total > self.rss:
                self.rss, self.processes = total, len(pids)
            n += 1
            if n % 10 == 1:
                pss = sum(self._field(f"/proc/{pid}/smaps_rollup", "Pss:") for pid in pids)
                self.pss = max(self.pss, pss)


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
    """在子进程里测一项，同时取样整个进程树的内存（峰值记在结果的 tree_rss、tree_pss）。"""
    proc = subprocess.Popen(
        [python or sys.executable, __file__, "--child", mode, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with TreeMemory(proc.pid) as mem:
        out, err = proc.communicate()
    if proc.returncode:
        sys.exit(f"{mode} 失败：\n{err}")
    result = json.loads(out.strip().splitlines()[-1])
    result.update(tree_rss=mem.rss / 2**20, tree_pss=mem.pss / 2**20, tree_procs=mem.processes)
    return result


def run_tool(record: str, pop: str) -> dict:
    """tools/verify_draw.py（独立的子进程，墙钟时间，同样取样进程树的内存）。"""
    t0 = time.perf_counter()
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tools" / "verify_draw.py"), record, pop],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with TreeMemory(proc.pid) as mem:
        out, err = proc.communicate()
    elapsed = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime
    return {
        "cpu": cpu,
        "tool": elapsed,
        "code": proc.returncode,
        "out": (out + err).strip().splitlines()[:1],
        "tree_rss": mem.rss / 2**20,
        "tree_procs": mem.processes,
    }


def verdict(ratio: float) -> str:
    return "达标" if ratio <= 1 else "未达标"


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

        load0 = os.getloadavg()
        print(f"开始时负载（1/5/15 分钟）：{load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}")
        runs = [run_child("draw", str(pop), record) for _ in range(args.repeat)]
        d = min(runs, key=lambda r: r["draw"])
        peak = max(runs, key=lambda r: r["tree_rss"])
        print(
            f"抽取 draw（读文件 {d['read']:.2f} s + 校验/摘要/种子/多核抽取）：{spread(runs, 'draw')}，"
            f"CPU {d['cpu']:.2f} s，入选 {d['selected']:,}；内存：所有进程同时的 RSS 之和峰值 "
            f"{peak['tree_rss']:.0f} MB（{peak['tree_procs']} 个进程；PSS 之和 {peak['tree_pss']:.0f} MB），"
            f"本进程峰值 {d['maxrss_self']:.0f} MB，单个子进程峰值 {d['maxrss_children']:.0f} MB"
        )
        runs = [run_child("verify", str(pop), record) for _ in range(args.repeat)]
        v = min(runs, key=lambda r: r["verify"])
        status = "通过" if not v["problems"] else f"失败：{v['problems'][0]}"
        print(
            f"核验 protocol.verify_record：{spread(runs, 'verify')}（{status}），CPU {v['cpu']:.2f} s；"
            f"所有进程 RSS 之和峰值 {v['tree_rss']:.0f} MB"
        )
        tools = [run_tool(record, str(pop)) for _ in range(args.repeat)]
        t = min(tools, key=lambda r: r["tool"])
        print(
            f"核验 tools/verify_draw.py（{os.cpu_count()} 个进程分段）：{spread(tools, 'tool')}，"
            f"CPU {t['cpu']:.2f} s，退出码 {t['code']}（{' '.join(t['out'])}），"
            f"所有进程 RSS 之和峰值 {t['tree_rss']:.0f} MB"
        )
        pd_runs = [
            run_child("pandas", str(pop), record, python=args.pandas_python)
            for _ in range(args.repeat)
        ]
        pd_res = min(pd_runs, key=lambda r: r.get("read_csv", 0) + r.get("sample", 0))
        if pd_res.get("skipped"):
            print(
                "pandas 对照：未安装 pandas，跳过（.venv/bin/pip install pandas 后再运行，"
                "或用 --pandas-python 指定装了 pandas 的解释器）"
            )
        else:
            print(
                f"pandas 对照：read_csv {pd_res['read_csv']:.2f} s + groupby 抽样 "
                f"{pd_res['sample']:.2f} s（{len(pd_runs)} 次中最好的），CPU {pd_res['cpu']:.2f} s，峰值内存 "
                f"{pd_res['tree_rss']:.0f} MB（不可验证：结果取决于行序与随机状态）"
            )
        print(f"SHA-256 下限（openssl speed）：{sha256_floor(n)}")
        load1 = os.getloadavg()
        print(f"结束时负载（1/5/15 分钟）：{load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}")

        print(
            f"\n目标（issue 13，{n:,} 候选）        实测            同一次运行里的锚        比值  结论"
        )
        if pd_res.get("skipped"):
            print("抽取 ≤ 0.5 × pandas              （没有 pandas，无法比较）")
        else:
            anchor = pd_res["read_csv"] + pd_res["sample"]
            ratio = d["draw"] / anchor
            print(
                f"抽取 ≤ 0.5 × pandas              {d['draw']:6.2f} s        pandas {anchor:6.2f} s"
                f"         {ratio:5.2f}  {verdict(ratio / 0.5)}（≤ 0.50）"
            )
        gb = peak["tree_rss"] / 1024
        print(
            f"内存（所有进程同时）≤ 1 GB       {peak['tree_rss']:6.0f} MB       1 GB = 1024 MB"
            f"         {gb:5.2f}  {verdict(gb)}（RSS 之和，偏大；PSS 之和 {peak['tree_pss']:.0f} MB）"
        )
        print(
            f"tools/verify_draw.py ≤ 10 s      {t['tool']:6.2f} s        10 s"
            f"                   {t['tool'] / 10:5.2f}  {verdict(t['tool'] / 10)}"
        )


if __name__ == "__main__":
    main()
