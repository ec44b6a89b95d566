"""负载场景（Locust，作库用）：N 个用户混合访问检查员工作清单、结果录入、任务页、名录检索与公示门户。

    pip install -e '.[bench]'                                   # 装 locust（不在默认依赖里）
    .venv/bin/python bench/load.py                               # 默认 2 万主体、50 用户、60 s、SQLite
    .venv/bin/python bench/load.py --entities 20000 --seconds 20
    .venv/bin/python bench/load.py --entities 1000000 --seconds 120   # 目标规模（载入约 2–5 分钟）
    .venv/bin/python bench/load.py --db postgres                 # 在自建的 shuangsui_load_bench 库上
    .venv/bin/python bench/load.py --reuse ...                   # 复用上次载入的库（SQLite 文件 / PG 库）
    .venv/bin/python bench/load.py --mix pages ...               # 只有列表页与名称检索（issue 13 第 3 项）

两种负载（--mix）：
- all（默认，issue 13 第 5 项）：检查员工作清单、检查对象页、结果录入页（其中 --post-share 存一次草稿）、
  任务列表与任务页、名录检索与筛选；公众用户（--public-share）访问门户检索、任务页、主体页。
  目标：0 错误、每类请求 p95 < 300 ms。
- pages（issue 13 第 3 项）：业务人员的列表页与名称检索，正是 bench/pages.py 的 list_pages 那几类
  （工作台、名录列表与翻页、筛选、新筛选组合、名称两字与三字以上、主体详情、接口列表与检索）；每次等概率
  挑一类。目标：0 错误、每类 p95 < 300 ms、p99 < 1 s。bench/pages.py 不带 --cpu 时也跑这一种（run）。

只在本机回环地址上跑，时长有界（--seconds）。SQLite 库建在 /tmp/load-bench/（SHUANGSUI_DATA_DIR，
每次重建，--reuse 时复用）；PostgreSQL 上建库 shuangsui_load_bench，结束时删除（--keep 保留），
不碰别的库。数据用 bench/dataset.py（与 demo-data 相同，含已抽取、正在检查的演示任务；主体在库里
批量复制，百万户一两分钟）。请求的地址从页面上找（bench/pages.py 的 discover）。
gunicorn 服务（bench/dataset.py 的 serve）；PUBLIC_SEARCH_LIMIT 调高（否则门户每客户端每分钟 60 次检索后答 429）。
登录只做几次（每个演示账号一次），用户复用这些会话；失败登录为零，django-axes 不会锁。
客户端是 Locust 的 FastHttpUser（gevent，一个进程），与服务同机也只占一小部分 CPU（结束时打印）。
每个用户的思考时间在 0.5–1.5 倍 --think 之间均匀取（默认 1 s：平均 1 s，issue 13 第 3、5 项）。
打印每类请求与总计的请求/秒、p50/p95/p99、错误数，目标在每行旁边；另打印服务端每次请求的 CPU
（gunicorn 与 PostgreSQL 后端，读 /proc）与目标（bench/pages.py --cpu 的每次约 25 ms）。
"""

import argparse
import os
import random
import re
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dataset  # noqa: E402
from pages import TARGET_CPU, discover, list_pages  # noqa: E402

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
TWO = ["鑫源", "刺桐", "恒达", "海丝", "永盛", "嘉禾", "泉丰", "丰泽"]
THREE = ["泉州恒", "小吃店", "海丝嘉", "刺桐永", "鑫源贸", "有限公"]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# 负载 → (说明, issue 13 第几项, p95 目标 ms, p99 目标 ms 或 None)；另外都要 0 错误
MIXES = {
    "all": ("混合：工作清单、结果录入、任务页、名录检索、公示门户", 5, 300, None),
    "pages": ("业务人员的列表页与名称检索（bench/pages.py 的 list_pages）", 3, 300, 1000),
}


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


def find(base, sessions, check_post):
    """各类请求要用的地址（bench/pages.py 的 discover）；check_post 时确认空白草稿存得上。"""
    public = requests.Session()

    def get(role, url):
        return (public if role == "public" else sessions[role]).get(base + url).text

    found = discover(get)
    found["public_entities"] = [
        u for u in found["public_entities"] if public.get(base + u).status_code == 200
    ]
    insp, entry = sessions["inspector"], found["entry"]
    if check_post:
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


def base_user(cookies, think):
    """两种负载共用的 Locust 用户基类。用 FastHttpUser（geventhttpclient）：客户端与服务在同一台机器上，
    它每次请求的 CPU 约为 requests 的几分之一，省下的核留给被测的服务。会话按角色换，
    所以不用客户端的 cookie 罐，每次请求带上那个角色的 Cookie 头。"""
    header = {role: "; ".join(f"{k}={v}" for k, v in jar.items()) for role, jar in cookies.items()}

    class Base(FastHttpUser):
        abstract = True
        wait_time = between(0.5 * think, 1.5 * think)

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

        def post(self, url, name, role, data):
            with self.client.post(
                url,
                name=name,
                catch_response=True,
                allow_redirects=False,
                data=data,
                headers={"Referer": self.client.base_url + url, "Cookie": header[role]},
            ) as r:
                if r.status_code >= 400:
                    r.failure(f"HTTP {r.status_code}")

    return Base


def mixed_users(found, cookies, think, post_share):
    """混合负载（issue 13 第 5 项）的两类用户：业务人员与公众。"""
    q = urllib.parse.quote
    Base = base_user(cookies, think)

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
                data = {"csrfmiddlewaretoken": token.group(1), "action": "save"}
                self.post(url, "结果录入（存草稿）", "inspector", data)

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

    return [Staff, Public]


def page_users(found, cookies, think, only=None):
    """列表页与名称检索（issue 13 第 3 项）的用户：每次等概率挑 bench/pages.py list_pages 的一类页面
    （only：逗号分隔的名称，只挑这些），地址也由它生成（与 pages.py --cpu 量的是同样的请求）。"""
    pages = [(k, v) for k, v in list_pages(found).items() if not only or k in only.split(",")]

    class Reader(base_user(cookies, think)):
        def on_start(self):
            super().on_start()
            self.rng = random.Random()

        @task
        def page(self):
            label, (role, make) = self.rng.choice(pages)
            self.get(make(self.rng), label, role)

    return [Reader]


def server_cpu(pid, db_name=None):
    """gunicorn 主进程及其工作进程已用的 CPU 秒，与（给出库名时）连着这个库的 PostgreSQL 后端进程的
    （/proc；后端的命令行是“postgres: 用户 库名 地址 状态”）。返回 (gunicorn, PostgreSQL)。"""
    workers = [pid]
    for thread in Path(f"/proc/{pid}/task").iterdir():
        workers += [int(c) for c in (thread / "children").read_text().split()]
    backends = []
    if db_name:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if f" {db_name} " in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    backends.append(entry.name)
            except OSError:
                continue
    return tuple(sum(dataset.cpu_seconds(p) or 0.0 for p in ps) for ps in (workers, backends))


def pct(entry, p):
    return entry.get_response_time_percentile(p) if entry.num_requests else 0


def report(stats, seconds, p95_target, p99_target):
    """每类请求与总计一行，目标在行尾；返回是否全部达标。"""
    target = f"0 错误、p95 < {p95_target} ms" + (f"、p99 < {p99_target} ms" if p99_target else "")
    print(f"\n{'请求':<14}{'次数':>7}{'错误':>6}{'请求/秒':>9}{'p50':>8}{'p95':>8}{'p99':>8}  目标")
    rows = sorted(stats.entries.values(), key=lambda e: e.name) + [stats.total]
    bad = []
    for e in rows:
        name = "总计" if e is stats.total else e.name
        p95, p99 = pct(e, 0.95), pct(e, 0.99)
        ok = e.num_failures == 0 and p95 < p95_target and (not p99_target or p99 < p99_target)
        if not ok:
            bad.append(name)
        print(
            f"{name:<14}{e.num_requests:>8}{e.num_failures:>7}{e.num_requests / seconds:>10.1f}"
            f"{pct(e, 0.5):>8.0f}{p95:>8.0f}{p99:>8.0f}  {target}：{'达标' if ok else '未达标'}"
        )
    for e in sorted(stats.errors.values(), key=lambda e: -e.occurrences)[:10]:
        print(f"  错误 {e.occurrences} 次：{e.method} {e.name} — {e.error}")
    print("全部达标" if not bad else "未达标：" + "、".join(bad))
    return not bad


def run(env, args, mix="all"):
    """在 env 指定的库（已载入演示数据）上开 gunicorn，Locust 跑 `mix` 负载 args.seconds 秒，打印
    报告；返回是否全部达标。args 要有 users、seconds、think、port、workers、threads（mix "all" 另要
    public_share、post_share，"pages" 另要 only）。bench/pages.py 不带 --cpu 时也调它。"""
    title, item, p95_target, p99_target = MIXES[mix]
    url = env.get("DATABASE_URL")
    db_name = urllib.parse.urlparse(url).path.lstrip("/") if url else None
    log = open(os.path.join(env["SHUANGSUI_DATA_DIR"], "gunicorn.log"), "w")  # noqa: SIM115
    server = dataset.serve(env, args.port, args.workers, args.threads, stderr=log)
    try:
        base = f"http://127.0.0.1:{args.port}"
        for _ in range(150):
            try:
                requests.get(f"{base}/login/", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.2)
        sessions = {u: login(base, u) for u in ("inspector", "head", "planner")}
        cookies = {u: s.cookies.get_dict() for u, s in sessions.items()}
        found = find(base, sessions, check_post=mix == "all")
        if mix == "all":
            Staff, Public = users = mixed_users(found, cookies, args.think, args.post_share)
            Public.weight = max(1, round(args.public_share * 10))
            Staff.weight = max(1, 10 - Public.weight)
            title += f"（公众约 {Public.weight * 10}%）"
        else:
            users = page_users(found, cookies, args.think, args.only)
        print(
            f"{'PostgreSQL' if db_name else 'SQLite'}，{title}；{args.users} 个用户，思考 "
            f"{0.5 * args.think:g}–{1.5 * args.think:g} s（平均 {args.think:g} s），{args.seconds} s，"
            f"gunicorn {args.workers} 进程×{args.threads} 线程，Locust 与服务在同一台机器上"
            f"（{os.cpu_count()} 核，开始时负载 {os.getloadavg()[0]:.2f}）；目标见 issue 13 第 {item} 项"
        )
        locust_env = Environment(user_classes=users, host=base)
        runner = locust_env.create_local_runner()
        web0, db0 = server_cpu(server.pid, db_name)
        own0 = time.process_time()
        runner.start(args.users, spawn_rate=max(1, args.users / 5))
        gevent.spawn_later(args.seconds, runner.quit)
        runner.greenlet.join()
        web, db = server_cpu(server.pid, db_name)
        web, db = web - web0, db - db0
        own = time.process_time() - own0
        ok = report(locust_env.stats, args.seconds, p95_target, p99_target)
        n = max(1, locust_env.stats.total.num_requests)
        print(
            f"服务端 CPU：gunicorn {web:.1f} s（每次请求 {web * 1000 / n:.1f} ms）"
            + (
                f"，PostgreSQL 后端 {db:.1f} s（每次请求 {db * 1000 / n:.1f} ms）"
                if db_name
                else ""
            )
            + f"，目标每次合计 ≤ {TARGET_CPU} ms（两核、50 用户约每秒 40 次请求才跟得上）"
            + f"；Locust 本身 {own:.1f} s；结束时负载 {os.getloadavg()[0]:.2f}"
        )
    finally:
        server.terminate()
        server.wait()
        log.close()
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mix", choices=list(MIXES), default="all", help="负载：见文件头")
    parser.add_argument("--entities", type=int, default=20000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument(
        "--think", type=float, default=1.0, help="平均思考时间（秒），每次在 0.5–1.5 倍之间"
    )
    parser.add_argument(
        "--only", help="--mix pages：只测这些页面（逗号分隔的名称，如 名称两字,名录筛选）"
    )
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
    env = dataset.server_env(data_dir)
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
    try:
        dataset.ensure(env, args.entities)
        ok = run(env, args, args.mix)
    finally:
        if args.db == "postgres" and not args.keep and not args.reuse:
            pg_admin(f"DROP DATABASE IF EXISTS {args.pg_name} WITH (FORCE)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
