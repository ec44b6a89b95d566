"""基准用的演示库，百万主体也只要一两分钟：bench/pages.py 与 bench/load.py 共用（另有各基准共用的
服务环境变量 server_env、gunicorn 服务 serve 与读 /proc 的 CPU 秒数 cpu_seconds、backend_cpu）。

    .venv/bin/python bench/dataset.py --entities 1000000     # 库由环境变量指定（SQLITE_PATH / DATABASE_URL）

与 `shuangsui demo-data --entities N` 相同（组织、账号、事项、已抽取正在检查的任务、公示、信用……，
抽取在全部 N 户上做），只是市场主体不逐户在 Python 里生成：每个县（区）先照常生成 BASE 户
（名称、类型、状态、信用分类等的分布与演示数据一样），其余的在数据库里用 INSERT … SELECT 复制这些户，
只换统一社会信用代码（第 9 位为“Y”，其后 8 位序号，与演示代码不会重复；校验码按国标算）。
名称因此每个重复约 N/BASE 次：名称片段的命中率与演示数据相同，这正是检索与计数的代价所在。
SQLite 的名称索引由触发器随插入维护；PostgreSQL 载入后 VACUUM (ANALYZE)（相当于自动清理已跑过）。
"""

import argparse
import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE = 20_000  # 每个县（区）照常生成的户数
COLUMNS = (
    "name, entity_type, unit_id, scope_path, region_code, industry_code, address, legal_rep, "
    "phone, status, established, credit_class, credit_date, key_tags, annual_report, updated"
)


def replicate(county, n):
    """把 `county` 辖区已有的主体复制到再多 n 户（代码换新）。返回写入数。"""
    from django.db import connection

    from shuangsui.directory import uscc

    with connection.cursor() as cur:
        cur.execute(
            "SELECT COUNT(*), MAX(id) FROM directory_entity WHERE scope_path LIKE %s",
            [county.path + "%"],
        )
        have, top = cur.fetchone()
        if n <= 0 or not have:
            return 0
        copies = -(-n // have)
        stride = top + 1
        if connection.vendor == "postgresql":
            series = "generate_series(1, %s) AS c(k)"
            number = "lpad((c.k * %s + e.id)::text, 8, '0')"
        else:
            series = (
                "(WITH RECURSIVE c(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM c WHERE k < %s) "
                "SELECT k FROM c) AS c"
            )
            number = "printf('%%08d', c.k * %s + e.id)"
        # 前 17 位：原代码前 8 位（都是数字）+ “Y” + 8 位序号；第 18 位按国标算校验码
        total = (
            " + ".join(
                f"CAST(substr(t.body, {i + 1}, 1) AS INTEGER) * {w}"
                for i, w in enumerate(uscc.WEIGHTS)
                if i != 8
            )
            + f" + {uscc.VALUES['Y'] * uscc.WEIGHTS[8]}"
        )
        cur.execute(
            f"INSERT INTO directory_entity (uid, {COLUMNS}) "
            f"SELECT t.body || substr('{uscc.ALPHABET}', 1 + (31 - ({total}) %% 31) %% 31, 1), "
            f"{COLUMNS} FROM (SELECT substr(e.uid, 1, 8) || 'Y' || {number} AS body, "
            + ", ".join(f"e.{c.strip()}" for c in COLUMNS.split(","))
            + f" FROM directory_entity e CROSS JOIN {series} "
            "WHERE e.scope_path LIKE %s ORDER BY c.k, e.id LIMIT %s) AS t",
            [stride, copies, county.path + "%", n],
        )
        if connection.vendor == "postgresql":
            # 演示数据在一个事务里载入，自动清理看不到未提交的行：不先统计，随后的冻结（资格查询）
            # 按“空表”规划，百万户要几十分钟而不是几秒
            cur.execute("ANALYZE directory_entity")
    return n


def fast_generator(original):
    def generate_entities(county, n, rng, batch=5000):
        written = original(county, min(n, BASE), rng, batch)
        return written + replicate(county, n - written)

    return generate_entities


def load(entities, inspectors):
    """在当前库（已迁移）上载入演示数据，主体 `entities` 户。"""
    from django.db import connection

    from shuangsui.demo import data as demo

    demo.generate_entities = fast_generator(demo.generate_entities)
    result = demo.load(entities, inspectors, checks=True)
    if connection.vendor == "postgresql":
        # 自动清理（插入也触发）会做的事：统计，并标好可见性图（只读索引的扫描不必回表看可见性）
        with connection.cursor() as cur:
            cur.execute("VACUUM (ANALYZE)")
    return result


def ensure(env, entities):
    """在 env 指定的库上（子进程里）载入演示数据，库里已有主体则不载入；打印并返回主体户数。"""
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, __file__, "--if-empty", "--entities", str(entities)],
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout
    print(out.strip() + f"（{time.perf_counter() - t0:.0f} s）", flush=True)
    return int(re.search(r"主体 ([\d,]+) 户", out).group(1).replace(",", ""))


def server_env(data_dir, **extra):
    """基准服务（与本进程里的 Django）的环境变量：关调试，只在本机回环地址上答，登录失败与门户检索的
    限额调高（压测不被锁、不答 429），数据目录 data_dir（演示抽取写的名单文件在那里），库由 extra 或
    调用者给出（SQLITE_PATH / DATABASE_URL）。"""
    return dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="shuangsui.settings",
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        LOGIN_FAILURE_LIMIT="100000",
        PUBLIC_SEARCH_LIMIT="1000000",
        SHUANGSUI_DATA_DIR=data_dir,
        SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        **extra,
    )


def serve(env, port, workers, threads, stderr=subprocess.DEVNULL):
    """在本机回环地址上用 gunicorn 服务（与 make demo 一样是多进程 × 多线程）；返回进程。"""
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "shuangsui.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            "--threads",
            str(threads),
            # 每个响应后关连接，如同前面的 nginx（默认不对上游保持连接）：下一个请求由先接受它的
            # 进程处理。压测客户端若保持连接，连接落在哪个进程就一直在哪个进程，两个进程一忙一闲
            "--keep-alive",
            "0",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )


def cpu_seconds(pid):
    """进程 pid 已用的 CPU 秒（/proc/<pid>/stat 的用户态 + 内核态时钟滴答）；读不到（进程已退出、
    不在本机）时为 None。"""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def backend_cpu(connection):
    """PostgreSQL：Django 连接 connection 的后端进程已用的 CPU 秒（不含并行查询、并行建索引的工作进程）；
    SQLite 或服务器不在本机时为 None。"""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    return cpu_seconds(pid)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--inspectors", type=int, default=300)
    parser.add_argument("--if-empty", action="store_true", help="库里已有主体时不载入")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuangsui.settings")
    import django

    django.setup()
    from django.core.management import call_command

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    from shuangsui.directory.models import Entity

    if args.if_empty and Entity.objects.exists():
        print(f"库里已有数据：主体 {Entity.objects.count():,} 户，不再载入", flush=True)
        return
    result = load(args.entities, args.inspectors)
    print(
        f"载入演示数据：主体 {result['entities']:,} 户，检查人员 {result['inspectors']} 人，"
        f"{time.perf_counter() - t0:.0f} s",
        flush=True,
    )


if __name__ == "__main__":
    main()
