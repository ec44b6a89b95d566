"""新克隆上第一次 `make demo` 到第一页要多久，分段打印（安装、密钥、迁移、演示数据、服务启动）。

    python3 bench/first_demo.py                 # 克隆本仓库到临时目录，跑 make demo，等首页
    python3 bench/first_demo.py --runs 3 --keep-venv   # 第 2、3 次保留 .venv（只量安装以外）

只用标准库。克隆到临时目录（`--dir` 可指定，先删除），在空闲端口上运行 `make demo PORT=…`，
按 make 回显的命令给每一段计时，`/` 返回 200（跟随到登录页）即停，然后结束 make 的整个进程组。
不动 uv 的缓存（与新来的人的机器一样：缓存里有没有包，取决于这台机器以前装过没有）。
目标（issue 8）：首页 < 30 s。
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 30.0
# make 回显的命令 → 这一段的名字（回显在命令开始前，所以一段从它的回显到下一段的回显）
PHASES = [
    (re.compile(r"shuangsui secret-key"), "密钥"),
    (re.compile(r"shuangsui migrate"), "迁移"),
    (re.compile(r"shuangsui demo-data"), "演示数据"),
    (re.compile(r"^echo |演示账号见上"), "服务启动"),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def first_page(base):
    try:
        with urllib.request.urlopen(base + "/", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


TICK = os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """make 的进程组（会话）里每个进程用过的 CPU 秒数（/proc 采样；退出的进程留最后一次的值）。

    共用的机器上墙钟随负载变，CPU 秒数不怎么变：两者都打印。"""

    def __init__(self, sid):
        self.sid = sid
        self.seen = {}

    def sample(self):
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == self.sid:  # 第 6 个字段 session；去掉 pid 与 (comm) 后下标 3
                self.seen[entry.name] = (int(fields[11]) + int(fields[12])) / TICK
        return sum(self.seen.values())


def one_run(source, workdir, keep_venv, make_args):
    if workdir.exists() and not keep_venv:
        shutil.rmtree(workdir)
    elif workdir.exists():
        venv = workdir / ".venv"
        moved = workdir.parent / (workdir.name + "-venv")
        venv.rename(moved)
        shutil.rmtree(workdir)
    subprocess.run(["git", "clone", "-q", str(source), str(workdir)], check=True)
    if keep_venv:
        moved.rename(workdir / ".venv")
        # 可编辑安装指向克隆目录本身，目录同名即可沿用
    port = free_port()
    env = dict(os.environ, SHUANGSUI_DATA_DIR=str(workdir / "var"), PYTHONUNBUFFERED="1")
    env.pop("VIRTUAL_ENV", None)
    env.pop("DATABASE_URL", None)
    marks = [(0.0, "安装")]
    cpu_at = {}
    lines = []
    started = time.perf_counter()
    proc = subprocess.Popen(
        ["make", "demo", f"PORT={port}", *make_args],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )

    def reader():
        for line in proc.stdout:
            now = time.perf_counter() - started
            lines.append((now, line.rstrip()))
            for pattern, name in PHASES:
                if pattern.search(line) and name not in [m[1] for m in marks]:
                    marks.append((now, name))
                    cpu_at[name] = meter.sample()

    meter = CpuMeter(proc.pid)
    cpu_at["安装"] = 0.0
    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    total = None
    try:
        while time.perf_counter() - started < 600:
            if proc.poll() is not None:
                break
            meter.sample()
            if first_page(base):
                total = time.perf_counter() - started
                cpu_at["end"] = meter.sample()
                break
            time.sleep(0.05)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        thread.join(timeout=5)
    if total is None:
        print("\n".join(f"{t:7.1f}s {text}" for t, text in lines[-40:]))
        raise SystemExit("make demo 没有给出首页")
    marks.append((total, "end"))
    phases = [
        (name, marks[i + 1][0] - t, cpu_at[marks[i + 1][1]] - cpu_at[name])
        for i, (t, name) in enumerate(marks[:-1])
    ]
    return total, cpu_at["end"], phases


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default=str(ROOT), help="要克隆的仓库（默认本仓库）")
    parser.add_argument("--dir", default=str(Path(tempfile.gettempdir()) / "shuangsui-fresh"))
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--keep-venv", action="store_true", help="第 2 次起保留 .venv")
    parser.add_argument("make_args", nargs="*", help="传给 make 的其他变量，如 DEMO_ENTITIES=5000")
    args = parser.parse_args()
    workdir = Path(args.dir)
    load = os.getloadavg()[0]
    print(f"克隆 {args.source} → {workdir}；负载 {load:.1f}（{os.cpu_count()} 核）")
    for run in range(args.runs):
        total, cpu, phases = one_run(
            args.source, workdir, args.keep_venv and run > 0, args.make_args
        )
        parts = " · ".join(
            f"{name} {wall:.1f} s（CPU {used:.1f} s）" for name, wall, used in phases
        )
        verdict = "达标" if total < TARGET else "未达标"
        print(
            f"第{run + 1}次：首页 {total:.1f} s（目标 < {TARGET:.0f} s，{verdict}），"
            f"CPU 合计 {cpu:.1f} s；负载 {os.getloadavg()[0]:.1f}：{parts}"
        )
        sys.stdout.flush()


if __name__ == "__main__":
    main()
