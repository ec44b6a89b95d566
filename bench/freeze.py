"""冻结名单 + 抽取的基准（不是测试）：PostgreSQL 上 N 个市场主体，参考路径与数据库路径各走一遍。

    .venv/bin/python bench/freeze.py                        # 默认 100 万个主体
    .venv/bin/python bench/freeze.py --entities 200000 --keep
    .venv/bin/python bench/freeze.py --reuse --repeat 3     # 复用上次 --keep 的库，每条路径跑 3 次

参考路径（python）：build_population 把范围内的主体逐行读进 Python、套资格规则，population_csv
排序写文件，make_record 从文件字节抽取。数据库路径（sql）：资格规则是一条 SQL，名单由
`COPY … ORDER BY uid` 流式写进文件、边写边算摘要，排除名单 INSERT … SELECT，抽取时把文件 COPY
回临时表、在 SQL 里选出（见 draws/services.py 的“在数据库里冻结与选出”）。

只写基准自己的数据：建库 shuangsui_freeze_bench（结束时删除，--keep 保留），文件在
/work/benchdata/pgfreeze/（--data-dir）。载入：演示的组织、账号与事项，INSERT … SELECT
generate_series 写 N 个主体（A 10% / B 50% / C 25% / D 10% / U 5%，约 85% 存续，行业、类型、
重点领域各异），再写一次本年度已完成的抽取、抽中约 4% 的主体（让频次上限排除一部分）。
任务：按信用分类分层，B 0.5% / C 2% / D 5% / U 1%，备选各 50，A 类无事不扰，不匹配检查人员。

每条路径在独立的子进程里：冻结（名单、排除、留痕）→ 双方承诺与揭示 → 抽取，最后整个事务回滚。
报墙钟、该进程的 CPU 时间、该进程的峰值内存（VmHWM 减去 Django 启动后的 RSS）与其子进程
（python 路径多进程抽取的工作进程；ru_maxrss，含与父进程共享的页）的峰值内存；检查两条路径的名单摘要、各层人数、排除数与记录
（created_at 除外）逐字节相同。目标（issue 13 第 4 项）：名单由数据库写出、Python 进程不持有
整个名单——数据库路径的内存增量与名单大小无关（不随 N 增长），时间不比参考路径慢。
"""

import argparse
import hashlib
import json
import os
import re
import resource
import secrets
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_NAME = "shuangsui_freeze_bench"
DATA_DIR = "/work/benchdata/pgfreeze"
YEAR = 2026
SECRET = {"planner": "operator-secret-bench", "witness": "witness-secret-bench"}
CREATED = re.compile(rb'"created_at": "[^"]*"')


def pg_admin(sql):
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def load(n):
    """载入基准数据（django.setup() 之后），返回任务 id。"""
    import datetime
    from decimal import Decimal

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from shuangsui.catalog.models import InspectionItem
    from shuangsui.demo import data as demo
    from shuangsui.draws.models import Draw
    from shuangsui.plans import services as plans
    from shuangsui.plans.models import Task

    call_command("migrate", verbosity=0)
    county = demo.build_org()["350503"]
    users = {u.username: u for u in demo.build_users(county)}
    demo.build_items(county)
    item = InspectionItem.objects.create(
        unit=county, code="BENCH-GEN", name="基准一般事项", kind="general", ratio_cap=Decimal(1)
    )
    stations = list(county.children.filter(level="station").order_by("code"))
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "INSERT INTO directory_entity (uid, name, entity_type, scope_path, region_code, "
            "industry_code, address, legal_rep, phone, status, established, credit_class, "
            "key_tags, annual_report, updated, unit_id) "
            "SELECT '91350503' || lpad(g::text, 9, '0') || 'X', '基准企业' || g, "
            "CASE WHEN g %% 3 = 2 THEN 'individual' ELSE 'enterprise' END, "
            "(%s::text[])[1 + g %% %s], '350503', "
            "(ARRAY['F51', 'F52', 'C13', 'H62', 'I65'])[1 + g %% 5], '', '', '', "
            "CASE WHEN g %% 10 = 7 THEN 'cancelled' WHEN g %% 20 = 9 THEN 'revoked' "
            "ELSE 'active' END, DATE '2020-01-01', "
            "CASE WHEN (g * 13) %% 20 < 2 THEN 'A' WHEN (g * 13) %% 20 < 12 THEN 'B' "
            "WHEN (g * 13) %% 20 < 17 THEN 'C' WHEN (g * 13) %% 20 < 19 THEN 'D' ELSE 'U' END, "
            "CASE WHEN g %% 7 = 0 THEN ',food,' ELSE '' END, '', now(), "
            "(%s::bigint[])[1 + g %% %s] "
            "FROM generate_series(1, %s) AS g",
            [
                [s.path for s in stations],
                len(stations),
                [s.pk for s in stations],
                len(stations),
                n,
            ],
        )
    print(f"  主体 {n:,}：{time.perf_counter() - t0:.1f} s", flush=True)
    now = timezone.now()
    earlier = Task.objects.create(
        unit=county,
        code=f"BENCH-EARLIER-{YEAR}",
        name="基准：本年度较早的任务",
        year=YEAR,
        start_date=datetime.date(YEAR, 1, 1),
        deadline=datetime.date(YEAR, 12, 31),
        status="drawn",
        approved_at=now,
    )
    draw = Draw.objects.create(
        task=earlier,
        status="completed",
        population_digest="0" * 64,
        frozen_at=now,
        frozen_by=users["planner"],
        completed_at=now,
        completed_by=users["planner"],
    )
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "INSERT INTO draws_drawntarget (draw_id, scope_path, role, rank, uid, stratum, key, "
            "inspectors, flags, entity_id) "
            "SELECT %s, scope_path, 'selected', id, uid, credit_class, md5(uid), "
            "'[]'::jsonb, '{}'::jsonb, id FROM directory_entity WHERE id %% 23 = 5",
            [draw.pk],
        )
        cur.execute("ANALYZE")
    task = plans.create_task(
        users["planner"],
        items=[item],
        year=YEAR,
        start_date=datetime.date(YEAR, 3, 1),
        deadline=datetime.date(YEAR, 6, 30),
        quota_mode="class_ratio",
        class_ratios={"B": "0.005", "C": "0.02", "D": "0.05", "U": "0.01"},
        reserves={"B": 50, "C": 50, "D": 50, "U": 50},
        match_inspectors=False,
        methods=["1", "2"],
    )
    task = plans.approve_task(task, users["leader"], allow_duplicates=True, duplicate_note="基准")
    return task.pk


def rss_mb(field):
    """/proc/self/status 里的 VmRSS 或 VmHWM（峰值），MB。"""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"/proc/self/status 没有 {field}")


def child(path, task_id):
    """在本进程里走一遍（冻结 → 承诺、揭示 → 抽取），回滚，打印一行 JSON。"""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from shuangsui.draws import services as draws
    from shuangsui.draws.choices import FileKind
    from shuangsui.plans.models import Task

    sql = path == "sql"
    User = get_user_model()  # noqa: N806
    planner, witness = (User.objects.get(username=u) for u in ("planner", "witness"))
    task = Task.objects.get(pk=task_id)
    # 峰值从这里算起：ru_maxrss 会带上启动本进程的父进程的峰值（Linux 的 execve 不清零），所以
    # 用 VmHWM，并先经 /proc/self/clear_refs 把它重置为当前的 RSS
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
    base = rss_mb("VmRSS")
    out = {}
    with transaction.atomic():
        w0, c0 = time.perf_counter(), time.process_time()
        draw = draws.freeze(task, planner, in_db=sql)
        w1, c1 = time.perf_counter(), time.process_time()
        freeze_peak = rss_mb("VmHWM") - base
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        run_base = rss_mb("VmRSS")
        for user in (planner, witness):
            draws.commit(draw, user, value=SECRET[user.username])
        for user in (planner, witness):
            draws.reveal(draw, user, SECRET[user.username])
        w2, c2 = time.perf_counter(), time.process_time()
        done = draws.run(draw, planner, in_db=sql)
        w3, c3 = time.perf_counter(), time.process_time()
        run_peak = rss_mb("VmHWM") - run_base
        record = CREATED.sub(b'"created_at": "-"', draws.read_file(done, FileKind.RECORD))
        out.update(
            freeze=w1 - w0,
            run=w3 - w2,
            freeze_cpu=c1 - c0,
            run_cpu=c3 - c2,
            freeze_mb=freeze_peak,
            run_mb=run_peak,
            digest=done.population_digest,
            count=done.population_count,
            strata=done.strata,
            excluded=done.excluded_count,
            selected=done.selected_count,
            reserves=done.reserve_count,
            record=hashlib.sha256(record).hexdigest(),
        )
        transaction.set_rollback(True)
    out.update(
        base_mb=base,
        peak_mb=base + max(freeze_peak, run_base - base + run_peak),
        children_mb=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    )
    print(json.dumps(out))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--entities", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=1, help="每条路径跑几次（交替）")
    ap.add_argument("--data-dir", default=DATA_DIR)
    ap.add_argument("--keep", action="store_true", help="结束后不删基准库")
    ap.add_argument("--reuse", action="store_true", help="复用上次 --keep 留下的库")
    ap.add_argument("--child", choices=["python", "sql"], help=argparse.SUPPRESS)
    ap.add_argument("--task", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="shuangsui.settings",
        DEBUG="0",
        DATABASE_URL=f"{PG_SERVER}/{PG_NAME}",
        SHUANGSUI_DATA_DIR=args.data_dir,
        SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
    )
    os.environ.update(env)
    if args.child:
        return child(args.child, args.task)
    os.makedirs(args.data_dir, exist_ok=True)
    marker = Path(args.data_dir) / "task-id"
    if not args.reuse:
        pg_admin(f"DROP DATABASE IF EXISTS {PG_NAME}")
        pg_admin(f"CREATE DATABASE {PG_NAME}")
    import django

    django.setup()
    try:
        if args.reuse:
            task_id = int(marker.read_text())
            print(f"复用 {PG_NAME}（任务 {task_id}）", flush=True)
        else:
            print(f"载入 {args.entities:,} 个主体（PostgreSQL，{PG_NAME}）…", flush=True)
            task_id = load(args.entities)
            marker.write_text(str(task_id))
        from django.db import connections

        connections.close_all()
        runs = {"python": [], "sql": []}
        for _ in range(args.repeat):
            for path in ("python", "sql"):
                cmd = [sys.executable, __file__, "--child", path, "--task", str(task_id)]
                cmd += ["--data-dir", args.data_dir]
                done = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
                result = json.loads(done.stdout.strip().splitlines()[-1])
                runs[path].append(result)
                print(
                    f"  {path:>6}: 冻结 {result['freeze']:6.1f} s（CPU {result['freeze_cpu']:5.1f}）"
                    f"  抽取 {result['run']:6.1f} s（CPU {result['run_cpu']:5.1f}）"
                    f"  内存增量 冻结 {result['freeze_mb']:5.0f} MB、抽取 {result['run_mb']:5.0f} MB"
                    f"（基数 {result['base_mb']:.0f}）"
                    f"  子进程峰值 {result['children_mb']:6.1f} MB",
                    flush=True,
                )
        first = runs["python"][0]
        report(runs, args.entities if not args.reuse else first["count"] + first["excluded"])
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            pg_admin(f"DROP DATABASE IF EXISTS {PG_NAME}")
            marker.unlink(missing_ok=True)


def report(runs, n):
    def best(path, key):
        return min(r[key] for r in runs[path])

    first = runs["python"][0]
    print(
        f"\n候选 {first['count']:,}（范围内 {n:,} 户，排除 {first['excluded']:,}），"
        f"各层 {first['strata']}，入选 {first['selected']:,}、备选 {first['reserves']:,}；"
        f"各取 {len(runs['python'])} 次中最好的："
    )
    rows = [
        ("冻结（墙钟）", "freeze", "s"),
        ("冻结（本进程 CPU）", "freeze_cpu", "s"),
        ("抽取（墙钟）", "run", "s"),
        ("抽取（本进程 CPU）", "run_cpu", "s"),
    ]
    print(f"{'':<18}{'python':>10}{'sql':>10}{'sql / python':>14}")
    for label, key, unit in rows:
        py, sq = best("python", key), best("sql", key)
        print(f"{label:<16}{py:>9.2f}{unit}{sq:>9.2f}{unit}{sq / py:>13.2f}×")
    for label, key in (
        ("冻结：本进程内存增量", "freeze_mb"),
        ("抽取：本进程内存增量", "run_mb"),
        ("全程：本进程峰值增量", None),
        ("子进程峰值内存", "children_mb"),
    ):
        if key is None:
            py = min(r["peak_mb"] - r["base_mb"] for r in runs["python"])
            sq = min(r["peak_mb"] - r["base_mb"] for r in runs["sql"])
        else:
            py, sq = best("python", key), best("sql", key)
        ratio = f"{sq / py:>13.2f}×" if py else ""
        print(f"{label:<14}{py:>8.0f}MB{sq:>8.0f}MB{ratio}")
    total_py = best("python", "freeze") + best("python", "run")
    total_sq = best("sql", "freeze") + best("sql", "run")
    print(
        f"{'冻结 + 抽取（墙钟）':<14}{total_py:>9.2f}s{total_sq:>9.2f}s{total_sq / total_py:>13.2f}×"
    )
    keys = ("digest", "count", "strata", "excluded", "selected", "reserves", "record")
    same = all(r[k] == first[k] for k in keys for path in runs for r in runs[path])
    print(
        "名单摘要、各层人数、排除数与记录（created_at 除外）逐字节相同"
        if same
        else "两条路径的结果不同！"
    )
    peak = min(r["freeze_mb"] for r in runs["sql"])
    print(
        f"目标：数据库路径不在 Python 里持有名单（冻结的内存增量不随 N 增长）——本次 {peak:.0f} MB；"
        f"冻结 + 抽取不慢于参考路径——{total_sq / total_py:.2f}×"
    )
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
