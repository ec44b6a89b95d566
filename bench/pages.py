"""页面响应时间基准：N 个市场主体的库上，C 个并发用户访问主要页面，打印 p50/p95/p99 与目标。

    .venv/bin/python bench/pages.py --entities 1000000 --users 50 --think 1 --requests 500
    .venv/bin/python bench/pages.py --keep /tmp/pages.sqlite3 ...   # 复用已载入的 SQLite 库

建一个临时 SQLite 库（或用 DATABASE_URL 指定的 PostgreSQL 库，先清空再迁移），载入演示数据，
用 gunicorn 在本机端口上服务，然后以 C 个线程、每线程一个登录会话发请求。
目标（issue 13 第 3 项）：50 个用户、1 s 思考时间，每个列表页与按名称检索 p95 < 300 ms，p99 < 1 s；
“名录筛选（新组合）”每次多半是没算过的筛选组合（计数不在缓存里），“名称两字”是两个字的片段。
"""

import argparse
import http.cookiejar
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "Shuangsui#2026"
TARGET_P95 = 300  # ms
TARGET_P99 = 1000


def run(args, env):
    subprocess.run([str(BIN / "shuangsui"), *args], env=env, check=True, cwd=ROOT)


def session(base, username):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}).encode()
    req = urllib.request.Request(f"{base}/login/", data=data, headers={"Referer": f"{base}/login/"})
    opener.open(req).read()
    return opener


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=100000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--requests", type=int, default=300, help="每类页面的请求数")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--keep", help="用这个 SQLite 文件（已载入则不重载）")
    parser.add_argument("--think", type=float, default=0.0,
                        help="每个用户两次请求之间的思考时间（秒）；0 为不停顿的闭环压测")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn 进程数")
    parser.add_argument("--only", help="只测这些页面（逗号分隔的名称，如 名称两字,名录筛选）")
    args = parser.parse_args()

    env = dict(os.environ, DJANGO_SETTINGS_MODULE="shuangsui.settings", DEBUG="0",
               ALLOWED_HOSTS="127.0.0.1,localhost", LOGIN_FAILURE_LIMIT="100000",
               SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50))
    tmp = tempfile.mkdtemp(prefix="ss-pages-")
    if not os.environ.get("DATABASE_URL"):
        env["SQLITE_PATH"] = args.keep or os.path.join(tmp, "pages.sqlite3")
    env["SHUANGSUI_DATA_DIR"] = tmp
    fresh = not (args.keep and os.path.exists(args.keep))
    run(["migrate", "-v0"], env)
    if fresh:
        t0 = time.perf_counter()
        run(["demo-data", "--entities", str(args.entities), "--inspectors", "300"], env)
        print(f"载入 {args.entities} 个主体：{time.perf_counter() - t0:.1f} s")
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "shuangsui.wsgi", "-b", f"127.0.0.1:{args.port}",
         "-w", str(args.workers), "--threads", "2", "--log-level", "warning"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/login/", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        probe = session(base, "planner")
        listing = probe.open(f"{base}/directory/entities/").read().decode()
        uids = re.findall(r"/directory/entities/([0-9A-Z]{18})/", listing)
        two = ["鑫源", "刺桐", "恒达", "海丝", "永盛", "嘉禾", "泉丰", "晋江"]
        longer = ["泉州恒达", "有限公司", "小吃店", "海丝嘉", "刺桐永盛", "鑫源贸易"]

        def new_filter(r):
            return "/directory/entities/?" + urllib.parse.urlencode({
                "credit_class": r.choice("ABCD"),
                "status": r.choice(["active", "cancelled", "revoked", "moved_out"]),
                "entity_type": r.choice(["enterprise", "individual", "coop", ""]),
                "industry": r.choice(["", "F", "H", "C", "I", "E", "L"]),
            })

        q = urllib.parse.quote
        pages = {
            "工作台": lambda r: "/",
            "名录列表": lambda r: f"/directory/entities/?page={r.randint(1, 200)}",
            "名录筛选": lambda r: f"/directory/entities/?credit_class={r.choice('ABCD')}&status=active",
            "名录筛选（新组合）": new_filter,
            "名称两字": lambda r: "/directory/entities/?q=" + q(r.choice(two)),
            "名称三字以上": lambda r: "/directory/entities/?q=" + q(r.choice(longer)),
            "主体详情": lambda r: f"/directory/entities/{r.choice(uids)}/",
            "接口列表": lambda r: f"/api/directory/entities?page={r.randint(1, 100)}",
            "接口检索两字": lambda r: "/api/directory/entities?q=" + q(r.choice(two)),
        }
        openers = [session(base, "planner") for _ in range(args.users)]
        print(f"主体 {args.entities}，并发 {args.users}，每类 {args.requests} 次请求，"
              f"思考时间 {args.think} s，gunicorn {args.workers} 进程，"
              f"{'PostgreSQL' if os.environ.get('DATABASE_URL') else 'SQLite'}")
        print(f"目标：p95 < {TARGET_P95} ms，p99 < {TARGET_P99} ms（issue 13：50 用户、1 s 思考时间）")
        failed = []
        if args.only:
            pages = {k: v for k, v in pages.items() if k in args.only.split(",")}
        for label, make in pages.items():
            timings = []
            lock = threading.Lock()
            per_user = max(1, args.requests // args.users)

            def worker(seed, make=make, timings=timings, lock=lock, per_user=per_user):
                opener = openers[seed]
                rng = random.Random(seed)
                for _ in range(per_user):
                    url = base + make(rng)
                    t0 = time.perf_counter()
                    with opener.open(url) as resp:
                        resp.read()
                        assert resp.status == 200, url
                    with lock:
                        timings.append((time.perf_counter() - t0) * 1000)
                    if args.think:
                        time.sleep(rng.expovariate(1 / args.think))

            threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.users)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            p95, p99 = percentile(timings, 95), percentile(timings, 99)
            ok = p95 < TARGET_P95 and p99 < TARGET_P99
            if not ok:
                failed.append(label)
            print(f"  {label:<12}\tp50 {statistics.median(timings):7.1f} ms   "
                  f"p95 {p95:7.1f} ms   p99 {p99:7.1f} ms   max {max(timings):7.1f} ms   "
                  f"n={len(timings)}   {'达标' if ok else '未达标'}")
        print("全部达标" if not failed else "未达标：" + "、".join(failed))
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
