"""故障注入：长操作进行到一半 kill -9（或 PostgreSQL 立即停机），之后核对没有写下半截。

    .venv/bin/python bench/faults.py                      # 每个场景 20 次（SQLite）
    .venv/bin/python bench/faults.py --runs 2             # 短跑（.ci/run 即此）
    .venv/bin/python bench/faults.py --only import,draw --runs 50
    .venv/bin/python bench/faults.py --postgres --runs 0  # 只跑 PostgreSQL 的 pg_ctl stop -m immediate

每个场景先在临时数据目录（SQLite 库、抽取文件都在里面）里准备好“操作之前”的状态并存一份快照；
每一次：从快照恢复，启动操作（命令行，与页面同一套服务），在它正常用时之内随机一刻 kill -9 整个进程组，
然后另起进程核对：
- 该场景的“要么没有、要么完整”（导入：主体数是导入前或导入前加全部行；冻结：没有抽取，或名单与
  人员库文件都在且摘要相符；抽取：仍待抽取且没有检查对象，或已完成且记录核验通过、检查对象齐全；
  统计表导出：没有文件，或是完整可读的 XLSX）；
- `shuangsui audit verify` 通过（审计哈希链完整）。

PostgreSQL 场景（`--postgres`）从不碰共用的 127.0.0.1:5432：用 /usr/lib/postgresql/*/bin/initdb 在临时目录
建一个自己的集群、开在空闲端口，导入进行中 `pg_ctl stop -m immediate`，重启后核对，最后删掉集群。

新场景：写一个 Scenario 子类（prepare 准备快照里的状态，argv 给出要被杀的命令，check 在 Django 里核对），
加进 SCENARIOS。
"""

import argparse
import glob
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SECRETS = {"planner": "故障演练-执行方秘密值", "witness": "故障演练-见证方秘密值"}
IMPORT_ROWS = 30000


def shuangsui(args, env, check=True, capture=False):
    return subprocess.run(
        [str(BIN / "shuangsui"), *args],
        env=env,
        cwd=ROOT,
        check=check,
        text=True,
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
        stderr=subprocess.PIPE if capture else None,
    )


def shell(code, env):
    """在该数据目录的库上执行一段 Python（Django 已就绪），返回打印的最后一行。"""
    out = shuangsui(["shell", "-c", code], env, capture=True).stdout.strip().splitlines()
    return out[-1] if out else ""


# ---------------------------------------------------------------- 场景


class Scenario:
    name = ""
    label = ""

    def prepare(self, env, work):
        """在快照里准备“操作之前”的状态（在 base 的副本上）。"""

    def argv(self, env, work):
        raise NotImplementedError

    def check(self, work):
        """在 Django 里核对（由 --check 子进程调用）：返回 (状态说明, 问题列表)。"""
        raise NotImplementedError


def approved_task_code(env):
    return shell(
        "from shuangsui.plans.models import Task;"
        "print(Task.objects.filter(status='approved').order_by('id').first().code)",
        env,
    )


def draw_state(code):
    """该任务的抽取：没有、或各次抽取的状态与文件是否完整。"""
    from shuangsui.draws import services as draws
    from shuangsui.draws.choices import DrawStatus, FileKind
    from shuangsui.draws.services import FileMismatch
    from shuangsui.inspections.models import Inspection
    from shuangsui.plans.models import Task

    task = Task.objects.get(code=code)
    problems, states = [], []
    for draw in task.draws.order_by("number"):
        states.append(draw.status)
        kinds = [FileKind.POPULATION] + ([FileKind.POOL] if draw.pool_file else [])
        for kind in kinds:
            try:
                draws.read_file(draw, kind)
            except FileMismatch as exc:
                problems.append(f"抽取 {draw.number} 的{kind.label}：{'；'.join(exc.messages)}")
        targets = Inspection.objects.filter(draw=draw).count()
        if draw.status == DrawStatus.COMPLETED:
            problems += [f"抽取 {draw.number}：{p}" for p in draws.verify_stored(draw)]
            record = json.loads(draws.read_file(draw, FileKind.RECORD))
            selected = len(record.get("selected", []))
            if selected and targets < selected:
                problems.append(f"抽取 {draw.number} 抽中 {selected} 户，检查对象只有 {targets} 户")
            if task.status not in ("drawn", "completed"):
                problems.append(f"抽取已完成，任务却是“{task.status}”")
        elif targets:
            problems.append(f"抽取 {draw.number} 未完成（{draw.status}）却有 {targets} 个检查对象")
    return ",".join(states) or "无抽取", problems


class ImportScenario(Scenario):
    name = "import"
    label = f"导入 {IMPORT_ROWS} 户市场主体（命令行）"

    def prepare(self, env, work):
        from shuangsui.directory import uscc  # 纯函数模块，不需要 Django

        rows = ["统一社会信用代码,名称,所属单位"]
        for n in range(IMPORT_ROWS):
            uid = uscc.make(f"91350503FT{n:07d}")
            rows.append(f"{uid},故障演练第{n}号有限公司,35050301")
        (work / "entities.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")

    def argv(self, env, work):
        return ["import", "entities", str(work / "entities.csv"), "--user", "planner"]

    def check(self, work):
        from shuangsui.directory.models import Entity

        base = json.loads((work / "base.json").read_text())["entities"]
        now = Entity.objects.count()
        fault = Entity.objects.filter(name__startswith="故障演练").count()
        problems = []
        if (now, fault) not in ((base, 0), (base + IMPORT_ROWS, IMPORT_ROWS)):
            problems.append(f"主体 {now} 户（演练行 {fault}），应为 {base} 或 {base + IMPORT_ROWS}")
        return ("已导入" if fault else "未导入"), problems

    def baseline(self):
        from shuangsui.directory.models import Entity

        return {"entities": Entity.objects.count()}


class FreezeScenario(Scenario):
    name = "freeze"
    label = "冻结名单（draw freeze）"

    def prepare(self, env, work):
        (work / "task").write_text(approved_task_code(env))

    def argv(self, env, work):
        return ["draw", "freeze", (work / "task").read_text(), "--user", "planner"]

    def check(self, work):
        return draw_state((work / "task").read_text())


class DrawScenario(Scenario):
    name = "draw"
    label = "执行抽取（draw run，含派发）"

    def prepare(self, env, work):
        code = approved_task_code(env)
        (work / "task").write_text(code)
        shuangsui(["draw", "freeze", code, "--user", "planner"], env)
        for user in ("planner", "witness"):
            shuangsui(["draw", "commit", code, "--user", user, "--value", SECRETS[user]], env)
        for user in ("planner", "witness"):
            shuangsui(["draw", "reveal", code, "--user", user, "--value", SECRETS[user]], env)

    def argv(self, env, work):
        return ["draw", "run", (work / "task").read_text(), "--user", "planner"]

    def check(self, work):
        return draw_state((work / "task").read_text())


class StatsScenario(Scenario):
    name = "stats"
    label = "导出统计表（stats export）"

    def argv(self, env, work):
        year = time.localtime().tm_year
        out = work / "stats.xlsx"
        return ["stats", "export", "--year", str(year), "--user", "admin", "--out", str(out)]

    def check(self, work):
        out = work / "stats.xlsx"
        # kill -9 时留下的是带 .partial 后缀的临时文件（不会被当成统计表），不算半截的输出
        problems = []
        if not out.exists():
            return "没有文件", problems
        try:
            with zipfile.ZipFile(out) as z:
                bad = z.testzip()
            if bad:
                problems.append(f"XLSX 里 {bad} 损坏")
            import openpyxl

            openpyxl.load_workbook(out, read_only=True).close()
        except Exception as exc:  # noqa: BLE001 - 任何读不了的都是半截文件
            problems.append(f"统计表文件不完整：{exc}")
        return "有文件", problems


SCENARIOS = [ImportScenario(), FreezeScenario(), DrawScenario(), StatsScenario()]
BY_NAME = {s.name: s for s in SCENARIOS}


# ---------------------------------------------------------------- 核对（子进程，Django 里）


def run_check(name, work):
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuangsui.settings")
    django.setup()
    from django.core.management import call_command

    scenario = BY_NAME[name]
    if (work / "want-baseline").exists():
        print(json.dumps(scenario.baseline()))
        return
    state, problems = scenario.check(work)
    try:
        call_command("audit", "verify", stdout=open(os.devnull, "w"))
    except BaseException as exc:  # noqa: BLE001 - CommandError、SystemExit 都算未通过
        problems.append(f"audit verify 未通过：{exc}")
    print(json.dumps({"state": state, "problems": problems}, ensure_ascii=False))


def record_baseline(scenario, work, env):
    """操作之前的状态（如主体数）记进 work/base.json，供核对时比较。"""
    if not hasattr(scenario, "baseline"):
        return
    (work / "want-baseline").touch()
    out = subprocess.run(
        [sys.executable, __file__, "--check", scenario.name, "--work", str(work)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    (work / "want-baseline").unlink()
    (work / "base.json").write_text(out.stdout.strip().splitlines()[-1])


def report(head, states, failures):
    spread = "、".join(f"{k} {v}" for k, v in sorted(states.items()))
    verdict = "通过" if not failures else f"未通过 {len(failures)} 次"
    print(f"{head}之后：{spread or '—'}；{verdict}")
    for when, problems in failures[:5]:
        print(f"  {when}：{'；'.join(map(str, problems))}")
    return not failures


def checked(name, work, env):
    out = subprocess.run(
        [sys.executable, __file__, "--check", name, "--work", str(work)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        return {"state": "核对出错", "problems": [out.stderr.strip().splitlines()[-1:]]}
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- 驱动


def data_env(data, extra=None):
    env = dict(os.environ, SHUANGSUI_DATA_DIR=str(data), PYTHONUNBUFFERED="1")
    env.pop("DATABASE_URL", None)
    env.update(extra or {})
    return env


def build_base(root, entities, extra=None):
    data = root / "base"
    env = data_env(data, extra)
    started = time.perf_counter()
    shuangsui(["demo-data", "--setup", "--entities", str(entities), "--inspectors", "40"], env)
    return data, time.perf_counter() - started


def kill_during(argv, env, delay):
    """启动命令，delay 秒后 kill -9 整个进程组；返回 (是否被杀, 用时)。"""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [str(BIN / "shuangsui"), *argv],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        proc.wait(timeout=delay)
        return False, time.perf_counter() - started
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return True, time.perf_counter() - started


def run_scenario(scenario, base, root, runs, rng):
    home = root / scenario.name
    snap = home / "snap"
    shutil.copytree(base, snap)
    env = data_env(snap)
    work = home / "work"
    work.mkdir()
    scenario.prepare(env, work)
    record_baseline(scenario, work, env)
    # 不杀的一次：正常用时，也核对正常结束的结果
    data = home / "run"
    shutil.copytree(snap, data)
    started = time.perf_counter()
    shuangsui(scenario.argv(data_env(data), work), data_env(data))
    full = time.perf_counter() - started
    result = checked(scenario.name, work, data_env(data))
    failures = [("正常", result["problems"])] if result["problems"] else []
    states, killed = {}, 0
    for n in range(runs):
        shutil.rmtree(data)
        for leftover in work.glob("stats.xlsx*"):
            leftover.unlink()
        shutil.copytree(snap, data)
        env = data_env(data)
        was_killed, _ = kill_during(scenario.argv(env, work), env, rng.uniform(0.3, 1.0) * full)
        killed += was_killed
        result = checked(scenario.name, work, env)
        states[result["state"]] = states.get(result["state"], 0) + 1
        if result["problems"]:
            failures.append((f"第{n + 1}次", result["problems"]))
    shutil.rmtree(home)
    head = f"{scenario.label}：正常用时 {full:.1f} s；kill -9 {killed}/{runs} 次（其余已先结束），"
    return report(head, states, failures)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_run(root, runs, rng):
    """自己的临时集群上：导入进行中 pg_ctl stop -m immediate，重启后核对。共用的 5432 从不碰。"""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        print("PostgreSQL：找不到 initdb，跳过")
        return True
    pg_bin = Path(found[-1]).parent
    # 集群目录自己一个临时目录；以 root 运行时 initdb 不肯，改用系统用户 postgres（目录归它）
    cluster_home = Path(tempfile.mkdtemp(prefix="shuangsui-faults-pg-"))
    cluster = cluster_home / "data"
    as_owner = []
    if os.geteuid() == 0:
        import pwd

        owner = pwd.getpwnam("postgres")
        os.chown(cluster_home, owner.pw_uid, owner.pw_gid)
        as_owner = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    if port == 5432:
        raise SystemExit("空闲端口不应是 5432")
    subprocess.run(
        [*as_owner, str(pg_bin / "initdb"), "-D", str(cluster), "-U", "postgres", "-A", "trust"]
        + ["-E", "UTF8"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    log = cluster_home / "pg.log"
    ctl = [*as_owner, str(pg_bin / "pg_ctl"), "-D", str(cluster), "-w", "-l", str(log)]
    opts = f"-p {port} -k {cluster_home} -c listen_addresses=127.0.0.1 -c fsync=on"

    def start():
        subprocess.run([*ctl, "-o", opts, "start"], check=True, stdout=subprocess.DEVNULL)

    def stop(mode):
        subprocess.run([*ctl, "stop", "-m", mode], check=False, stdout=subprocess.DEVNULL)

    url = {"DATABASE_URL": f"postgres://postgres@127.0.0.1:{port}/postgres"}
    ok = True
    try:
        start()
        base, _ = build_base(root, 3000, url)
        scenario = BY_NAME["import"]
        work = root / "pg-work"
        work.mkdir()
        env = data_env(base, url)
        scenario.prepare(env, work)
        record_baseline(scenario, work, env)
        states, failures = {}, []
        for n in range(runs):
            proc = subprocess.Popen(
                [str(BIN / "shuangsui"), *scenario.argv(env, work)],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            time.sleep(rng.uniform(1.5, 4.0))
            stop("immediate")
            proc.wait(timeout=120)
            start()
            result = checked("import", work, env)
            states[result["state"]] = states.get(result["state"], 0) + 1
            if result["problems"]:
                failures.append((f"第{n + 1}次", result["problems"]))
            if result["state"] == "已导入":  # 下一次仍从导入前开始
                shell(
                    "from shuangsui.directory.models import Entity;"
                    "Entity.objects.filter(name__startswith='故障演练').delete()",
                    env,
                )
        head = f"PostgreSQL（临时集群，端口 {port}）导入中 pg_ctl stop -m immediate × {runs}，重启"
        ok = report(head, states, failures)
    finally:
        stop("immediate")
        shutil.rmtree(cluster_home, ignore_errors=True)
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="每个场景 kill -9 几次")
    parser.add_argument("--only", default="", help="只跑这些场景（逗号分隔）：" + ",".join(BY_NAME))
    parser.add_argument("--entities", type=int, default=3000, help="演示库的市场主体数")
    parser.add_argument("--postgres", action="store_true", help="另跑 PostgreSQL 立即停机")
    parser.add_argument("--pg-runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--check", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.check:
        return run_check(args.check, Path(args.work))
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    chosen = [BY_NAME[n] for n in args.only.split(",") if n] if args.only else SCENARIOS
    started = time.perf_counter()
    ok = True
    with tempfile.TemporaryDirectory(prefix="shuangsui-faults-") as tmp:
        root = Path(tmp)
        if args.runs > 0 and chosen:
            base, seconds = build_base(root, args.entities)
            print(f"演示库（{args.entities} 户，SQLite）{seconds:.1f} s；随机种子 {seed}")
            for scenario in chosen:
                ok &= run_scenario(scenario, base, root, args.runs, rng)
        if args.postgres:
            ok &= postgres_run(root, args.pg_runs, rng)
    print(f"合计 {time.perf_counter() - started:.1f} s：{'全部通过' if ok else '有未通过的场景'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
