"""故障注入：长操作进行到一半 kill -9（或 PostgreSQL 立即停机），之后核对没有写下半截。

    .venv/bin/python bench/faults.py                      # 每个场景 20 次（SQLite）
    .venv/bin/python bench/faults.py --runs 2 --entities 2000   # 短跑（.ci/run 即此）
    .venv/bin/python bench/faults.py --only import,draw --runs 50
    .venv/bin/python bench/faults.py --runs 0 --postgres --pg-runs 8   # 只跑 PostgreSQL

每个场景先准备好“操作之前”的状态并存一份快照；每一次：从快照恢复，启动操作（命令行，与页面
同一套服务），在它进行中的某一刻 kill -9 整个进程组，然后另起进程核对：
- 该场景的“要么没有、要么完整”（导入：主体数是导入前或导入前加全部行；冻结：没有抽取，或名单与
  人员库文件都在且摘要相符；抽取：仍待抽取且没有检查对象、没有记录文件与种子，或已完成且记录核验
  通过、五个文件都登记且摘要相符、检查对象齐全；统计表导出：没有文件，或是完整可读的 XLSX）；
  没登记的抽取文件（kill 在文件改名之后、提交之前）与写到一半的临时文件只记数（状态里“留下…”）；
- `shuangsui audit verify` 通过（审计哈希链完整）。

SQLite：库与抽取文件都在临时数据目录里，快照即目录的副本，kill 在正常用时的 30%–100% 之间随机一刻。

PostgreSQL（`--postgres`）从不碰共用的 127.0.0.1:5432：用 /usr/lib/postgresql/*/bin/initdb 在临时目录建
自己的集群、开在空闲端口，演示库（`--pg-entities`）再在 SQL 里复制成约 20 万户（`--pg-copies`），让
冻结、抽取在数据库里的几步（资格 SQL、`COPY … TO STDOUT` 写名单、排除名单、`COPY … FROM STDIN`
读名单、SQL 选出）占得出时间。同样的场景类，快照是“数据目录副本 + 模板库”，每次
`CREATE DATABASE run TEMPLATE snap`。进程运行时每 10 ms 看一次 pg_stat_activity 里它的连接在做什么：
kill 轮流落在随机一刻、数据库里的每一步、提交（COMMIT）、连上库之后的任一刻；报告每次被杀时的
阶段与之后的状态，以及被杀进程的后端又留了多久。最后导入进行中 `pg_ctl stop -m immediate`，重启后
核对；结束时删掉集群。

新场景：写一个 Scenario 子类（prepare 准备快照里的状态，argv 给出要被杀的命令，check 在 Django 里核对），
加进 SCENARIOS；两种数据库都会跑它。
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


class Skip(Exception):
    """场景在这份基础数据上做不了（说明原因，不算失败）。"""


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
    from shuangsui.draws import ceremony
    from shuangsui.draws import services as draws
    from shuangsui.draws.choices import DrawStatus, FileKind
    from shuangsui.draws.services import FileMismatch
    from shuangsui.inspections.models import Inspection
    from shuangsui.plans.models import Task

    task = Task.objects.get(code=code)
    problems, states, referenced = [], [], set()
    for draw in task.draws.order_by("number"):
        states.append(draw.status)
        for kind in FileKind:
            rel, _ = draws.file_info(draw, kind)
            if rel:
                referenced.add(rel)
            elif draw.status == DrawStatus.COMPLETED:
                problems.append(f"抽取 {draw.number} 已完成却没有{kind.label}")
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
        elif draw.record_file or draw.public_record_file or draw.seed:
            problems.append(f"抽取 {draw.number} 未完成（{draw.status}）却登记了记录文件或种子")
    # 登记的文件都在且摘要相符（上面）；没登记的：kill 在文件改名之后、事务提交之前时留下的
    # （库里没有引用，下次同名写入时覆盖），临时文件是写到一半的。只记数，不算半截状态。
    folder = ceremony.root() / ceremony.safe(task.code)
    files = [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []
    spare = [p for p in files if str(p.relative_to(ceremony.root())) not in referenced]
    tmp = sum(p.name.endswith(".tmp") for p in spare)
    note = []
    if len(spare) - tmp:
        note.append(f"未登记的文件 {len(spare) - tmp}")
    if tmp:
        note.append(f"临时文件 {tmp}")
    state = ",".join(states) or "无抽取"
    return state + (f"（留下{'、'.join(note)}）" if note else ""), problems


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

    def baseline(self, work):
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


class PublishScenario(Scenario):
    name = "publish"
    label = "发布抽查结果公告（publish）"

    def prepare(self, env, work):
        # 找一个有待公示结果的任务和它的公示人（与页面同一条规则）
        found = shell(
            "from shuangsui.core.models import User\n"
            "from shuangsui.plans.models import Task\n"
            "from shuangsui.publicity import services as s\n"
            "users = list(User.objects.filter(is_active=True).order_by('id'))\n"
            "found = ''\n"
            "for t in Task.objects.order_by('id'):\n"
            "    if not found and s.ready_results(t).exists():\n"
            "        for u in users:\n"
            "            if not found and s.may_publish(u, t):\n"
            "                found = t.code + '|' + u.username\n"
            "print(found)",
            env,
        )
        if not found:
            raise Skip(
                "演示数据里没有待公示的结果：主体太少时演示不建检查结果，用 --entities 2000 以上"
            )
        code, user = found.rsplit("|", 1)
        (work / "task").write_text(code)
        (work / "user").write_text(user)

    def argv(self, env, work):
        return ["publish", (work / "task").read_text(), "--user", (work / "user").read_text()]

    def baseline(self, work):
        from shuangsui.plans.models import Task
        from shuangsui.publicity import services

        task = Task.objects.get(code=(work / "task").read_text())
        return {
            "ready": services.ready_results(task).count(),
            "publications": task.publications.count(),
        }

    def check(self, work):
        from shuangsui.plans.models import Task
        from shuangsui.publicity import services

        base = json.loads((work / "base.json").read_text())
        task = Task.objects.get(code=(work / "task").read_text())
        ready = services.ready_results(task).count()
        new = list(task.publications.order_by("id")[base["publications"] :])
        problems = []
        if not new:
            if ready != base["ready"]:
                problems.append(f"没有新公告，待公示却从 {base['ready']} 条变成 {ready} 条")
            return "未发布", problems
        if len(new) > 1:
            problems.append(f"一次发布出现 {len(new)} 批公告")
        rows = sum(p.rows.count() for p in new)
        if ready or rows != base["ready"]:
            problems.append(f"公告 {rows} 条结果、仍待公示 {ready} 条，应为 {base['ready']} 与 0")
        return "已发布", problems


SCENARIOS = [ImportScenario(), FreezeScenario(), DrawScenario(), PublishScenario(), StatsScenario()]
BY_NAME = {s.name: s for s in SCENARIOS}


# ---------------------------------------------------------------- 核对（子进程，Django 里）


def run_check(name, work):
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuangsui.settings")
    django.setup()
    from django.core.management import call_command

    scenario = BY_NAME[name]
    if (work / "want-baseline").exists():
        print(json.dumps(scenario.baseline(work)))
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


class SqliteStore:
    """SQLite：库与抽取文件都在数据目录里，快照即整个目录的副本。"""

    label = "SQLite"
    watches = False  # 没有可看的数据库阶段：等进程时不轮询

    def __init__(self, base):
        self.base = base

    def snapshot(self, home):
        shutil.copytree(self.base, home / "snap")
        return data_env(home / "snap")

    def restore(self, home):
        """从快照恢复出这一次的数据目录，返回它的环境。"""
        shutil.rmtree(home / "run", ignore_errors=True)
        shutil.copytree(home / "snap", home / "run")
        return data_env(home / "run")

    def phase(self):
        return None

    def drop(self, home):
        shutil.rmtree(home)


class PgStore(SqliteStore):
    """PostgreSQL（自己的临时集群）：抽取文件在数据目录里（目录副本），库由模板库复制
    （CREATE DATABASE … TEMPLATE，文件级复制，不经 SQL）。"""

    label = "PostgreSQL"
    watches = True

    def __init__(self, cluster, base, base_db):
        super().__init__(base)
        self.cluster, self.base_db = cluster, base_db
        self.snap_db = self.run_db = None

    def snapshot(self, home):
        shutil.copytree(self.base, home / "snap")
        self.snap_db, self.run_db = f"snap_{home.name}", f"run_{home.name}"
        self.cluster.create(self.snap_db, self.base_db)
        return data_env(home / "snap", self.cluster.url(self.snap_db))

    def restore(self, home):
        shutil.rmtree(home / "run", ignore_errors=True)
        shutil.copytree(home / "snap", home / "run")
        self.cluster.create(self.run_db, self.snap_db)
        return data_env(home / "run", self.cluster.url(self.run_db))

    def phase(self):
        return self.cluster.phase(self.run_db)

    def drop(self, home):
        for db in (self.run_db, self.snap_db):
            self.cluster.drop(db)
        shutil.rmtree(home)


# 数据库里的阶段（pg_stat_activity 里该库的连接正在做什么）；DB_PHASES 是冻结、抽取在数据库里做的几步
DB_PHASES = ("资格 SQL", "COPY 写出名单", "排除名单 SQL", "COPY 读入名单", "SQL 选出")
COMMIT = "提交（COMMIT）"
WORKING = None  # 连上库之后、断开之前的任一阶段


def matches(phase, wanted):
    if wanted is WORKING:
        return not phase.startswith(("未连接", "已断开"))
    return any(p in phase for p in wanted)


def classify(rows):
    """pg_stat_activity 的 (state, query) 行 → 阶段名。"""
    if not rows:
        return "未连接"
    labels = []
    for state, query in rows:
        query = query or ""
        if state == "active":
            if "INSERT INTO shuangsui_freeze" in query:
                labels.append(DB_PHASES[0])
            elif query.startswith("COPY (SELECT uid, stratum FROM shuangsui_freeze"):
                labels.append(DB_PHASES[1])
            elif "FROM shuangsui_freeze WHERE code IS NOT NULL" in query:
                labels.append(DB_PHASES[2])
            elif query.startswith("COPY shuangsui_draw_population"):
                labels.append(DB_PHASES[3])
            elif "sha256(convert_to(" in query:
                labels.append(DB_PHASES[4])
            elif query.strip().upper() == "COMMIT":
                labels.append(COMMIT)
            else:
                labels.append(
                    "其他 SQL" + (f"：{query[:60]}" if os.environ.get("FAULTS_DEBUG") else "")
                )
        elif state and state.startswith("idle in transaction"):
            labels.append("事务中（Python）")
        else:
            labels.append("事务外")
    return "+".join(sorted(set(labels)))


def connection_phase(phase, connected):
    """没有连接时分清是还没连上（启动中）还是已经断开（提交之后、进程收尾）。"""
    if phase != "未连接":
        return phase
    return "已断开（收尾）" if connected else "未连接（启动中）"


def launch(argv, env):
    return subprocess.Popen(
        [str(BIN / "shuangsui"), *argv],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def watch(proc, store, until=None, aim=None, tick=0.01):
    """等进程结束或到 until（perf_counter）；其间每 tick 秒看一次数据库里的阶段。

    aim=(阶段集合, 时长)：第一次看到这些阶段时把 until 改成那之后 [0, 时长) 里随机一刻。
    返回 (是否到时未结束, 各阶段看到的时长, 是否已看到过连接)。"""
    seen, connected, stamp = {}, False, time.perf_counter()
    if not store.watches:
        tick = None
    while True:
        now = time.perf_counter()
        if until is not None and now >= until:
            return True, seen, connected
        try:
            left = None if until is None else max(0.0, until - now)
            proc.wait(timeout=tick if left is None else min(tick or left, left))
            return False, seen, connected
        except subprocess.TimeoutExpired:
            pass
        phase = store.phase()
        now = time.perf_counter()
        phase = connection_phase(phase, connected)
        if phase is not None:
            seen[phase] = seen.get(phase, 0.0) + (now - stamp)
            connected = connected or not phase.startswith("未连接")
            if aim and matches(phase, aim[0]):
                until = now + aim[1]()
                aim = None
        stamp = now


def kill_during(argv, env, store, delay, aim=None):
    """启动命令，delay 秒后（或 aim 所指的阶段里）kill -9 整个进程组。

    返回 (是否被杀, 被杀那一刻数据库里的阶段)。"""
    proc = launch(argv, env)
    late, _, connected = watch(proc, store, until=time.perf_counter() + delay, aim=aim)
    if not late:
        return False, None
    phase = connection_phase(store.phase(), connected)  # 紧挨着 kill 之前再看一次
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    return True, phase


def linger(store, limit=60.0):
    """客户端被杀之后，它在服务端的后端还要多久才退出（正在算的查询算完、发现连接已断）。"""
    started = time.perf_counter()
    while store.watches and store.phase() != "未连接":
        if time.perf_counter() - started > limit:
            break
        time.sleep(0.02)
    return time.perf_counter() - started


def run_scenario(scenario, store, root, runs, rng):
    home = root / f"{scenario.name}_{store.label.lower()}"
    home.mkdir()
    work = home / "work"
    work.mkdir()
    env = store.snapshot(home)
    try:
        scenario.prepare(env, work)
    except Skip as exc:
        print(f"{scenario.label}（{store.label}）：跳过——{exc}")
        return True
    record_baseline(scenario, work, env)
    # 不杀的一次：正常用时（与数据库里各阶段的时长），也核对正常结束的结果
    env = store.restore(home)
    started = time.perf_counter()
    proc = launch(scenario.argv(env, work), env)
    _, timeline, _ = watch(proc, store)
    full = time.perf_counter() - started
    if proc.returncode:
        raise SystemExit(f"{scenario.label}（{store.label}）正常运行失败：返回 {proc.returncode}")
    result = checked(scenario.name, work, env)
    failures = [("正常", result["problems"])] if result["problems"] else []
    # PostgreSQL 上轮流：随机一刻；瞄准冻结/抽取在数据库里的每一步；瞄准提交；瞄准连上库之后的任一刻
    # （瞄准即第一次看到该阶段后，在它正常用时之内随机一刻 kill）
    aims = [None]
    for wanted in [(p,) for p in DB_PHASES] + [(COMMIT,), WORKING]:
        length = sum(v for k, v in timeline.items() if matches(k, wanted))
        if length:
            aims.append((wanted, lambda length=length: rng.uniform(0, length)))
    lingered = 0.0
    states, phases, killed = {}, {}, 0
    for n in range(runs):
        for leftover in work.glob("stats.xlsx*"):
            leftover.unlink()
        env = store.restore(home)
        aim = aims[n % len(aims)]
        delay = full * 3 if aim else rng.uniform(0.3, 1.0) * full
        was_killed, phase = kill_during(scenario.argv(env, work), env, store, delay, aim)
        killed += was_killed
        if was_killed:
            lingered = max(lingered, linger(store))
        result = checked(scenario.name, work, env)
        if was_killed and phase:
            phase = f"{phase}→{result['state']}"
            phases[phase] = phases.get(phase, 0) + 1
        states[result["state"]] = states.get(result["state"], 0) + 1
        if result["problems"]:
            failures.append((f"第{n + 1}次", result["problems"]))
    store.drop(home)
    head = (
        f"{scenario.label}［{store.label}］：正常用时 {full:.1f} s"
        + (f"（{timeline_text(timeline)}）" if timeline else "")
        + f"；kill -9 {killed}/{runs} 次（其余已先结束）"
        + (f"，被杀时的阶段→之后的状态：{counts_text(phases)}" if phases else "")
        + (f"（被杀进程的数据库后端最长又留了 {lingered:.2f} s）" if store.watches else "")
        + "，"
    )
    return report(head, states, failures)


def timeline_text(seen):
    return "、".join(f"{k} {v:.1f} s" for k, v in sorted(seen.items(), key=lambda kv: -kv[1]))


def counts_text(counts):
    return "、".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """自己的临时 PostgreSQL 集群（initdb 在临时目录，空闲端口）；共用的 127.0.0.1:5432 从不碰。"""

    def __init__(self, pg_bin):
        self.home = Path(tempfile.mkdtemp(prefix="shuangsui-faults-pg-"))
        data = self.home / "data"
        # 以 root 运行时 initdb 不肯，改用系统用户 postgres（目录归它）
        self.as_owner = []
        if os.geteuid() == 0:
            import pwd

            owner = pwd.getpwnam("postgres")
            os.chown(self.home, owner.pw_uid, owner.pw_gid)
            self.as_owner = ["runuser", "-u", "postgres", "--"]
        self.port = free_port()
        if self.port == 5432:
            raise SystemExit("空闲端口不应是 5432")
        subprocess.run(
            [*self.as_owner, str(pg_bin / "initdb"), "-D", str(data), "-U", "postgres"]
            + ["-A", "trust", "-E", "UTF8"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        self.ctl = [*self.as_owner, str(pg_bin / "pg_ctl"), "-D", str(data), "-w"]
        self.ctl += ["-l", str(self.home / "pg.log")]
        self.opts = f"-p {self.port} -k {self.home} -c listen_addresses=127.0.0.1 -c fsync=on"
        self.conn = None

    def start(self):
        subprocess.run([*self.ctl, "-o", self.opts, "start"], check=True, stdout=subprocess.DEVNULL)

    def stop(self, mode):
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        subprocess.run([*self.ctl, "stop", "-m", mode], check=False, stdout=subprocess.DEVNULL)

    def url(self, db):
        return {"DATABASE_URL": f"postgres://postgres@127.0.0.1:{self.port}/{db}"}

    def sql(self, query, params=None):
        import psycopg

        if self.conn is None or self.conn.closed:
            self.conn = psycopg.connect(
                f"postgres://postgres@127.0.0.1:{self.port}/postgres", autocommit=True
            )
        return self.conn.execute(query, params)

    def drop(self, db):
        if db:  # WITH (FORCE)：被杀的客户端留下的后端也一并结束
            self.sql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')

    def create(self, db, template):
        self.drop(db)
        self.sql(f'CREATE DATABASE "{db}" TEMPLATE "{template}"')

    def phase(self, db):
        rows = self.sql(
            "SELECT state, query FROM pg_stat_activity WHERE datname = %s "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
            [db],
        ).fetchall()
        return classify(rows)

    def grow(self, db, copies):
        """把库里的市场主体在 SQL 里复制 copies 份（新的 uid，其余各列相同），返回主体总数。

        名单大到冻结、抽取在数据库里的几步（COPY、选出）占得出时间，kill 才落得进去。"""
        import psycopg

        with psycopg.connect(self.url(db)["DATABASE_URL"], autocommit=True) as conn:
            if copies:
                cols = [
                    r[0]
                    for r in conn.execute(
                        "SELECT column_name FROM information_schema.columns "
                        "WHERE table_name = 'directory_entity' AND column_name NOT IN ('id', 'uid')"
                    )
                ]
                names = ", ".join(f'"{c}"' for c in cols)
                conn.execute(
                    f"INSERT INTO directory_entity (uid, {names}) SELECT 'FT' || "
                    f"lpad((e.id * {copies + 1} + g)::text, 16, '0'), {names} "
                    f"FROM directory_entity e CROSS JOIN generate_series(1, {copies}) g"
                )
                conn.execute("ANALYZE")
            return conn.execute("SELECT count(*) FROM directory_entity").fetchone()[0]

    def remove(self):
        self.stop("immediate")
        shutil.rmtree(self.home, ignore_errors=True)


def postgres_run(root, chosen, runs, entities, copies, rng):
    """自己的临时集群上：各场景 kill -9（库从模板库恢复），再加导入中 pg_ctl stop -m immediate。"""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        print("PostgreSQL：找不到 initdb，跳过")
        return True
    cluster = Cluster(Path(found[-1]).parent)
    ok = True
    try:
        cluster.start()
        cluster.sql('CREATE DATABASE "base"')
        base, seconds = build_base(root / "pg", entities, cluster.url("base"))
        total = cluster.grow("base", copies)
        print(
            f"演示库（{entities} 户，PostgreSQL 临时集群，端口 {cluster.port}）{seconds:.1f} s"
            + (f"；SQL 复制成 {total} 户" if copies else "")
        )
        store = PgStore(cluster, base, "base")
        for scenario in chosen:
            ok &= run_scenario(scenario, store, root, runs, rng)
        if "import" in [s.name for s in chosen]:
            ok &= immediate_stop(cluster, store, root, runs, rng)
    finally:
        cluster.remove()
    return ok


def immediate_stop(cluster, store, root, runs, rng):
    """导入进行中 pg_ctl stop -m immediate（整个集群立即停机），重启后核对。"""
    scenario = BY_NAME["import"]
    home = root / "import_stop"
    home.mkdir()
    work = home / "work"
    work.mkdir()
    env = store.snapshot(home)
    scenario.prepare(env, work)
    record_baseline(scenario, work, env)
    states, phases, failures = {}, {}, []
    for n in range(runs):
        env = store.restore(home)
        proc = launch(scenario.argv(env, work), env)
        # 连上库之后 0–2 s 里随机一刻（导入正常在库里约 2 s）
        aim = (WORKING, lambda: rng.uniform(0, 2.0))
        late, _, connected = watch(proc, store, until=time.perf_counter() + 60, aim=aim)
        phase = connection_phase(store.phase(), connected) if late else "已先结束"
        cluster.stop("immediate")
        proc.wait(timeout=120)
        cluster.start()
        result = checked("import", work, env)
        phase = f"{phase}→{result['state']}"
        phases[phase] = phases.get(phase, 0) + 1
        states[result["state"]] = states.get(result["state"], 0) + 1
        if result["problems"]:
            failures.append((f"第{n + 1}次", result["problems"]))
    store.drop(home)
    head = f"导入中 pg_ctl stop -m immediate × {runs}［PostgreSQL］，停机时的阶段→重启后：{counts_text(phases)}；"
    return report(head, states, failures)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="SQLite 上每个场景 kill -9 几次")
    parser.add_argument("--only", default="", help="只跑这些场景（逗号分隔）：" + ",".join(BY_NAME))
    parser.add_argument("--entities", type=int, default=3000, help="演示库的市场主体数")
    parser.add_argument(
        "--postgres", action="store_true", help="另在自己的临时 PostgreSQL 集群上跑各场景与立即停机"
    )
    parser.add_argument(
        "--pg-runs", type=int, default=5, help="PostgreSQL 上每个场景 kill -9（及立即停机）几次"
    )
    parser.add_argument(
        "--pg-entities", type=int, default=3000, help="PostgreSQL 演示库的市场主体数"
    )
    parser.add_argument(
        "--pg-copies",
        type=int,
        default=66,
        help="再在 SQL 里把主体复制几份（名单变大，kill 落得进 COPY 与选出）",
    )
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
    print(f"随机种子 {seed}")
    with tempfile.TemporaryDirectory(prefix="shuangsui-faults-") as tmp:
        root = Path(tmp)
        if args.runs > 0 and chosen:
            base, seconds = build_base(root, args.entities)
            print(f"演示库（{args.entities} 户，SQLite）{seconds:.1f} s")
            for scenario in chosen:
                ok &= run_scenario(scenario, SqliteStore(base), root, args.runs, rng)
        if args.postgres and args.pg_runs > 0:
            ok &= postgres_run(root, chosen, args.pg_runs, args.pg_entities, args.pg_copies, rng)
    print(f"合计 {time.perf_counter() - started:.1f} s：{'全部通过' if ok else '有未通过的场景'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
