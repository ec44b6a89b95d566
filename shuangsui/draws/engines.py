"""抽取引擎：在数据所在处按协议 shuangsui-draw-v1 第 4 节选出对象。

三种引擎给出逐字节相同的抽取记录（记录里不写是哪种引擎算的，因为结果与引擎无关）：
- ``python``：protocol.py 本身（标准库，县级安装只需要它）；
- ``postgres``：人口文件经 COPY 装入临时表，键 sha256(seed_hex || LF || uid) 与每层前 k + m
  名都在 SQL 里算，只把入选与备选的行取回（审计人员用 SQL 复核的路径）；
- ``spark``：pyspark（可选依赖 ``shuangsui[spark]``），sha2(concat(seed_hex, LF, uid), 256)，
  每层按键取前 k + m 名（各分区先取、再合并），供全国规模的人口文件。

人口文件的摘要与格式校验（第 1 节）总在本进程里做，错误信息与 python 引擎相同；引擎只负责
计数与选出。返回的 (各层人数, selected, reserve_list) 交给 protocol.make_record 组装记录。
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import contextmanager
from itertools import islice
from operator import lt
from pathlib import Path

from shuangsui.draws import protocol

ENGINES = ("python", "postgres", "spark")


def check_population(data: bytes) -> int:
    """按第 1 节校验人口文件字节（表头、LF、无引号/CR、非空字段、UTF-8、uid 字节升序且不重复）。

    返回候选数；不合规时抛出与 python 引擎相同的、带行号的 ProtocolError。
    """
    if not data.startswith(protocol.HEADER) or not data.endswith(b"\n"):
        protocol._raise_file_error(data)
    rows, last, pos, end = 0, None, len(protocol.HEADER), len(data)
    while pos < end:
        stop = data.find(b"\n", min(pos + protocol._PIECE, end) - 1) + 1
        piece = data[pos:stop]
        if not protocol._bulk_ok(piece, public=False):
            protocol._raise_file_error(data)
        uids = piece.replace(b",", b"\n").split(b"\n")[0:-1:2]
        if (last is not None and last >= uids[0]) or not all(map(lt, uids, islice(uids, 1, None))):
            protocol._raise_file_error(data)
        last = uids[-1]
        rows += len(uids)
        pos = stop
    return rows


def _quotas_and_need(strata: Mapping, quotas: Mapping, reserves, quota_rule) -> tuple[dict, dict]:
    """由各层人数定出配额（比例按 ceil(N×r)）与每层要取的 k + m。"""
    quotas = dict(quotas)
    for label, ratio in (quota_rule or {}).items():
        if label not in quotas:
            quotas[label] = protocol.quota_from_ratio(strata.get(label, 0), ratio)
    need = {s.decode(): t for s, t in protocol._need(quotas, reserves).items()}
    return quotas, need


def _split(rows, quotas: Mapping):
    """rows：[(key 字节, uid, stratum)]，已按层内 (key, uid 字节) 升序。分成入选与备选并编号。"""
    seen: dict[str, int] = {}
    chosen, spare = [], []
    for key, uid, stratum in rows:
        n = seen[stratum] = seen.get(stratum, 0) + 1
        item = (bytes(key) + uid.encode(), stratum)
        (chosen if n <= quotas.get(stratum, 0) else spare).append(item)
    return protocol._ranked(chosen), protocol._ranked(spare)


# ---------------------------------------------------------------- PostgreSQL

_PG_TABLE = """
CREATE TEMPORARY TABLE shuangsui_draw_population (
    uid text COLLATE "C" NOT NULL,
    stratum text COLLATE "C" NOT NULL
) ON COMMIT DROP
"""

# 每层一次 ORDER BY … LIMIT：PostgreSQL 用有界堆（top-N heapsort）取前 k + m 名，不必把整层排序。
# 同键（SHA-256 下实际不会出现）按 uid 的字节序：COLLATE "C" 对 UTF-8 就是字节序。
_PG_SELECT = """
SELECT q.stratum, t.key, t.uid
FROM unnest(%s::text[], %s::int[]) WITH ORDINALITY AS q(stratum, need, ord)
CROSS JOIN LATERAL (
    SELECT sha256(convert_to(%s || p.uid, 'UTF8')) AS key, p.uid
    FROM shuangsui_draw_population p
    WHERE p.stratum = q.stratum
    ORDER BY 1, 2
    LIMIT q.need
) t
ORDER BY q.ord, t.key, t.uid
"""


def postgres_select(
    data: bytes, seed_hex: str, quotas, reserves=None, quota_rule=None, *, using="default"
):
    """postgres 引擎：COPY 装入临时表（事务结束即删），在 SQL 里计数与选出。

    返回 (各层人数, selected, reserve_list, 配额)。需要 Django 的数据库是 PostgreSQL。
    """
    import psycopg
    from django.db import DataError, connections, transaction

    connection = connections[using]
    if connection.vendor != "postgresql":
        raise protocol.ProtocolError(
            "postgres 引擎需要 PostgreSQL 数据库（设置 DATABASE_URL=postgres://…）"
        )
    protocol._check_seed_hex(seed_hex)
    protocol._need(dict(quotas), reserves)  # 先校验配额的形式
    for ratio in (quota_rule or {}).values():
        protocol.quota_from_ratio(0, ratio)
    check_population(data)
    try:
        strata, rows, quotas = _postgres_rows(connection, transaction, using, data, seed_hex,
                                              quotas, reserves, quota_rule)  # fmt: skip
    except (DataError, psycopg.DataError) as exc:  # 例如 uid 含 NUL 字节：PostgreSQL 的 text 存不下
        raise protocol.ProtocolError(f"PostgreSQL 无法装入人口文件：{exc}") from None
    selected, reserve_list = _split(rows, quotas)
    return strata, selected, reserve_list, quotas


def _postgres_rows(connection, transaction, using, data, seed_hex, quotas, reserves, quota_rule):
    with transaction.atomic(using=using), connection.cursor() as cursor:
        # 文件已校验：无引号、无 CR、字段非空，所以 CSV 格式逐字节读入（反斜杠不是转义符）
        view = memoryview(data)
        pieces = (
            view[pos : pos + (1 << 20)] for pos in range(len(protocol.HEADER), len(data), 1 << 20)
        )
        pg_load(cursor, pieces)
        strata = pg_strata(cursor)
        quotas, need = _quotas_and_need(strata, quotas, reserves, quota_rule)
        rows = pg_top(cursor, seed_hex, need)
        pg_drop(cursor)
    return strata, rows, quotas


def pg_load(cursor, pieces) -> None:
    """建临时表并用 COPY … FROM STDIN 装入人口文件的数据行（pieces：不含表头的字节块）。

    字节块须是合规的人口文件内容（无引号、无 CR、字段非空）：CSV 格式逐字节读入。
    """
    cursor.execute(_PG_TABLE)
    with cursor.cursor.copy(
        "COPY shuangsui_draw_population (uid, stratum) FROM STDIN (FORMAT csv)"
    ) as copy:
        for piece in pieces:
            copy.write(piece)


def pg_strata(cursor) -> dict:
    """临时表里各层的人数，按标签的字节序。"""
    cursor.execute("SELECT stratum, count(*) FROM shuangsui_draw_population GROUP BY stratum")
    return {s: n for s, n in sorted(cursor.fetchall(), key=lambda r: r[0].encode())}


@contextmanager
def pg_work_mem(cursor, mb: int):
    """在本事务里把 work_mem 调到 mb（上限 1 GB），之后恢复原值（出错时随事务或保存点回滚）。"""
    cursor.execute("SELECT current_setting('work_mem')")
    before = cursor.fetchone()[0]
    cursor.execute("SELECT set_config('work_mem', %s, true)", [f"{min(mb, 1024)}MB"])
    yield
    cursor.execute("SELECT set_config('work_mem', %s, true)", [before])


def pg_top(cursor, seed_hex: str, need: Mapping) -> list:
    """每层按键取前 need[层] 名：[(key 字节, uid, stratum)]，层内按 (key, uid 字节) 升序。"""
    labels = sorted(need, key=str.encode)
    # 有界堆要放得进 work_mem，否则 PostgreSQL 退回整层的外部排序（1000 万行时慢 3 倍）
    with pg_work_mem(cursor, 64 + max(need.values(), default=0) * 256 // 2**20):
        cursor.execute(_PG_SELECT, [labels, [need[s] for s in labels], f"{seed_hex}\n"])
        return [(key, uid, stratum) for stratum, key, uid in cursor.fetchall()]


def pg_selection(cursor, seed_hex: str, strata: Mapping, quotas, reserves=None, quota_rule=None):
    """在已装入的临时表上选出：返回 (selected, reserve_list, 配额)，同 protocol 的形式。"""
    quotas, need = _quotas_and_need(strata, quotas, reserves, quota_rule)
    selected, reserve_list = _split(pg_top(cursor, seed_hex, need), quotas)
    return selected, reserve_list, quotas


def pg_copy_out(cursor, sql: str, params=None, size: int = 1 << 20):
    """`COPY (…) TO STDOUT` 的输出，按约 size 字节一块给出（不在内存里拼出全部行）。"""
    buf = bytearray()
    with cursor.cursor.copy(sql, params) as copy:
        for row in copy:
            buf += row
            if len(buf) >= size:
                yield bytes(buf)
                buf.clear()
    if buf:
        yield bytes(buf)


def pg_drop(cursor) -> None:
    # 外层已有事务时（例如测试里）ON COMMIT DROP 要等到外层提交，所以用完立即删掉
    cursor.execute("DROP TABLE shuangsui_draw_population")


# ---------------------------------------------------------------- Spark


def spark_session(master: str | None = None):
    """取得 SparkSession。由 spark-submit 启动时沿用它给的 master；否则默认本地模式。"""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise protocol.ProtocolError(
            "spark 引擎需要 pyspark：pip install 'shuangsui[spark]'（并需要 Java 17）"
        ) from None
    builder = SparkSession.builder.appName("shuangsui-draw").config(
        "spark.ui.showConsoleProgress", "false"
    )
    if master:
        builder = builder.master(master)
    return builder.getOrCreate()


def spark_select(
    path, data: bytes, seed_hex: str, quotas, reserves=None, quota_rule=None, *, spark=None
):
    """spark 引擎：Spark 读同一个人口文件（path，可为 hdfs:// 等），在 JVM 里求键并每层取前 k + m 名。

    data 是该文件的字节（本进程算摘要、校验格式；Spark 数出的行数须与之相同）。
    """
    spark = spark or spark_session()
    from pyspark.sql import functions as F

    protocol._check_seed_hex(seed_hex)
    protocol._need(dict(quotas), reserves)
    for ratio in (quota_rule or {}).values():
        protocol.quota_from_ratio(0, ratio)
    rows_in_file = check_population(data)
    uri = str(path) if "://" in str(path) else Path(path).resolve().as_uri()
    lines = spark.read.text(uri)
    # 按行读、按唯一的逗号拆分：不经 CSV 解析器，反斜杠等字符原样保留
    header = protocol.HEADER.decode().rstrip("\n")
    pop = lines.select(
        F.substring_index("value", ",", 1).alias("uid"),
        F.substring_index("value", ",", -1).alias("stratum"),
        (F.col("value") == header).alias("is_header"),
    )
    got = pop.groupBy("stratum", "is_header").count().collect()
    headers = sum(r["count"] for r in got if r["is_header"])
    if headers != 1:
        # 文件第一行之外还有一行恰为 "uid,stratum"（uid 为 uid、层为 stratum）：按行读无法区分
        raise protocol.ProtocolError(
            "spark 引擎无法处理与表头相同的候选行 uid,stratum，请用其他引擎"
        )
    counts = {}
    for r in got:
        if not r["is_header"]:
            counts[r["stratum"]] = counts.get(r["stratum"], 0) + r["count"]
    if sum(counts.values()) != rows_in_file:
        raise protocol.ProtocolError(
            f"Spark 读到 {sum(counts.values())} 行，人口文件有 {rows_in_file} 行：文件在抽取中被改动？"
        )
    strata = {s: counts[s] for s in sorted(counts, key=str.encode)}
    quotas, need = _quotas_and_need(strata, quotas, reserves, quota_rule)
    keyed = pop.where(~F.col("is_header")).select(
        "uid", "stratum", F.sha2(F.concat(F.lit(f"{seed_hex}\n"), F.col("uid")), 256).alias("key")
    )
    rows = []
    for label in sorted(need, key=str.encode):
        # orderBy + limit 在 Spark 里是 TakeOrderedAndProject：各分区先取前 t 名，驱动端合并。
        # 十六进制小写键的字符串序就是键的字节序；同键按 uid（Spark 字符串按 UTF-8 字节比较）。
        part = keyed.where(F.col("stratum") == label).orderBy("key", "uid").limit(need[label])
        rows += [(bytes.fromhex(r["key"]), r["uid"], label) for r in part.collect()]
    selected, reserve_list = _split(rows, quotas)
    return strata, selected, reserve_list, quotas


# ---------------------------------------------------------------- 组装记录


def make_record(engine: str, task_code: str, data: bytes, *, path=None, quotas, spark=None, **kw):
    """用指定引擎抽取并组装记录；记录与 protocol.make_record(task_code, data, …) 逐字节相同。

    kw 同 protocol.make_record（commitments、entropy、created_at、quota_rule、reserves、
    inspectors、explicit_zeros）。spark 引擎还需要 path（Spark 读的同一个文件）。
    """
    if engine == "python":
        return protocol.make_record(task_code, data, quotas, **kw)
    if engine not in ENGINES:
        raise protocol.ProtocolError(f"未知的抽取引擎 {engine}（可选 {'、'.join(ENGINES)}）")
    pop_digest = protocol.digest(data)
    seed_hex = protocol.compute_seed(task_code, pop_digest, kw["entropy"]).hex()
    args = (data, seed_hex, quotas, kw.get("reserves"), kw.get("quota_rule"))
    if engine == "postgres":
        strata, selected, reserve_list, quotas = postgres_select(*args)
    else:
        if path is None:
            raise protocol.ProtocolError("spark 引擎需要人口文件的路径")
        strata, selected, reserve_list, quotas = spark_select(path, *args, spark=spark)
    population = {"digest": pop_digest, "count": sum(strata.values()), "strata": strata}
    return protocol.make_record(
        task_code, population, quotas, selection=(selected, reserve_list), **kw
    )
