"""公示门户查询的基准（不是测试）：N 条公示的结果上，C 个并发客户端查“抽查结果公告”，打印 p50/p95/p99。

    .venv/bin/python bench/portal.py                                   # 默认 10 万条、20 客户端、SQLite
    .venv/bin/python bench/portal.py --results 1000000 --seconds 30    # 目标规模（issue 11）
    .venv/bin/python bench/portal.py --db postgres --results 200000
    .venv/bin/python bench/portal.py --reuse ...                       # SQLite：复用上次载入的库

只写基准自己的数据：SQLite 库在 /tmp/portal-bench/（SHUANGSUI_DATA_DIR，每次重建，--reuse 时复用）；
PostgreSQL 上建库 shuangsui_portal_bench，结束时删除（--keep 保留），不碰别的库。
载入：演示的组织、账号与事项，N 个市场主体（批量写入，名称仿演示数据），再用 INSERT … SELECT 直接写
一次抽取、N 个检查对象、N 条审核通过的结果与 N 条公示的结果（分在 50 份公告里），不经业务流程。
用 gunicorn 服务（PUBLIC_SEARCH_LIMIT 调高，否则每客户端每分钟 60 次后答 429），C 个线程各自不停地查
/public/results/?q=…，查询种类轮流：名称两字、名称三四字、完整统一社会信用代码、代码前缀、查无结果。
每个请求带一个不同的无关参数，绕过门户 5 分钟的页面缓存（--cached 则不绕过）：量的是查库的时间。
目标（issue 11）：p95 < 100 ms，两个字的查询也一样。
"""

import argparse
import datetime
import os
import random
import secrets
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))
DATA_DIR = "/tmp/portal-bench"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_NAME = "shuangsui_portal_bench"
TARGET_P95 = 100  # ms
PUBLICATIONS = 50
KINDS = ["名称两字", "名称三四字", "完整代码", "代码前缀", "查无结果"]


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def pg_admin(sql):
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def load(n, rng):
    """载入基准数据（在本进程里，django.setup() 之后）。返回抽样用的 [(uid, name)]。"""
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from shuangsui.catalog.models import InspectionItem
    from shuangsui.demo import data as demo
    from shuangsui.directory.models import Entity
    from shuangsui.draws.models import Draw
    from shuangsui.plans.models import Task
    from shuangsui.publicity.models import Publication

    call_command("migrate", verbosity=0)
    counties = demo.build_org()
    county = counties["350503"]
    users = {u.username: u for u in demo.build_users(county)}
    demo.build_items(county)
    item = InspectionItem.objects.filter(unit=county).order_by("code").first()
    stations = list(county.children.filter(level="station").order_by("code"))
    trade = list(demo.TRADE)
    t0 = time.perf_counter()
    batch = 20_000
    for start in range(0, n, batch):
        rows = []
        for i in range(start, min(start + batch, n)):
            section, business, shop, _ = rng.choice(demo.BUSINESS)
            brand = rng.choice(trade) + rng.choice(trade)[0]
            individual = i % 3 == 2
            name = f"丰泽{brand}{shop}" if individual else f"泉州{brand}{business}有限公司"
            unit = stations[i % len(stations)]
            rows.append(
                Entity(
                    uid=f"9{2 if individual else 1}350503{i:09d}X",
                    name=name,
                    entity_type="individual" if individual else "enterprise",
                    unit=unit,
                    scope_path=unit.path,
                    region_code=county.code,
                    established=datetime.date(2020, 1, 1),
                )
            )
        Entity.objects.bulk_create(rows, batch_size=5000)
    print(f"  主体 {n:,}：{time.perf_counter() - t0:.1f} s", flush=True)

    t0 = time.perf_counter()
    year = 2026
    now = timezone.now()
    task = Task.objects.create(
        unit=county,
        code=f"BENCH-PORTAL-{year}",
        name="基准任务（门户查询）",
        year=year,
        start_date=datetime.date(year, 1, 1),
        deadline=datetime.date(year, 12, 31),
        status="drawn",
        approved_at=now,
    )
    draw = Draw.objects.create(
        task=task,
        status="completed",
        population_digest="0" * 64,
        frozen_at=now,
        frozen_by=users["planner"],
        completed_at=now,
        completed_by=users["planner"],
        selected_count=n,
        population_count=n,
    )
    pubs = Publication.objects.bulk_create(
        [
            Publication(
                task=task,
                authority=county,
                scope_path=county.path,
                year=year,
                number=k + 1,
                title=Publication.make_title(county.name, year, k + 1),
                published_on=datetime.date(year, 1, 1) + datetime.timedelta(days=3 * k),
                published_at=now,
                published_by=users["planner"],
            )
            for k in range(PUBLICATIONS)
        ]
    )
    pubs = list(Publication.objects.filter(task=task).order_by("number"))
    pg = connection.vendor == "postgresql"

    def js(v):
        return f"CAST('{v}' AS jsonb)" if pg else f"'{v}'"

    def day(d):
        return f"DATE '{d}'" if pg else f"'{d}'"

    checked = day(datetime.date(year, 6, 1))
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "INSERT INTO draws_drawntarget (draw_id, scope_path, role, rank, uid, stratum, key, "
            "inspectors, flags, entity_id) "
            f"SELECT %s, scope_path, 'selected', id, uid, 'U', uid, {js('[]')}, {js('{}')}, id "
            "FROM directory_entity",
            [draw.pk],
        )
        cur.execute(
            "INSERT INTO inspections_inspection (uid, name, scope_path, rank, deadline, status, "
            "match_flags, problems, needs_action, created_at, updated_at, draw_id, "
            "drawn_target_id, entity_id, station_id, task_id, replacement_reason, role) "
            f"SELECT e.uid, e.name, e.scope_path, t.rank, {day(task.deadline)}, 'completed', "
            f"{js('{}')}, {js('[]')}, FALSE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, %s, t.id, e.id, "
            "e.unit_id, %s, '', 'selected' "
            "FROM draws_drawntarget t JOIN directory_entity e ON e.id = t.entity_id "
            "WHERE t.draw_id = %s",
            [draw.pk, task.pk, draw.pk],
        )
        cur.execute(
            "INSERT INTO results_result (department, scope_path, version, current, "
            "correction_reason, status, checked_from, checked_to, methods, codes, "
            "status_confirmed, facts, provisions, entered_at, updated_at, submitted_at, "
            "reviewed_at, review_note, inspection_id, item_id) "
            f"SELECT '', scope_path, 1, TRUE, '', 'approved', {checked}, {checked}, ',1,', "
            "CASE WHEN id %% 3 = 0 THEN ',A,2,6,' ELSE ',1,' END, TRUE, '', '', "
            "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '', id, %s "
            "FROM inspections_inspection WHERE draw_id = %s",
            [item.pk, draw.pk],
        )
        for k, pub in enumerate(pubs):
            cur.execute(
                "INSERT INTO publicity_publishedresult (scope_path, uid, name, item_name, version, "
                "checked_from, checked_to, codes, code_text, published_on, due_on, on_time, "
                "withdrawal_reason, updated_at, authority_id, entity_id, item_id, "
                "publication_id, result_id, task_id) "
                f"SELECT i.scope_path, i.uid, i.name, %s, 1, r.checked_from, r.checked_to, "
                "r.codes, CASE WHEN r.codes = ',1,' THEN '未发现问题' "
                "ELSE '发现问题：已责令改正' END, "
                f"{day(pub.published_on)}, {day(pub.published_on)}, TRUE, '', CURRENT_TIMESTAMP, "
                "%s, i.entity_id, r.item_id, %s, r.id, %s "
                "FROM results_result r JOIN inspections_inspection i ON i.id = r.inspection_id "
                "WHERE i.draw_id = %s AND i.rank %% %s = %s",
                [item.name, county.pk, pub.pk, task.pk, draw.pk, PUBLICATIONS, k],
            )
    with connection.cursor() as cur:
        if pg:
            cur.execute("ANALYZE")
        cur.execute("SELECT COUNT(*) FROM publicity_publishedresult")
        total = cur.fetchone()[0]
    print(
        f"  抽取、检查、结果与公示 {total:,} 条（{PUBLICATIONS} 份公告）："
        f"{time.perf_counter() - t0:.1f} s",
        flush=True,
    )
    return sample()


def sample():
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT MAX(id) FROM directory_entity")
        top = cur.fetchone()[0]
        ids = random.Random(7).sample(range(1, top + 1), min(2000, top))
        marks = ", ".join(["%s"] * len(ids))
        cur.execute(f"SELECT uid, name FROM directory_entity WHERE id IN ({marks})", ids)
        return cur.fetchall()


def queries(picked):
    """各种查询的候选（从载入的名称与代码里取片段）。"""
    rng = random.Random(11)
    two, longer, full, prefix = set(), set(), [], []
    for uid, name in picked:
        core = name.removeprefix("泉州").removeprefix("丰泽")  # 去掉人人都有的地名，取字号与行业
        i = rng.randrange(len(core) - 1)
        two.add(core[i : i + 2])
        size = rng.choice([3, 4])
        j = rng.randrange(max(1, len(name) - size + 1))
        longer.add(name[j : j + size])
        full.append(uid)
        prefix.append(uid[: rng.choice([8, 10, 12, 14])])
    nothing = ["麒麟阁", "量子纠缠", "9135050399999999X", "鹦鹉螺号", "紫禁之巅", "蓬莱仙境阁"]
    return {
        "名称两字": sorted(two),
        "名称三四字": sorted(longer),
        "完整代码": full,
        "代码前缀": prefix,
        "查无结果": nothing,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=int, default=100_000, help="公示的结果条数（也是主体数）")
    parser.add_argument("--clients", type=int, default=20, help="并发客户端")
    parser.add_argument("--seconds", type=float, default=30, help="压测时长")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn 进程数（各 2 线程）")
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument(
        "--reuse", action="store_true", help="SQLite：复用 /tmp/portal-bench 里已载入的库"
    )
    parser.add_argument("--sqlite", help="SQLite 库文件（默认 /tmp/portal-bench/portal.sqlite3）")
    parser.add_argument("--keep", action="store_true", help="PostgreSQL：结束后不删基准库")
    parser.add_argument("--cached", action="store_true", help="不绕过门户的页面缓存")
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="每个客户端两次查询之间的平均停顿（秒）；0 为不停顿的闭环压测",
    )
    args = parser.parse_args()

    os.makedirs(DATA_DIR, exist_ok=True)
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="shuangsui.settings",
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SHUANGSUI_DATA_DIR=DATA_DIR,
        PUBLIC_SEARCH_LIMIT="1000000",
        SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
    )
    sqlite_path = args.sqlite or os.path.join(DATA_DIR, "portal.sqlite3")
    if args.db == "postgres":
        env["DATABASE_URL"] = f"{PG_SERVER}/{PG_NAME}"
        pg_admin(f"DROP DATABASE IF EXISTS {PG_NAME}")
        pg_admin(f"CREATE DATABASE {PG_NAME}")
        fresh = True
    else:
        env.pop("DATABASE_URL", None)
        env["SQLITE_PATH"] = sqlite_path
        fresh = not (args.reuse and os.path.exists(sqlite_path))
        if fresh:
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(sqlite_path + suffix):
                    os.remove(sqlite_path + suffix)
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection

    server = None
    try:
        print(f"载入（{args.db}，{'新建' if fresh else '复用'}）…", flush=True)
        picked = load(args.results, random.Random(20261202)) if fresh else sample()
        pool = queries(picked)
        connection.close()
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "shuangsui.wsgi",
                "-b",
                f"127.0.0.1:{args.port}",
                "-w",
                str(args.workers),
                "--threads",
                "2",
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{args.port}/public/results/"
        for _ in range(150):
            try:
                urllib.request.urlopen(base, timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        for kind in KINDS:  # 各 worker 预热一次
            for q in pool[kind][: args.workers]:
                urllib.request.urlopen(base + "?" + urllib.parse.urlencode({"q": q})).read()

        timings = {k: [] for k in KINDS}
        errors = {}
        hits = {k: 0 for k in KINDS}
        lock = threading.Lock()
        stop = time.perf_counter() + args.seconds

        def client(seed):
            rng = random.Random(seed)
            n = seed
            while time.perf_counter() < stop:
                kind = KINDS[n % len(KINDS)]
                n += 1
                params = {"q": rng.choice(pool[kind])}
                if not args.cached:
                    params["_bench"] = f"{seed}-{n}"
                url = base + "?" + urllib.parse.urlencode(params)
                t0 = time.perf_counter()
                try:
                    with urllib.request.urlopen(url, timeout=30) as resp:
                        body = resp.read().decode()
                    took = (time.perf_counter() - t0) * 1000
                    with lock:
                        timings[kind].append(took)
                        hits[kind] += "/public/entities/" in body
                except (urllib.error.URLError, OSError) as exc:
                    key = getattr(exc, "code", None) or type(exc).__name__
                    with lock:
                        errors[key] = errors.get(key, 0) + 1
                if args.think:
                    time.sleep(rng.expovariate(1 / args.think))

        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
    finally:
        if server:
            server.terminate()
            server.wait()
        if args.db == "postgres" and not args.keep:
            connection.close()
            pg_admin(f"DROP DATABASE IF EXISTS {PG_NAME}")

    total = sum(len(v) for v in timings.values())
    print(
        f"{args.db}：公示的结果 {args.results:,} 条，并发 {args.clients}，{elapsed:.0f} s，"
        f"停顿 {args.think} s，gunicorn {args.workers} 进程×2 线程，{'走' if args.cached else '绕过'}页面缓存；"
        f"本机上 {os.cpu_count()} 核（客户端与服务同机）"
    )
    print(f"目标：p95 < {TARGET_P95} ms（issue 11，含两个字的查询）")
    failed = []
    for kind in KINDS:
        v = timings[kind]
        if not v:
            print(f"  {kind:<6}\t没有成功的请求")
            failed.append(kind)
            continue
        p95 = percentile(v, 95)
        ok = p95 < TARGET_P95
        if not ok:
            failed.append(kind)
        print(
            f"  {kind:<6}\tp50 {statistics.median(v):7.1f} ms   p95 {p95:7.1f} ms   "
            f"p99 {percentile(v, 99):7.1f} ms   max {max(v):7.1f} ms   n={len(v)}   "
            f"有结果 {hits[kind]}   {'达标' if ok else '未达标'}"
        )
    print(
        f"  合计 {total} 次，{total / elapsed:.1f} 次/秒；错误 "
        + ("、".join(f"{k} ×{c}" for k, c in errors.items()) if errors else "0")
    )
    print("全部达标" if not failed and not errors else "未达标：" + "、".join(failed or ["有错误"]))


if __name__ == "__main__":
    main()
