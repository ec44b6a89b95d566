"""抽取引擎（postgres、spark）与 protocol.py 逐字节相同：规范测试向量与 10 万候选、4 层、带备选。

PostgreSQL 的测试在 PostgreSQL 那一轮（DATABASE_URL=postgres://…）运行，SQLite 那一轮跳过；
Spark 的测试标 spark，只在装了 pyspark（shuangsui[spark]）时运行。
"""

import hashlib
import importlib.util

import pytest
from django.db import connection

from shuangsui.draws import engines
from shuangsui.draws import protocol as p

from ._cases import POPULATION, RECORD_BYTES
from .test_commands import run, vector_args

HAS_SPARK = importlib.util.find_spec("pyspark") is not None
needs_pg = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="postgres 引擎在 PostgreSQL 那一轮测试"
)
needs_spark = pytest.mark.skipif(not HAS_SPARK, reason="未安装 pyspark（shuangsui[spark]）")

# 10 万候选，4 层，大小悬殊；另有几条含反斜杠、非 ASCII 与冒号的 uid（字节序与 COPY 的考验）
SIZES = {"A": 61_000, "B": 30_000, "C": 8_000, "D": 1_000}
ARGS = {
    "quotas": {"A": 40, "B": 300, "D": 25},
    "quota_rule": {"C": "0.035"},
    "reserves": {"A": 3, "B": 10, "C": 5, "D": 2},
    "commitments": [
        {"label": "operator", "commitment": p.commitment("operator", "o-1")},
        {"label": "witness", "commitment": p.commitment("witness", "见证-2")},
    ],
    "entropy": ["operator=o-1", "witness=见证-2", "beacon=round 42"],
    "created_at": "2026-05-10T09:30:00+08:00",
    "explicit_zeros": True,
}
ODD_UIDS = [("LIB\\RARY:1", "D"), ("名录:7", "C"), ("Z\\N", "B"), ("a b:é", "A")]


def _population() -> bytes:
    odd = {s for _, s in ODD_UIDS}
    labels = [s for s, n in SIZES.items() for _ in range(n - (s in odd))]
    rows = []
    for i, stratum in enumerate(labels):
        rows.append((hashlib.sha256(str(i).encode()).hexdigest()[:18].upper(), stratum))
    return p.population_csv(rows + ODD_UIDS)


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """人口文件（每个模块生成一次）与 python 引擎的记录字节。"""
    data = _population()
    path = tmp_path_factory.mktemp("engines") / "population.csv"
    path.write_bytes(data)
    expected = p.record_json(p.make_record("T-100K", data, ARGS["quotas"], **_kw()))
    return path, data, expected


def _kw():
    return {k: v for k, v in ARGS.items() if k != "quotas"}


def test_population_has_four_strata_and_every_quota_bites(big):
    _, data, expected = big
    rec = p.make_record("T-100K", data, ARGS["quotas"], **_kw())
    assert rec["population"]["count"] == 100_000 and rec["population"]["strata"] == SIZES
    assert rec["quotas"] == {"A": 40, "B": 300, "C": 280, "D": 25}
    assert len(rec["selected"]) == 645 and len(rec["reserve_list"]) == 20


@pytest.mark.parametrize(
    "bad, message",
    [
        (POPULATION.replace(b"\n", b"\r\n"), "第 1 行"),
        (POPULATION[:-1], "结尾的换行"),
        (POPULATION.replace(b",B\n", b',"B"\n', 1), "引号"),
        (POPULATION.replace(b",B\n", b",\n", 1), "为空"),
        (POPULATION + POPULATION.splitlines(keepends=True)[-1], "重复"),
        (b"\xef\xbb\xbf" + POPULATION, "BOM"),
    ],
)
def test_engines_reject_bad_files_as_python_does(bad, message):
    with pytest.raises(p.ProtocolError, match=message) as python_error:
        p.select(bad, "0" * 64, {"B": 1})
    with pytest.raises(p.ProtocolError) as engine_error:
        engines.check_population(bad)
    assert str(engine_error.value) == str(python_error.value)


def test_check_population_counts_rows(big):
    assert engines.check_population(big[1]) == 100_000


def test_postgres_engine_needs_postgresql(tmp_path):
    if connection.vendor == "postgresql":
        pytest.skip("本测试针对非 PostgreSQL 数据库")
    with pytest.raises(p.ProtocolError, match="PostgreSQL"):
        engines.make_record("postgres", "T", POPULATION, quotas={"B": 1}, **_kw())


# ---------------------------------------------------------------- PostgreSQL


@needs_pg
@pytest.mark.django_db
def test_postgres_reproduces_the_spec_vector(tmp_path):
    run("draw-file", *vector_args(tmp_path, "--created-at", "2024-05-10T09:30:00+08:00",
                                  "--engine", "postgres"))  # fmt: skip
    assert (tmp_path / "record.json").read_bytes() == RECORD_BYTES + b"\n"


@needs_pg
@pytest.mark.django_db
def test_postgres_equals_python_on_100k(big):
    path, data, expected = big
    got = engines.make_record("postgres", "T-100K", data, quotas=ARGS["quotas"], **_kw())
    assert p.record_json(got) == expected
    # 同一事务里再抽一次（临时表已删）：不同种子，仍与 python 相同
    kw = _kw() | {"entropy": ARGS["entropy"][:2]}
    again = engines.make_record("postgres", "T-100K", data, quotas=ARGS["quotas"], **kw)
    assert again["seed"] != got["seed"]
    assert again == p.make_record("T-100K", data, ARGS["quotas"], **kw)


@needs_pg
@pytest.mark.django_db
def test_postgres_rejects_quota_above_stratum_size():
    with pytest.raises(p.ProtocolError, match="超过"):
        engines.make_record("postgres", "T", POPULATION, quotas={"D": 4}, **_kw())


# ---------------------------------------------------------------- Spark


@pytest.fixture(scope="module")
def spark():
    session = engines.spark_session("local[2]")
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.mark.spark
@needs_spark
@pytest.mark.usefixtures("spark")
def test_spark_reproduces_the_spec_vector(tmp_path):
    run("draw-file", *vector_args(tmp_path, "--created-at", "2024-05-10T09:30:00+08:00",
                                  "--engine", "spark"))  # fmt: skip
    assert (tmp_path / "record.json").read_bytes() == RECORD_BYTES + b"\n"


@pytest.mark.spark
@needs_spark
def test_spark_equals_python_on_100k(big, spark):
    path, data, expected = big
    got = engines.make_record(
        "spark", "T-100K", data, path=path, spark=spark, quotas=ARGS["quotas"], **_kw()
    )
    assert p.record_json(got) == expected


@pytest.mark.spark
@needs_spark
def test_spark_notices_a_file_changed_under_it(big, spark, tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(POPULATION)
    with pytest.raises(p.ProtocolError, match="被改动"):
        engines.make_record("spark", "T", big[1], path=path, spark=spark, quotas={"B": 1}, **_kw())


@needs_pg
@pytest.mark.django_db
def test_postgres_says_why_it_cannot_load_a_nul_byte():
    data = p.population_csv([("A\x00B", "A"), ("C", "A")])
    assert p.select(data, "0" * 64, {"A": 1})  # 协议允许，python 引擎照抽
    with pytest.raises(p.ProtocolError, match="PostgreSQL 无法装入"):
        engines.make_record("postgres", "T", data, quotas={"A": 1}, **_kw())
