"""导入基准：百万行市场主体 CSV 导入 SQLite 与 PostgreSQL 的速度，与裸装载对比。

    .venv/bin/python bench/import.py --rows 1000000

生成一个合法代码的 CSV（uscc.make），然后分别：
- SQLite：新建临时库并 migrate，`shuangsui import entities` 同样的流程（系统身份）；
  对照：sqlite3 命令行 `.import` 同一文件进一张无索引的普通表。
- PostgreSQL（DATABASE_URL，默认 postgres://postgres@127.0.0.1:5432/shuangsui_bench，
  没有就建）：同上；对照：COPY 同一文件进一张无索引的普通表。
每种数据库另测“只校验”（读文件 + 逐行校验，不写库）的速度。Django 在启动时按环境变量选库，
所以每个库在一个子进程里跑（--worker）。

完整导入计到事务提交为止（全部校验、写入、审计；唯一约束与外键都已重建）。大批量时名称检索索引与
名录索引、筛选索引（设置 IMPORT_DEFERRED_INDEXES，默认 entity_scope_list,entity_filter_list）在提交后由
同一个后台任务补建（issue 13 第 2 项允许检索索引这样做；名录页显示“检索索引更新中”），名录索引最先建：
其间名称检索走慢路径、翻页与筛选不走那些索引。这里也测其间一次名称查询与全县名录第一页（连计数）的用时、
名录索引建好的时刻、补建的总用时，以及补建后的同样查询。--defer-indexes 换一组留待补建的索引
（如只留 entity_filter_list：提交前就建好名录索引）。

目标（issue 13 第 2 项）：两种数据库上完整导入 ≥ 0.4 × 裸装载（同一次运行里测的）。
    .venv/bin/python bench/import.py --rows 1000000
    .venv/bin/python bench/import.py --rows 1000000 --repeat 3   # 机器抖动大时：交替三次，取居中的比值
"""

import argparse
import csv
import datetime
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_URL = "postgres://postgres@127.0.0.1:5432/shuangsui_bench"

HEADER = [
    "统一社会信用代码",
    "名称",
    "主体类型",
    "所属单位",
    "行政区划代码",
    "行业代码",
    "住所",
    "法定代表人",
    "联系电话",
    "登记状态",
    "成立日期",
    "信用风险分类",
    "分类日期",
    "重点领域",
    "年报状态",
]
TRADE = "鑫源 恒达 宏远 华泰 东方 盛世 金海 清源 泉丰 闽南 海丝 刺桐 福瑞 嘉禾 永盛 兴隆".split()
BUSINESS = [
    ("F5211", "贸易有限公司", "企业", "91"),
    ("H6210", "小吃店", "个体工商户", "92"),
    ("C1811", "鞋服有限公司", "企业", "91"),
    ("A0111", "种植专业合作社", "农民专业合作社", "93"),
    ("I6510", "网络科技有限公司", "企业", "91"),
]
STATIONS = [f"3505030{i}" for i in range(1, 9)]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
STREETS = ["东海大街", "泉秀路", "丰泽街", "刺桐路", "田安路", "津淮街"]


def generate(path, rows, seed=1):
    """写一个 rows 行的 CSV（UTF-8），代码互不相同且校验位正确。"""
    from shuangsui.directory import uscc

    rng = random.Random(seed)
    letters = uscc.ALPHABET
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        batch = []
        for i in range(rows):
            industry, suffix, kind, prefix = BUSINESS[i % len(BUSINESS)]
            # 第 9–17 位用 i 的 31 进制，保证唯一
            n, body = i, []
            for _ in range(9):
                n, r = divmod(n, 31)
                body.append(letters[r])
            uid = uscc.make(f"{prefix}350503{''.join(reversed(body))}")
            established = datetime.date(2000, 1, 1) + datetime.timedelta(days=rng.randrange(9000))
            credit = rng.choice("ABBBCD")
            batch.append(
                [
                    uid,
                    f"泉州{rng.choice(TRADE)}{rng.choice(TRADE)}{i}{suffix}",
                    kind,
                    STATIONS[i % len(STATIONS)],
                    "350503",
                    industry,
                    f"福建省泉州市丰泽区{rng.choice(STREETS)}{rng.randrange(1, 999)}号",
                    rng.choice(SURNAMES) + "某",
                    f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
                    "存续",
                    established.isoformat(),
                    credit,
                    "2025-01-01",
                    "食品" if industry == "H6210" else "",
                    "已报送",
                ]
            )
            if len(batch) >= 10000:
                writer.writerows(batch)
                batch = []
        writer.writerows(batch)


# ---------------------------------------------------------------- 子进程：在选定的库里导入


def worker(args):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuangsui.settings")
    import django

    django.setup()
    from django.db import connection

    from shuangsui.demo import data as demo
    from shuangsui.directory import search
    from shuangsui.directory.models import Entity
    from shuangsui.directory.search import search_entities
    from shuangsui.lib.tabular import read_table
    from shuangsui.transfer import specs
    from shuangsui.transfer.importers import entities
    from shuangsui.transfer.units import UnitIndex

    demo.build_org()
    with connection.cursor() as cur:  # 重复运行时清空上一次的数据
        if connection.vendor == "postgresql":
            cur.execute("TRUNCATE directory_entity CASCADE")
        else:
            cur.execute("DELETE FROM directory_entity")
    out = {"vendor": connection.vendor}

    # 只校验：读文件 + 逐行校验，不写库
    started = time.perf_counter()
    data = Path(args.csv).read_bytes()
    table = read_table(None, args.csv, data=data)
    _, cells = table.take_header()
    positions, labels, _, _ = specs.match_header(specs.ENTITY, cells)
    plan = entities.EntityPlan(
        positions=positions,
        labels=labels,
        width=len(cells),
        pads=False,
        units=UnitIndex(""),
        default_unit=None,
        updated="2025-01-01 00:00:00",
    )
    valid = sum(len(out) for _, out, _ in entities.validate_entities(table.rows, plan))
    seconds = time.perf_counter() - started
    out["validate_rows"] = valid
    out["validate_seconds"] = seconds
    out["validate_errors"] = plan.counter[1]
    del data, table

    # 完整导入（事务内写库 + 审计），CPU 时间含校验子进程与数据库服务进程之外的本进程
    cpu, own, server = _cpu(), _cpu(children=False), _server_cpu(connection)
    result = entities.import_entities(
        Path(args.csv), Path(args.csv).name, mode="insert", parallel=args.parallel
    )
    if server is not None:
        out["server_cpu"] = _server_cpu(connection) - server
    out["import_cpu"] = _cpu() - cpu
    out["import_cpu_self"] = _cpu(children=False) - own
    out["import_cpu_children"] = out["import_cpu"] - out["import_cpu_self"]
    out["import_rows"] = result.rows
    out["import_seconds"] = result.seconds
    out["created"] = result.created
    out["timings"] = result.timings
    out["index_pending"] = search.index_pending()
    with (
        connection.cursor() as cur
    ):  # 留待补建的索引（名称检索的 FTS5 不在其中：SQLite 只记 id 范围）
        cur.execute(f"SELECT definition FROM {search.PENDING} WHERE definition != ''")
        out["deferred"] = sorted({d.split(" ON ", 1)[0].split()[-1].strip('"') for (d,) in cur})
    # 正确性：能按名称检索到导入的主体（索引更新中走慢路径；之后走索引）
    last = Entity.objects.order_by("-id").values_list("name", flat=True).first()
    probe = last[2:8]
    started = time.perf_counter()
    out["pending_hits"] = search_entities(Entity.objects.all(), probe).count()
    out["pending_search_seconds"] = time.perf_counter() - started
    out["pending_list_seconds"], out["list_rows"] = list_page(Entity)
    started = time.perf_counter()
    marks = {}

    def progress(done, total, stage=""):
        if done >= 1 and ("名录" in stage or "筛选" in stage):  # 名录索引最先建
            marks.setdefault("list", time.perf_counter() - started)

    search.build_pending(progress)
    out["index_seconds"] = time.perf_counter() - started
    out["list_index_seconds"] = marks.get("list")
    out["list_seconds"], _ = list_page(Entity)
    started = time.perf_counter()
    out["search_hits"] = search_entities(Entity.objects.all(), probe).count()
    out["search_seconds"] = time.perf_counter() - started
    out["count"] = Entity.objects.count()
    print(json.dumps(out))


def list_page(entity):
    """全县名录第一页（按所、代码排序的 20 户）与总数：名录页的两条查询。返回 (秒, 行数)。"""
    first = entity.objects.order_by().values_list("scope_path", flat=True).first()
    county = "/".join(first.split("/")[:3]) + "/"
    started = time.perf_counter()
    queryset = entity.objects.filter(scope_path__startswith=county).order_by("scope_path", "uid")
    rows = list(queryset.values_list("uid", "name")[:20])
    total = queryset.count()
    return time.perf_counter() - started, (len(rows), total)


def _cpu(children=True):
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + (kids.ru_utime + kids.ru_stime if children else 0)


def _server_cpu(connection):
    """PostgreSQL 服务进程（本连接的后端）用过的 CPU 秒数；服务器不在本机（读不到 /proc）时为 None。

    不含并行建索引的工作进程。"""
    import dataset  # bench/dataset.py（脚本所在目录在 sys.path 上）

    return dataset.backend_cpu(connection)


# ---------------------------------------------------------------- 裸装载对照


def raw_sqlite(csv_path, workdir):
    db = workdir / "raw.sqlite3"
    db.unlink(missing_ok=True)  # --repeat：每次一个新库
    columns = ", ".join(f"c{i} TEXT" for i in range(len(HEADER)))
    started = time.perf_counter()
    subprocess.run(
        ["sqlite3", str(db)],
        input=f"CREATE TABLE plain ({columns});\n.mode csv\n.import --skip 1 {csv_path} plain\n",
        text=True,
        check=True,
    )
    seconds = time.perf_counter() - started
    return seconds


def raw_postgres(csv_path, url):
    import psycopg

    columns = ", ".join(f"c{i} text" for i in range(len(HEADER)))
    with psycopg.connect(url.replace("postgres://", "postgresql://")) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_plain")
        conn.execute(f"CREATE TABLE bench_plain ({columns})")
        conn.commit()
        started = time.perf_counter()
        with conn.cursor() as cur:
            with cur.copy("COPY bench_plain FROM STDIN (FORMAT csv, HEADER true)") as copy:
                with open(csv_path, "rb") as fh:
                    while block := fh.read(1 << 20):
                        copy.write(block)
        conn.commit()
        seconds = time.perf_counter() - started
        conn.execute("DROP TABLE bench_plain")
        conn.commit()
    return seconds


def ensure_pg_database(url):
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0].replace("postgres://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def run_worker(env, csv_path, rows, parallel, defer_indexes=None):
    command = [sys.executable, __file__, "--worker", "--csv", str(csv_path), "--rows", str(rows)]
    if defer_indexes is not None:
        env = dict(env, IMPORT_DEFERRED_INDEXES=defer_indexes)
    if parallel is not None:
        command += ["--parallel", "yes" if parallel else "no"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        print(done.stdout, done.stderr, file=sys.stderr)
        raise SystemExit(f"worker failed ({env.get('DATABASE_URL') or 'sqlite'})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def migrate(env):
    subprocess.run(
        [sys.executable, "-m", "shuangsui.cli", "migrate", "-v0"], env=env, check=True, cwd=ROOT
    )


TARGET = 0.4  # 完整导入 ≥ 0.4 × 裸装载


def report(name, result, raw_seconds, rows):
    validate = result["validate_rows"] / result["validate_seconds"]
    imported = result["import_rows"] / result["import_seconds"]
    raw = rows / raw_seconds
    ratio = imported / raw
    print(f"\n== {name} ==")
    print(
        f"目标：完整导入 ≥ {TARGET:.2f} × 裸装载 —— 实测 {ratio:.2f} ×"
        f"（{imported:,.0f} / {raw:,.0f} 行/秒）{'达到' if ratio >= TARGET else '未达到'}"
    )
    print(
        f"只校验（读文件 + 逐行校验）：{result['validate_rows']:>9,} 行 "
        f"{result['validate_seconds']:6.2f} 秒  {validate:>9,.0f} 行/秒"
    )
    print(
        f"完整导入（校验 + 写库 + 索引）：{result['import_rows']:>9,} 行 "
        f"{result['import_seconds']:6.2f} 秒  {imported:>9,.0f} 行/秒"
    )
    print(f"裸装载（无索引普通表）：      {rows:>9,} 行 {raw_seconds:6.2f} 秒  {raw:>9,.0f} 行/秒")
    print(f"完整导入 / 裸装载 = {ratio:.2f}；只校验 / 裸装载 = {validate / raw:.2f}")
    print(
        f"完整导入的 CPU 时间（本进程 + 校验子进程，不含数据库服务进程）：{result['import_cpu']:.2f} 秒"
        f"（本进程 {result.get('import_cpu_self', 0):.2f}，子进程 {result.get('import_cpu_children', 0):.2f}）"
        + (
            f"；数据库服务进程 {result['server_cpu']:.2f} 秒（不含并行建索引的工作进程）"
            if "server_cpu" in result
            else ""
        )
    )
    t = result.get("timings", {})
    print(
        f"完整导入各阶段（秒）：读文件 {t.get('read')}，校验并写入 {t.get('validate_write')}，"
        f"收尾（重建唯一约束、外键与不留待补建的索引）{t.get('finish')}，提交 {t.get('commit')}；"
        f"校验子进程：{'是' if t.get('parallel') else '否'}"
        f"{'，经子进程写的临时 SQLite 文件' if t.get('staged') else ''}"
    )
    print(
        f"提交时名称检索索引{'留待补建（检索索引更新中）' if result['index_pending'] else '已建好'}"
        f"{'，另留待补建：' + '、'.join(result['deferred']) if result.get('deferred') else ''}；"
        f"其间按名称查询（慢路径）{result['pending_search_seconds']:.2f} 秒、命中 "
        f"{result['pending_hits']} 户，全县名录第一页与计数 {result['pending_list_seconds']:.2f} 秒"
        f"（{result['list_rows'][1]:,} 户）；补建索引共 {result['index_seconds']:.2f} 秒"
        + (
            f"（名录索引最先建，{result['list_index_seconds']:.2f} 秒时建好）"
            if result.get("list_index_seconds") is not None
            and "entity_scope_list" in result.get("deferred", ())
            else ""
        )
        + f"；之后同一名称查询 {result['search_seconds']:.3f} 秒、命中 {result['search_hits']} 户，"
        f"名录第一页与计数 {result['list_seconds']:.2f} 秒"
    )
    print(f"库中 {result['count']:,} 行")
    return {
        "validate": validate,
        "import": imported,
        "raw": raw,
        "ratio": ratio,
        "target": TARGET,
        "index_seconds": result["index_seconds"],
        "deferred": result.get("deferred", []),
    }


def measure(name, env, csv_path, args, raw):
    """一种数据库：完整导入与裸装载交替跑 --repeat 次（每次导入前清空表）；详细报告比值居中的那一次。"""
    pairs = []
    for _ in range(max(1, args.repeat)):
        result = run_worker(env, csv_path, args.rows, args.parallel, args.defer_indexes)
        pairs.append((result, raw()))
    ratios = [
        (result["import_rows"] / result["import_seconds"]) / (args.rows / seconds)
        for result, seconds in pairs
    ]
    middle = sorted(range(len(pairs)), key=ratios.__getitem__)[len(pairs) // 2]
    summary = report(name, *pairs[middle], args.rows)
    if len(pairs) > 1:
        shown = "、".join(f"{r:.2f}" for r in ratios)
        print(
            f"交替 {len(pairs)} 次的比值（完整导入 / 裸装载，按运行先后）：{shown}；"
            f"上面报告的是居中的第 {middle + 1} 次"
        )
        summary["ratios"] = ratios
    return summary


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_DATABASE_URL", PG_URL))
    parser.add_argument("--parallel", choices=["yes", "no", "auto"], default="auto")
    parser.add_argument(
        "--defer-indexes",
        help="留到提交后补建的名录索引（逗号分隔；默认按设置 IMPORT_DEFERRED_INDEXES）",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="每种数据库交替跑 N 次完整导入与裸装载，比值取中位数那一次（机器抖动大时用，取奇数）",
    )
    parser.add_argument("--keep", action="store_true", help="保留临时目录")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--csv", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.parallel = {"yes": True, "no": False}.get(args.parallel)
    if args.worker:
        return worker(args)

    workdir = Path(tempfile.mkdtemp(prefix="shuangsui-bench-import-"))
    try:
        csv_path = workdir / "entities.csv"
        started = time.perf_counter()
        generate(csv_path, args.rows)
        size = csv_path.stat().st_size
        print(
            f"生成 {args.rows:,} 行 CSV（{size / 1024 / 1024:.1f} MB）用时 "
            f"{time.perf_counter() - started:.1f} 秒：{csv_path}"
        )
        summary = {}
        base_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SQLITE_PATH")}
        if not args.skip_sqlite:
            env = dict(base_env, SQLITE_PATH=str(workdir / "bench.sqlite3"))
            migrate(env)
            summary["sqlite"] = measure(
                "SQLite", env, csv_path, args, lambda: raw_sqlite(csv_path, workdir)
            )
        if not args.skip_postgres:
            ensure_pg_database(args.pg_url)
            env = dict(base_env, DATABASE_URL=args.pg_url)
            migrate(env)
            summary["postgresql"] = measure(
                "PostgreSQL", env, csv_path, args, lambda: raw_postgres(csv_path, args.pg_url)
            )
        print("\n" + json.dumps(summary))
    finally:
        if args.keep:
            print(f"临时目录保留在 {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
