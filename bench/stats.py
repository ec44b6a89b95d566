"""统计表的性能基准（不是测试）：N 个市场主体、M 个检查对象上算一次年度统计表。

    .venv/bin/python bench/stats.py                                  # 小规模：2 万主体、2 千检查
    .venv/bin/python bench/stats.py --entities 1000000 --inspections 50000   # 目标规模
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/stats_bench .venv/bin/python bench/stats.py

建一个临时 SQLite 库（或用 DATABASE_URL 指定的 PostgreSQL 库，先清空再迁移），载入演示的组织
与账号，在丰泽区各所批量写入主体（九成企业、一成个体），一次已完成的抽取抽中 M 户并派发为检查
对象，已检查的各有一条审核通过的结果（未发现问题、无法联系、发现问题并责令改正轮换）；然后分别
计时：县（区）账号的年度统计表（各所并列）、市账号的统计表（各县并列）、按任务的分组表、看板的
逾期提醒。
目标（issue 12）：1M 主体、5 万检查时年度统计表 ≤ 2 秒（SQLite 与 PostgreSQL）。
"""

import argparse
import datetime
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=20_000)
    parser.add_argument("--inspections", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3, help="每张表计时几次（取最好的一次）")
    args = parser.parse_args()

    tmp = None
    if not os.environ.get("DATABASE_URL"):
        tmp = tempfile.mkdtemp(prefix="stats-bench-")
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuangsui.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from shuangsui.catalog.models import InspectionItem
    from shuangsui.core.choices import Role, UnitLevel
    from shuangsui.core.models import User
    from shuangsui.demo import data as demo
    from shuangsui.directory.models import Entity
    from shuangsui.draws.models import Draw, DrawnTarget
    from shuangsui.inspections.models import Inspection
    from shuangsui.plans.models import Task
    from shuangsui.results.models import Result
    from shuangsui.stats import alerts, services

    t0 = time.perf_counter()
    call_command("flush", interactive=False, verbosity=0) if tmp is None else None
    call_command("migrate", verbosity=0)
    counties = demo.build_org()
    county = counties["350503"]
    users = {u.username: u for c in counties.values() for u in demo.build_users(c)}
    stations = list(county.children.filter(level=UnitLevel.STATION).order_by("code"))
    rng = random.Random(20261201)
    batch = 20_000
    for start in range(0, args.entities, batch):
        rows = []
        for n in range(start, min(start + batch, args.entities)):
            unit = stations[n % len(stations)]
            rows.append(
                Entity(
                    uid=f"91350503{n:09d}X",
                    name=f"基准主体{n}",
                    entity_type="individual" if n % 10 == 9 else "enterprise",
                    unit=unit,
                    scope_path=unit.path,
                    credit_class=rng.choice("ABBBBCD"),
                    established=datetime.date(2020, 1, 1),
                )
            )
        Entity.objects.bulk_create(rows, batch_size=5000)
    year = timezone.localdate().year
    task = Task.objects.create(
        unit=county,
        code=f"BENCH-{year}",
        name="基准任务",
        year=year,
        start_date=datetime.date(year, 1, 1),
        deadline=datetime.date(year, 12, 31),
        class_ratios={"B": "0.05"},
    )
    now = timezone.now()
    draw = Draw.objects.create(
        task=task,
        status="completed",
        population_digest="0" * 64,
        frozen_at=now,
        frozen_by=users["planner"],
        completed_at=now,
        completed_by=users["planner"],
        selected_count=args.inspections,
        population_count=args.entities,
    )
    ids = list(
        Entity.objects.filter(scope_path__startswith=county.path)
        .values_list("id", "uid", "scope_path", "unit_id", "credit_class")
        .order_by("?" if connection.vendor == "postgresql" else "id")[: args.inspections]
    )
    targets = [
        DrawnTarget(
            draw=draw,
            scope_path=county.path,
            role="selected",
            rank=i + 1,
            uid=uid,
            stratum=cls if cls in "ABCD" else "U",
            key=f"{i:064x}",
            entity_id=pk,
        )
        for i, (pk, uid, _, _, cls) in enumerate(ids)
    ]
    DrawnTarget.objects.bulk_create(targets, batch_size=5000)
    targets = DrawnTarget.objects.filter(draw=draw).order_by("rank")
    Inspection.objects.bulk_create(
        [
            Inspection(
                drawn_target=t,
                task=task,
                draw=draw,
                entity_id=t.entity_id,
                uid=t.uid,
                station_id=unit_id,
                scope_path=path,
                rank=t.rank,
                deadline=task.deadline,
                status=rng.choice(["pending", "completed"]),
            )
            for t, (_, _, path, unit_id, _) in zip(targets, ids, strict=True)
        ],
        batch_size=5000,
    )
    demo.build_items(county)
    item = InspectionItem.objects.filter(unit=county).order_by("code").first()
    codes = [",1,", ",A,2,6,", ",A,2,B,E,"]
    Result.objects.bulk_create(
        [
            Result(
                inspection_id=pk,
                item=item,
                scope_path=path,
                status="approved",
                codes=codes[pk % 3],
                checked_to=datetime.date(year, 6, 1),
            )
            for pk, path in Inspection.objects.filter(task=task, status="completed").values_list(
                "id", "scope_path"
            )
        ],
        batch_size=5000,
    )
    city = User.objects.create(username="bench-city", role=Role.PLANNER, unit=county.parent)
    load = time.perf_counter() - t0
    print(
        f"数据库 {connection.vendor}；主体 {args.entities:,}，检查 {args.inspections:,}；"
        f"载入 {load:.1f} 秒"
    )

    def timed(call):
        """(最好的墙钟秒数, 本进程 CPU 秒数, 结果)：共用的机器忙时墙钟含排队等 CPU 的时间。"""
        best = cpu = out = None
        for _ in range(args.repeat):
            t, p = time.perf_counter(), time.process_time()
            out = call()
            best = min(best or 1e9, time.perf_counter() - t)
            cpu = min(cpu or 1e9, time.process_time() - p)
        return best, cpu, out

    for label, user in (("县（区）·各所", users["planner"]), ("市·各县（区）", city)):
        best, cpu, table = timed(lambda user=user: services.yearly_table(user, year))
        f = table.total.figures
        print(
            f"{label}：年度统计表 {best * 1000:.0f} ms（CPU {cpu * 1000:.0f} ms；{len(table.rows)} 行，"
            f"抽取户数 {f['targets']:,}，已检查 {f['checked']:,}，发现问题 {f['problem']:,}，"
            f"无法联系 {f['unreachable']:,}，企业基数 {f['base']:,}，"
            f"抽查比例 {services.display('ratio', f['ratio'])}）"
        )
    best, cpu, table = timed(lambda: services.breakdown_table(users["planner"], year, "task"))
    print(
        f"县（区）·按任务：分组表 {best * 1000:.0f} ms（CPU {cpu * 1000:.0f} ms；{len(table.lines)} 行）"
    )
    today = datetime.date(year, 12, 31)
    best, cpu, late = timed(lambda: alerts.overdue(county, today))
    print(
        f"县（区）：逾期提醒 {best * 1000:.0f} ms（CPU {cpu * 1000:.0f} ms；"
        f"{sum(a.count for a in late):,} 项）"
    )


if __name__ == "__main__":
    main()
