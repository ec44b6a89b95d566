"""负载场景（Locust，作库用）：N 个用户混合访问检查员工作清单、结果录入、任务页、名录检索与公示门户。

    pip install -e '.[bench]'                                   # 装 locust（不在默认依赖里）
    .venv/bin/python bench/load.py                               # 默认 2 万主体、50 用户、60 s、SQLite
    .venv/bin/python bench/load.py --entities 20000 --seconds 20
    .venv/bin/python bench/load.py --entities 1000000 --seconds 120   # 目标规模（载入约 2–5 分钟）
    .venv/bin/python bench/load.py --db postgres                 # 在自建的 shuangsui_load_bench 库上
    .venv/bin/python bench/load.py --reuse ...                   # 复用上次载入的库（SQLite 文件 / PG 库）

只在本机回环地址上跑，时长有界（--seconds）。SQLite 库建在 /tmp/load-bench/（SHUANGSUI_DATA_DIR，
每次重建，--reuse 时复用）；PostgreSQL 上建库 shuangsui_load_bench，结束时删除（--keep 保留），
不碰别的库。数据用 bench/dataset.py（与 demo-data 相同，含已抽取、正在检查的演示任务；主体在库里
批量复制，百万户一两分钟）。请求的地址从页面上找（bench/pages.py 的 discover）。
gunicorn 服务；PUBLIC_SEARCH_LIMIT 调高（否则门户每客户端每分钟 60 次检索后答 429）。
登录只做几次（每个演示账号一次），用户复用这些会话；失败登录为零，django-axes 不会锁。
每个用户的思考时间 0.5–1.5 s。打印每类请求与总计的请求/秒、p50/p95/p99、错误数，目标在旁边：
0 错误、p95 < 300 ms（issue 13 第 5 项）。
"""

import argparse
import os
import random
import re
import secrets
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dataset  # noqa: E402
from pages import discover  # noqa: E402

try:
    import gevent
    from locust import FastHttpUser, between, task
    from locust.env import Environment
except ImportError:
    sys.exit("没有装 locust：pip install -e '.[bench]'（或 uv pip install locust）")

import requests

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = "/tmp/load-bench"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_NAME = "shuangsui_load_bench"
PASSWORD = "Shuangsui#2026"
TARGET_P95 = 300  # ms
TWO = ["鑫源", "刺桐", "恒达", "海丝", "永盛", "嘉禾", "泉丰", "丰泽"]
THREE = ["泉州恒", "小吃店", "海丝嘉", "刺桐永", "鑫源贸", "有限公"]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def pg_admin(sql):
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def login(base, username):
    """一个已登录的会话（requests）；Locust 用户拷走它的 cookie。"""
    s = requests.Session()
    page = s.get(f"{base}/login/").text
    token = CSRF.search(page).group(1)
    r = s.post(
        f"{base}/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/login/"},
        allow_redirects=False,
    )
    if r.status_code != 302:
        sys.exit(f"演示账号 {username} 登录失败：{r.status_code}")
    return s


def find(base, sessions):
    """各类请求要用的地址（bench/pages.py 的 discover），并确认空白草稿存得上。"""
    public = requests.Session()

    def get(role, url):
        return (public if role == "public" else sessions[role]).get(base + url).text

    found = discover(get)
    found["public_entities"] = [
        u for u in found["public_entities"] if public.get(base + u).status_code == 200
    ]
    insp, entry = sessions["inspector"], found["entry"]
    saved = "没有可录入的页面"
    if entry:  # 先存一次草稿，确认空白草稿确实存得上（不是被拒后重定向回来）
        token = CSRF.search(insp.get(base + entry[0]).text)
        page = insp.post(
            base + entry[0],
            data={"csrfmiddlewaretoken": token.group(1) if token else "", "action": "save"},
            headers={"Referer": base + entry[0]},
        ).text
        saved = "存得上" if "已保存草稿" in page else "存不上（负载中的 POST 只量被拒的往返）"
    print(f"结果录入存草稿：{saved}")
    print("找到：" + "，".join(f"{k} {len(v)}" for k, v in found.items()))
    return found


def make_user(found, cookies, post_share):
    """Locust 的两类用户。用 FastHttpUser（geventhttpclient）：客户端与服务在同一台机器上，
    它每次请求的 CPU 约为 requests 的几分之一，省下的核留给被测的服务。会话按角色换，
    所以不用客户端的 cookie 罐，每次请求带上那个角色的 Cookie 头。"""
    q = urllib.parse.quote
    header = {role: "; ".join(f"{k}={v}" for k, v in jar.items()) for role, jar in cookies.items()}

    class Base(FastHttpUser):
        abstract = True
        wait_time = between(0.5, 1.5)

        def on_start(self):
            self.client.client.cookiejar = None  # 服务端设的 cookie 不留：每次请求自带

        def get(self, url, name, role=None):
            headers = {"Cookie": header[role]} if role else {}
            with self.client.get(
                url, name=name, catch_response=True, allow_redirects=False, headers=headers
            ) as r:
                if r.status_code != 200:
                    r.failure(f"HTTP {r.status_code}")
                return r

    class Staff(Base):
        def on_start(self):
            super().on_start()
            self.role = random.choice(["inspector", "head", "planner"])

        @task(3)
        def worklist(self):
            self.get("/inspections/", "检查员工作清单", "inspector")
            if found["targets"]:
                self.get(random.choice(found["targets"]), "检查对象页", "inspector")

        @task(2)
        def entry(self):
            if not found["entry"]:
                return
            url = random.choice(found["entry"])
            r = self.get(url, "结果录入页", "inspector")
            token = CSRF.search(r.text or "")
            if token and random.random() < post_share:
                with self.client.post(
                    url,
                    name="结果录入（存草稿）",
                    catch_response=True,
                    allow_redirects=False,
                    data={"csrfmiddlewaretoken": token.group(1), "action": "save"},
                    headers={
                        "Referer": self.client.base_url + url,
                        "Cookie": header["inspector"],
                    },
                ) as p:
                    if p.status_code >= 400:
                        p.failure(f"HTTP {p.status_code}")

        @task(2)
        def task_page(self):
            self.get("/plans/tasks/", "任务列表", "planner")  # 检查员、所长不看任务
            if found["tasks"]:
                self.get(random.choice(found["tasks"]), "任务页", "planner")

        @task(3)
        def directory(self):
            part = random.choice(TWO if random.random() < 0.5 else THREE)
            name = "名录检索（两字）" if len(part) == 2 else "名录检索（三字）"
            self.get("/directory/entities/?q=" + q(part), name, self.role)
            self.get(
                "/directory/entities/?"
                + urllib.parse.urlencode(
                    {
                        "credit_class": random.choice("ABCD"),
                        "status": random.choice(["active", "cancelled", ""]),
                        "entity_type": random.choice(["enterprise", "individual", ""]),
                    }
                ),
                "名录筛选",
                self.role,
            )

    class Public(Base):
        @task(3)
        def search(self):
            self.get("/public/results/?q=" + q(random.choice(TWO + THREE)), "门户检索")

        @task(2)
        def task_page(self):
            self.get("/public/tasks/", "门户任务列表")
            if found["public_tasks"]:
                self.get(random.choice(found["public_tasks"]), "门户任务页")

        @task(2)
        def entity(self):
            if found["public_entities"]:
                self.get(random.choice(found["public_entities"]), "门户主体页")

    return Staff, Public


def server_cpu(pid, db_name=None):
    """gunicorn 主进程及其工作进程已用的 CPU 秒，与（给出库名时）连着这个库的 PostgreSQL 后端进程的
    （/proc；后端的命令行是“postgres: 用户 库名 地址 状态”）。返回 (gunicorn, PostgreSQL)。"""
    tick = os.sysconf("SC_CLK_TCK")
    web = db = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            used = (int(fields[11]) + int(fields[12])) / tick
            if int(entry.name) == pid or int(fields[1]) == pid:
                web += used
            elif db_name and f" {db_name} " in (entry / "cmdline").read_bytes().decode(
                errors="replace"
            ):
                db += used
        except (OSError, ValueError, IndexError):
            continue
    return web, db


def pct(entry, p):
    return entry.get_response_time_percentile(p) if entry.num_requests else 0


def report(stats, seconds):
    print(f"\n{'请求':<14}{'次数':>7}{'错误':>6}{'请求/秒':>9}{'p50':>8}{'p95':>8}{'p99':>8}  目标")
    rows = sorted(stats.entries.values(), key=lambda e: e.name) + [stats.total]
    bad = []
    for e in rows:
        name = "总计" if e is stats.total else e.name
        p95 = pct(e, 0.95)
        ok = e.num_failures == 0 and p95 < TARGET_P95
        if not ok:
            bad.append(name)
        print(
            f"{name:<14}{e.num_requests:>8}{e.num_failures:>7}{e.num_requests / seconds:>10.1f}"
            f"{pct(e, 0.5):>8.0f}{p95:>8.0f}{pct(e, 0.99):>8.0f}  "
            f"0 错误、p95 < {TARGET_P95} ms：{'达标' if ok else '未达标'}"
        )
    for e in sorted(stats.errors.values(), key=lambda e: -e.occurrences)[:10]:
        print(f"  错误 {e.occurrences} 次：{e.method} {e.name} — {e.error}")
    print("全部达标" if not bad else "未达标：" + "、".join(bad))
    return not bad


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=20000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--public-share", type=float, default=0.4, help="公众用户占比")
    parser.add_argument(
        "--post-share", type=float, default=0.2, help="打开录入页后存一次草稿的比例"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn 进程数")
    parser.add_argument("--threads", type=int, default=4, help="每个 gunicorn 进程的线程数")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--keep", action="store_true", help="PostgreSQL：结束时保留基准库")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="复用已载入的库（SQLite 文件或 PostgreSQL 库），不重建不重载",
    )
    parser.add_argument(
        "--sqlite", default=os.path.join(DATA_DIR, "load.sqlite3"), help="SQLite 库文件"
    )
    parser.add_argument("--pg-name", default=PG_NAME, help="PostgreSQL 库名")
    parser.add_argument(
        "--data-dir", help="数据目录（默认 /tmp/load-bench；复用库时给载入时的目录）"
    )
    args = parser.parse_args()

    data_dir = args.data_dir or DATA_DIR
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="shuangsui.settings",
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PUBLIC_SEARCH_LIMIT="1000000",
        SHUANGSUI_DATA_DIR=data_dir,
        SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
    )
    env.pop("DATABASE_URL", None)
    os.makedirs(data_dir, exist_ok=True)
    if args.db == "postgres":
        if not args.reuse:
            pg_admin(f"DROP DATABASE IF EXISTS {args.pg_name}")
            pg_admin(f"CREATE DATABASE {args.pg_name}")
        env["DATABASE_URL"] = f"{PG_SERVER}/{args.pg_name}"
    else:
        env["SQLITE_PATH"] = args.sqlite
        if not args.reuse:
            for suffix in ("", "-wal", "-shm"):
                Path(args.sqlite + suffix).unlink(missing_ok=True)
    server = None
    try:
        dataset.ensure(env, args.entities)
        server = dataset.serve(
            env,
            args.port,
            args.workers,
            args.threads,
            stderr=open(os.path.join(data_dir, "gunicorn.log"), "w"),  # noqa: SIM115
        )
        base = f"http://127.0.0.1:{args.port}"
        for _ in range(150):
            try:
                requests.get(f"{base}/login/", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.2)
        sessions = {u: login(base, u) for u in ("inspector", "head", "planner")}
        cookies = {u: s.cookies.get_dict() for u, s in sessions.items()}
        found = find(base, sessions)
        Staff, Public = make_user(found, cookies, args.post_share)
        Public.weight = max(1, round(args.public_share * 10))
        Staff.weight = max(1, 10 - Public.weight)
        print(
            f"{args.db}，{args.users} 个用户（公众约 {Public.weight * 10}%），思考 0.5–1.5 s，"
            f"{args.seconds} s，gunicorn {args.workers} 进程×{args.threads} 线程，"
            f"Locust 与服务在同一台机器上（{os.cpu_count()} 核，开始时负载 "
            f"{os.getloadavg()[0]:.2f}）"
        )
        locust_env = Environment(user_classes=[Staff, Public], host=base)
        runner = locust_env.create_local_runner()
        db_name = args.pg_name if args.db == "postgres" else None
        web0, db0 = server_cpu(server.pid, db_name)
        own0 = time.process_time()
        runner.start(args.users, spawn_rate=max(1, args.users / 5))
        gevent.spawn_later(args.seconds, runner.quit)
        runner.greenlet.join()
        web, db = server_cpu(server.pid, db_name)
        web, db = web - web0, db - db0
        own = time.process_time() - own0
        ok = report(locust_env.stats, args.seconds)
        n = max(1, locust_env.stats.total.num_requests)
        print(
            f"服务端 CPU：gunicorn {web:.1f} s（每次请求 {web * 1000 / n:.1f} ms）"
            + (
                f"，PostgreSQL 后端 {db:.1f} s（每次请求 {db * 1000 / n:.1f} ms）"
                if db_name
                else ""
            )
            + f"；Locust 本身 {own:.1f} s"
            + "；两核、50 用户约每秒 40 次请求，每次合计 ≤ 25 ms 才跟得上；"
            f"结束时负载 {os.getloadavg()[0]:.2f}"
        )
    finally:
        if server:
            server.terminate()
            server.wait()
        if args.db == "postgres" and not args.keep and not args.reuse:
            pg_admin(f"DROP DATABASE IF EXISTS {args.pg_name} WITH (FORCE)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
