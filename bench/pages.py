"""页面响应时间基准：N 个市场主体的库上，C 个并发用户访问列表页与名称检索，打印 p50/p95/p99 与目标。

    .venv/bin/python bench/pages.py --entities 1000000 --users 50 --think 1 --seconds 120
    .venv/bin/python bench/pages.py --keep /tmp/pages.sqlite3 ...   # 复用已载入的 SQLite 库
    .venv/bin/python bench/pages.py --keep /tmp/pages.sqlite3 --cpu # 每页的服务端 CPU（不开服务）

建一个临时 SQLite 库（或用 DATABASE_URL 指定的 PostgreSQL 库，已载入则复用），载入演示数据
（bench/dataset.py：与 demo-data 相同，主体在库里批量复制，百万户一两分钟），然后由 bench/load.py 的
run 跑它的 pages 负载（同 `bench/load.py --mix pages`）：gunicorn 在本机端口上服务，Locust（gevent，
一个进程，压测客户端自己只占一小部分 CPU）起 C 个用户，每个用户每次等概率挑一类列表页（list_pages），
思考时间在 0.5–1.5 倍 --think 之间，跑 --seconds 秒。要装 locust（pip install -e '.[bench]'）。
每类页面一行：请求数、错误、请求/秒、p50/p95/p99，行尾是目标与是否达标。

--cpu：不开服务，在本进程里用 Django 的测试客户端把每类页面（列表页、检索，以及 bench/load.py
混合负载里的每种页面）各请求 R 次，量每次请求的 CPU 时间（本进程的 process_time，SQLite 的查询也在
其中；PostgreSQL 另加本会话后端进程的 CPU，读 /proc）与 SQL 条数。机器上别的进程不影响它，
所以改动前后可以直接比较。--profile 名称 打印那类页面的 cProfile 前 25 行。不要 locust。
50 个用户、1 s 思考时间约每秒 40 次请求，两核机器上（压测客户端同机）每次平均约 25 ms CPU 才跟得上。
目标（issue 13 第 3 项）：50 个用户、1 s 思考时间，每个列表页与按名称检索 p95 < 300 ms，p99 < 1 s；
“名录筛选（新组合）”每次多半是没算过的筛选组合（计数不在缓存里），“名称两字”是两个字的片段。
"""

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import dataset  # noqa: E402

TARGET_CPU = 25  # ms：每次请求的平均服务端 CPU（两核、50 用户、1 s 思考时间约每秒 40 次）
TWO = ["鑫源", "刺桐", "恒达", "海丝", "永盛", "嘉禾", "泉丰", "晋江"]
LONGER = ["泉州恒达", "有限公司", "小吃店", "海丝嘉", "刺桐永盛", "鑫源贸易"]
LINK = {
    "entity": re.compile(r"/directory/entities/([0-9A-Z]{18})/"),
    "target": re.compile(r'href="(/results/targets/\d+/)"'),
    "item": re.compile(r'href="(/results/targets/\d+/items/\d+/)"'),
    "task": re.compile(r'href="(/plans/tasks/\d+/)"'),
    "public_task": re.compile(r'href="(/public/tasks/\d+/)"'),
    "public_draw": re.compile(r'href="(/public/tasks/\d+/draws/\d+/)"'),
    "public_entity": re.compile(r'href="(/public/entities/[0-9A-Z]{18}/)"'),
    "uid": re.compile(r"\b([0-9A-HJ-NPQRTUWXY]{18})\b"),
}


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def links(get, role, url, kind, limit=200):
    return list(dict.fromkeys(LINK[kind].findall(get(role, url))))[:limit]


def discover(get):
    """从页面上找到各类请求要用的地址（像用户点链接一样）。get(角色, 地址) → 页面文本；
    角色 planner、inspector、head 或 public（不登录）。bench/load.py 也用它。"""
    q = urllib.parse.quote
    targets = links(get, "inspector", "/inspections/", "target")
    entry = []
    for t in targets[:30]:
        entry += links(get, "inspector", t, "item", 5)
    pents = []
    for part in TWO:
        pents += links(get, "public", "/public/results/?q=" + q(part), "public_entity", 50)
    ptasks = links(get, "public", "/public/tasks/", "public_task")
    for t in ptasks[:5]:
        for d in links(get, "public", t, "public_draw", 3):
            pents += [f"/public/entities/{u}/" for u in links(get, "public", d, "uid", 100)]
    return {
        "uids": links(get, "planner", "/directory/entities/", "entity"),
        "targets": targets,
        "entry": entry,
        "tasks": links(get, "planner", "/plans/tasks/", "task"),
        "public_tasks": ptasks,
        "public_entities": list(dict.fromkeys(pents))[:150],
    }


def new_filter(r):
    return "/directory/entities/?" + urllib.parse.urlencode(
        {
            "credit_class": r.choice("ABCD"),
            "status": r.choice(["active", "cancelled", "revoked", "moved_out"]),
            "entity_type": r.choice(["enterprise", "individual", "coop", ""]),
            "industry": r.choice(["", "F", "H", "C", "I", "E", "L"]),
        }
    )


def list_pages(found):
    """列表页与名称检索（issue 13 第 3 项）：名称 → (角色, 生成地址的函数)。"""
    q = urllib.parse.quote
    return {
        "工作台": ("planner", lambda r: "/"),
        "名录列表": ("planner", lambda r: f"/directory/entities/?page={r.randint(1, 200)}"),
        "名录筛选": (
            "planner",
            lambda r: f"/directory/entities/?credit_class={r.choice('ABCD')}&status=active",
        ),
        "名录筛选（新组合）": ("planner", new_filter),
        "名称两字": ("planner", lambda r: "/directory/entities/?q=" + q(r.choice(TWO))),
        "名称三字以上": ("planner", lambda r: "/directory/entities/?q=" + q(r.choice(LONGER))),
        "主体详情": ("planner", lambda r: f"/directory/entities/{r.choice(found['uids'])}/"),
        "接口列表": ("planner", lambda r: f"/api/directory/entities?page={r.randint(1, 100)}"),
        "接口检索两字": ("planner", lambda r: "/api/directory/entities?q=" + q(r.choice(TWO))),
    }


def mix_pages(found):
    """bench/load.py 混合负载里的其余页面（CPU 模式用）。"""
    q = urllib.parse.quote
    pages = {
        "检查员工作清单": ("inspector", lambda r: "/inspections/"),
        "所长工作台": ("head", lambda r: "/"),
        "任务列表": ("planner", lambda r: "/plans/tasks/"),
        "门户检索": ("public", lambda r: "/public/results/?q=" + q(r.choice(TWO + LONGER))),
        "门户任务列表": ("public", lambda r: "/public/tasks/"),
    }
    for label, role, key in [
        ("检查对象页", "inspector", "targets"),
        ("结果录入页", "inspector", "entry"),
        ("任务页", "planner", "tasks"),
        ("门户任务页", "public", "public_tasks"),
        ("门户主体页", "public", "public_entities"),
    ]:
        if found[key]:
            pages[label] = (role, lambda r, key=key: r.choice(found[key]))
    return pages


def cpu(args):
    """每类页面在本进程里请求 R 次：每次请求的 CPU 与 SQL 条数（不开服务，不受别的进程干扰）。"""
    import cProfile
    import pstats

    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.db import connection
    from django.test import Client

    from shuangsui.core.models import User

    clients = {"public": Client()}
    for role in ("planner", "inspector", "head"):
        clients[role] = Client()
        clients[role].force_login(User.objects.get(username=role))

    def get(role, url):
        resp = clients[role].get(url)
        assert resp.status_code == 200, (role, url, resp.status_code)
        return resp.content.decode()

    found = discover(get)
    pages = {**list_pages(found), **mix_pages(found)}
    if args.only:
        pages = {k: v for k, v in pages.items() if k in args.only.split(",")}
    queries = [0]
    slow = []  # --profile：那类页面每条 SQL 的 CPU

    def counter(execute, sql, params, many, context):
        queries[0] += 1
        clock = time.perf_counter if connection.vendor == "postgresql" else time.process_time
        t0 = clock()
        try:
            return execute(sql, params, many, context)
        finally:
            if profiling:
                slow.append(((clock() - t0) * 1000, sql[:300]))

    def backend_cpu():
        """PostgreSQL：本会话后端进程已用的 CPU 秒（/proc）；SQLite 为 0。"""
        return dataset.backend_cpu(connection) or 0.0

    print(
        f"每类页面 {args.repeat} 次（先各请求一次预热），{connection.vendor}，"
        f"主体 {args.entities_in_db:,}；目标：平均 CPU ≤ {TARGET_CPU} ms/次"
    )
    print(f"  {'页面':<14}{'CPU 平均':>9}{'p95':>8}{'最大':>8}{'库 CPU':>8}{'SQL 条数':>9}")
    total = []
    profiling = False
    with connection.execute_wrapper(counter):
        for label, (role, make) in pages.items():
            rng = random.Random(label)
            get(role, make(rng))
            times, counts = [], []
            db0 = backend_cpu()
            profile = cProfile.Profile() if label == args.profile else None
            profiling = profile is not None
            for _ in range(args.repeat):
                url = make(rng)
                queries[0] = 0
                t0 = time.process_time()
                if profile:
                    profile.enable()
                get(role, url)
                if profile:
                    profile.disable()
                times.append((time.process_time() - t0) * 1000)
                counts.append(queries[0] - 0)
            db = (backend_cpu() - db0) * 1000 / args.repeat
            mean = statistics.mean(times) + db
            total.append(mean)
            print(
                f"  {label:<14}{mean:>9.1f}{percentile(times, 95):>8.1f}{max(times):>8.1f}"
                f"{db:>8.1f}{statistics.mean(counts):>9.1f}"
            )
            if profile:
                stats = pstats.Stats(profile)
                stats.sort_stats("tottime").print_stats(20)
                stats.sort_stats("cumulative").print_stats("shuangsui/", 30)
                print("最慢的 SQL（ms：SQLite 为本进程 CPU，PostgreSQL 为往返时间）：")
                for took, sql in sorted(slow, reverse=True)[:8]:
                    print(f"  {took:7.1f}  {sql}")
                slow.clear()
    print(
        f"各类页面平均 {statistics.mean(total):.1f} ms/次（目标 ≤ {TARGET_CPU} ms），"
        f"最多 {max(total):.1f} ms"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=100000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60, help="Locust 跑多久（秒）")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--keep", help="用这个 SQLite 文件（已载入则不重载）")
    parser.add_argument(
        "--data-dir",
        help="数据目录（默认：--keep 文件所在目录，否则临时目录；"
        "PostgreSQL 上复用已载入的库时给出载入时的目录）",
    )
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="每个用户的平均思考时间（秒），每次在 0.5–1.5 倍之间；0 为不停顿的闭环压测",
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="gunicorn 进程数（与 make demo 相同）"
    )
    parser.add_argument("--threads", type=int, default=4, help="每个 gunicorn 进程的线程数")
    parser.add_argument("--only", help="只测这些页面（逗号分隔的名称，如 名称两字,名录筛选）")
    parser.add_argument("--cpu", action="store_true", help="只量每类页面的服务端 CPU（不开服务）")
    parser.add_argument("--repeat", type=int, default=20, help="--cpu：每类页面的请求次数")
    parser.add_argument("--profile", help="--cpu：打印这类页面的 cProfile")
    args = parser.parse_args()

    # 数据目录里有演示抽取写的名单文件：复用库时也要复用它
    tmp = args.data_dir or (
        os.path.dirname(os.path.abspath(args.keep))
        if args.keep
        else tempfile.mkdtemp(prefix="ss-pages-")
    )
    env = dataset.server_env(tmp)
    if not os.environ.get("DATABASE_URL"):
        env["SQLITE_PATH"] = args.keep or os.path.join(tmp, "pages.sqlite3")
    args.entities_in_db = dataset.ensure(env, args.entities)
    if args.cpu:
        os.environ.update(env)
        cpu(args)
        return
    import load  # 要 locust；--cpu 不要

    sys.exit(0 if load.run(env, args, "pages") else 1)


if __name__ == "__main__":
    main()
