"""抽取仪式：冻结名单、承诺、揭示、公开随机值、抽取、作废，以及名单的资格规则。

协议本身（名单文件、种子、键、选取、记录、公开形式）全在 `protocol.py`；这里只收集名单、
记录仪式并保存记录。每个写操作在一个事务里完成并写一条审计事件：
- PostgreSQL 上先 `select_for_update` 锁住任务或抽取行；
- SQLite 的事务以 BEGIN IMMEDIATE 开始（见 settings），写事务本身串行；
- “每个任务至多一次有效抽取”的部分唯一约束是最后一道防线。
"""

import hashlib
import json
import os
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Count, Max, Prefetch, Q
from django.utils import timezone

from shuangsui.core import audit, scope
from shuangsui.core.signals import changes, own_event
from shuangsui.directory.choices import EntityStatus
from shuangsui.directory.models import Entity, TargetObject
from shuangsui.inspectors import eligibility
from shuangsui.inspectors.models import Inspector
from shuangsui.plans.choices import (
    ALL_STRATUM,
    CREDIT_STRATA,
    QuotaMode,
    Stratify,
    TargetKind,
    TaskStatus,
)
from shuangsui.plans.models import Task
from shuangsui.plans.services import (
    base_ratio_quotas,
    participating_tasks,
    ratio_str,
    rules_for,
)

from . import ceremony, engines, protocol, signals
from .ceremony import FileMismatch, retrying
from .choices import DrawStatus, ExclusionCode, FileKind, TargetRole
from .models import Draw, DrawnTarget, Exclusion

SELF_VERIFY_MAX = 200_000  # 名单不超过此数时，保存前用 verify_record 自检一遍
STREAM_CHUNK = 1 << 20  # 在数据库里冻结与抽取时，名单文件逐块读写的块大小（字节）
_BATCH = 5000

FILE_NAMES = {
    FileKind.POPULATION: "population.csv",
    FileKind.POOL: "inspector-pool.json",
    FileKind.RECORD: "record.json",
    FileKind.PUBLIC_RECORD: "public-record.json",
    FileKind.PUBLIC_POPULATION: "public-population.csv",
}
CONTENT_TYPES = {
    FileKind.POPULATION: "text/csv; charset=utf-8",
    FileKind.POOL: "application/json",
    FileKind.RECORD: "application/json",
    FileKind.PUBLIC_RECORD: "application/json",
    FileKind.PUBLIC_POPULATION: "text/csv; charset=utf-8",
}


# ---------------------------------------------------------------- 事务与文件


def _rel(task, number, kind):
    return f"{ceremony.safe(task.code)}/{number:02d}/{FILE_NAMES[kind]}"


def _write(draw, kind, data, written):
    """写入不可变文件，返回 (相对路径, sha256)。"""
    rel = _rel(draw.task, draw.number, kind)
    return rel, ceremony.write_file(rel, data, written)


def file_info(draw, kind):
    """(相对路径, 登记的 sha256)；尚未生成时路径为空。"""
    return {
        FileKind.POPULATION: (draw.population_file, draw.population_digest),
        FileKind.POOL: (draw.pool_file, draw.pool_sha256),
        FileKind.RECORD: (draw.record_file, draw.record_sha256),
        FileKind.PUBLIC_RECORD: (draw.public_record_file, draw.public_record_sha256),
        FileKind.PUBLIC_POPULATION: (draw.public_population_file, draw.public_population_sha256),
    }[kind]


def read_file(draw, kind):
    """读取抽取文件并核对登记的摘要；文件缺失或被改动时抛出 FileMismatch。"""
    rel, digest = file_info(draw, kind)
    return ceremony.read_checked(rel, digest, FileKind(kind).label)


def download_name(draw, kind):
    base = FILE_NAMES[kind]
    return f"{ceremony.safe(draw.task.code)}-{draw.number:02d}-{base}"


# ---------------------------------------------------------------- 名单与资格


@dataclass
class Candidate:
    uid: str
    stratum: str
    entity_id: int | None = None
    object_id: int | None = None


@dataclass
class Excluded:
    uid: str
    stratum: str
    code: str
    reason: str
    entity_id: int | None = None
    object_id: int | None = None


@dataclass
class Population:
    """按资格规则得到的候选名单与排除名单。"""

    candidates: list = field(default_factory=list)
    excluded: list = field(default_factory=list)

    @property
    def strata(self):
        counts = Counter(c.stratum for c in self.candidates)
        return {label: counts[label] for label in sorted(counts)}

    @property
    def count(self):
        return len(self.candidates)

    def rows(self):
        return [(c.uid, c.stratum) for c in self.candidates]

    def exclusion_counts(self):
        return Counter(e.reason for e in self.excluded).most_common()


def _history_rows(task):
    """本年度其他任务的有效（已完成、未作废）抽取中的入选行（只含市场主体）。"""
    return DrawnTarget.objects.filter(
        role=TargetRole.SELECTED,
        draw__status=DrawStatus.COMPLETED,
        draw__task__year=task.year,
        entity__isnull=False,
    ).exclude(draw__task=task)


def selection_history(task):
    """本年度其他任务的有效（已完成、未作废）抽取中，各市场主体入选的次数。"""
    return Counter(_history_rows(task).values_list("entity_id", flat=True))


# 没有 credit.view 的用户看到的排除原因（不透露主体的信用分类）
NEUTRAL_REASON = "按信用分类与检查频次规则"


def shown_reason(code, reason, show_credit):
    if show_credit or code == ExclusionCode.STATUS or code == ExclusionCode.INACTIVE:
        return reason
    return NEUTRAL_REASON


def _class_label(cls):
    return "未分类" if cls == "U" else f"{cls}类"


def _entities_in_scope(task, user):
    """任务范围内（区域、类型、行业、重点领域）的市场主体，未按资格规则排除。"""
    regions = [r.path for r in task.regions.all()] or [task.unit.county.path]
    qs = scope.scoped(Entity.objects.all(), user, "directory.view")
    where = Q()
    for path in regions:
        where |= Q(scope_path__startswith=path)
    qs = qs.filter(where)
    if task.entity_type_list:
        qs = qs.filter(entity_type__in=task.entity_type_list)
    if task.industry_list:
        where = Q()
        for prefix in task.industry_list:
            where |= Q(industry_code__startswith=prefix)
        qs = qs.filter(where)
    if task.key_tag_list:
        where = Q()
        for tag in task.key_tag_list:
            where |= Q(key_tags__contains=f",{tag},")
        qs = qs.filter(where)
    return qs


def build_population(task, user):
    """任务的检查对象名单：先按范围（区域、类型、行业、重点领域）取对象，再按资格规则
    （登记状态、A类无事不扰、年度频次上限）排除，排除的对象各带原因。"""
    if task.target_kind == TargetKind.LIBRARY:
        return _library_population(task, user)
    rules = rules_for(task.unit)
    key_domain = task.is_key_domain
    credit = task.stratify == Stratify.CREDIT
    qs = _entities_in_scope(task, user)
    history = selection_history(task)
    statuses = set(task.status_list)
    status_labels = dict(EntityStatus.choices)
    pop = Population()
    rows = qs.order_by().values_list("id", "uid", "credit_class", "status")
    for pk, uid, cls, status in rows.iterator(chunk_size=20000):
        stratum = cls if credit else ALL_STRATUM
        if status not in statuses:
            reason = f"状态：{status_labels.get(status, status)}"
            pop.excluded.append(Excluded(uid, stratum, ExclusionCode.STATUS, reason, pk))
            continue
        if cls == "A" and not task.include_a and rules.a_undisturbed:
            pop.excluded.append(
                Excluded(uid, stratum, ExclusionCode.A_UNDISTURBED, "A类无事不扰", pk)
            )
            continue
        cap = rules.cap_for(cls, key_domain)
        done = history.get(pk, 0)
        if cap is not None and done >= cap:
            what = "重点领域" if key_domain else _class_label(cls)
            reason = f"{what}本年度已检查{done}次"
            pop.excluded.append(Excluded(uid, stratum, ExclusionCode.FREQUENCY, reason, pk))
            continue
        pop.candidates.append(Candidate(uid, stratum, entity_id=pk))
    return pop


def _library_of(task, user):
    library = task.library
    if library is None or not scope.in_scope(user, library.scope_path):
        raise ValidationError("任务的对象库不存在或不在您的辖区内")
    return library


def _library_population(task, user):
    library = _library_of(task, user)
    pop = Population()
    rows = (
        TargetObject.objects.filter(library=library).order_by().values_list("id", "code", "active")
    )
    for pk, code, active in rows.iterator(chunk_size=20000):
        uid = f"{library.code}:{code}"
        if not active:
            pop.excluded.append(
                Excluded(uid, ALL_STRATUM, ExclusionCode.INACTIVE, "对象已失效", object_id=pk)
            )
        else:
            pop.candidates.append(Candidate(uid, ALL_STRATUM, object_id=pk))
    return pop


@dataclass
class QuotaPlan:
    quotas: dict
    quota_rule: dict
    reserves: dict
    notes: list

    @property
    def total(self):
        return sum(self.quotas.values())


def compute_quotas(task, strata):
    """由任务的配额规则和冻结名单的各层人数算出配额（冻结时算定，先于任何熵）。"""
    labels = sorted(label for label, n in strata.items() if n > 0)
    quotas, rule, notes = {}, {}, []
    mode = task.quota_mode
    if mode == QuotaMode.RATIO:
        r = ratio_str(task.ratio)
        for label in labels:
            rule[label] = r
            quotas[label] = protocol.quota_from_ratio(strata[label], r)
    elif mode == QuotaMode.CLASS_RATIO:
        for label in labels:
            if label in task.class_ratios:
                r = ratio_str(task.class_ratios[label])
                rule[label] = r
                quotas[label] = protocol.quota_from_ratio(strata[label], r)
            else:
                notes.append(f"{_class_label(label)}未设定比例，本次不抽取")
    elif mode == QuotaMode.CLASS_COUNT:
        for label in labels:
            if label in task.class_counts:
                k = int(task.class_counts[label])
                if k > strata[label]:
                    notes.append(
                        f"{_class_label(label)}指定 {k} 户，超过名单中的 {strata[label]} 户，按全部抽取"
                    )
                    k = strata[label]
                quotas[label] = k
    elif mode == QuotaMode.BASE_RATIO:
        # 总数 = 基数 × 比例；按信用分类分层时按“人数 × 权重”分到各类（见 plans.quota）。
        # 记录里是算好的各类户数（quotas），不带 quota_rule：各类户数不是各层 ceil(N × r)
        quotas, notes = base_ratio_quotas(task, {label: strata[label] for label in labels})
    reserves = {}
    for label, m in sorted(task.reserves.items()):
        n = strata.get(label, 0)
        room = n - quotas.get(label, 0)
        m = min(int(m), max(room, 0))
        if m > 0:
            reserves[label] = m
    return QuotaPlan(quotas=quotas, quota_rule=rule, reserves=reserves, notes=notes)


# ---------------------------------------------------------------- 在数据库里冻结与选出（PostgreSQL）
#
# build_population + protocol.population_csv + protocol.make_record 是参考实现（SQLite 上唯一的路径）。
# PostgreSQL 上同样的资格规则写成一条查询（CASE 给出排除代码与原因），结果放进本事务的临时表：
# 候选由 `COPY … ORDER BY uid`（COLLATE "C"，即 UTF-8 字节序）流式写进名单文件，边写边算摘要；
# 各层人数、排除名单（INSERT … SELECT）都在 SQL 里。抽取时把冻结的名单文件 COPY 回临时表（边读边
# 核对摘要），用 engines 的 SQL 选出，只取回入选与备选的行。两条路径的文件、摘要、排除名单与记录
# 逐字节相同（tests/test_freeze_sql.py）。Python 进程从不持有整个名单。


def in_database(flag=None):
    """名单是否由数据库写出、选出是否在 SQL 里算：flag 为空时 PostgreSQL 上是；False 即参考路径。

    要求库的编码是 UTF8：COLLATE "C" 的排序即 uid 的 UTF-8 字节序（协议第 1 节）。
    """
    usable = connection.vendor == "postgresql" and _utf8()
    if flag is None:
        return usable
    if flag and not usable:
        raise ValidationError("在数据库里冻结名单与抽取需要编码为 UTF8 的 PostgreSQL 数据库")
    return bool(flag)


def _utf8():
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_encoding")
        return cursor.fetchone()[0] == "UTF8"


_FREEZE_TABLE = """
CREATE TEMPORARY TABLE shuangsui_freeze (
    entity_id bigint,
    object_id bigint,
    uid text COLLATE "C" NOT NULL,
    stratum text COLLATE "C" NOT NULL,
    code text,
    reason text
) ON COMMIT DROP
"""
_STRATUM_RE = re.compile(rb",[^\n]*\n")


class _Sql:
    """按出现顺序拼接 SQL 片段与参数。"""

    def __init__(self):
        self.parts, self.params = [], []

    def add(self, text, *params):
        self.parts.append(text)
        self.params.extend(params)
        return self

    def join(self, other):
        return self.add("".join(other.parts), *other.params)

    def query(self, qs):
        sql, params = qs.query.sql_with_params()
        return self.add(f"({sql})", *params)

    def sql(self):
        return "".join(self.parts), self.params


def _case(column, mapping, default):
    """CASE column WHEN k THEN v … ELSE default END（k、v 作参数）。"""
    out = _Sql().add(f"CASE {column}")
    for k, v in mapping.items():
        out.add(" WHEN %s THEN %s", k, v)
    return out.add(f" ELSE {default} END")


def _eligibility_sql(task, user):
    """(sql, params)：范围内每个对象一行 (entity_id, object_id, uid, stratum, code, reason)，
    code 为空即候选。规则与 build_population 逐条相同；范围仍由 ORM 的查询集给出。"""
    if task.target_kind == TargetKind.LIBRARY:
        library = _library_of(task, user)
        objects = TargetObject.objects.filter(library=library).order_by()
        q = _Sql().add("SELECT NULL, o.id, %s || o.code, %s, ", f"{library.code}:", ALL_STRATUM)
        q.add("CASE WHEN o.active THEN NULL ELSE %s END, ", ExclusionCode.INACTIVE.value)
        q.add("CASE WHEN o.active THEN NULL ELSE %s END FROM ", "对象已失效")
        return q.query(objects.values("id", "code", "active")).add(" o").sql()
    rules = rules_for(task.unit)
    key_domain = task.is_key_domain
    base = _entities_in_scope(task, user).order_by().values("id", "uid", "credit_class", "status")
    history = _history_rows(task).order_by().values("entity_id").annotate(n=Count("id"))
    q = _Sql().add("SELECT x.id, NULL, x.uid, ")
    if task.stratify == Stratify.CREDIT:
        q.add("x.credit_class, x.code, ")
    else:
        q.add("%s, x.code, ", ALL_STRATUM)
    q.add("CASE x.code WHEN %s THEN %s || ", ExclusionCode.STATUS.value, "状态：")
    q.join(_case("x.status", dict(EntityStatus.choices), "x.status"))
    q.add(" WHEN %s THEN %s", ExclusionCode.A_UNDISTURBED.value, "A类无事不扰")
    q.add(" WHEN %s THEN ", ExclusionCode.FREQUENCY.value)
    if key_domain:
        q.add("%s", "重点领域")
    else:
        q.add("CASE x.credit_class WHEN 'U' THEN %s ELSE x.credit_class || %s END", "未分类", "类")
    q.add(" || %s || x.n || %s END ", "本年度已检查", "次")
    q.add("FROM (SELECT e.id, e.uid, e.credit_class, e.status, coalesce(h.n, 0) AS n, CASE")
    q.add(" WHEN NOT (e.status = ANY(CAST(%s AS text[]))) THEN %s", list(task.status_list),
          ExclusionCode.STATUS.value)  # fmt: skip
    if not task.include_a and rules.a_undisturbed:
        q.add(" WHEN e.credit_class = 'A' THEN %s", ExclusionCode.A_UNDISTURBED.value)
    if key_domain:
        q.add(" WHEN coalesce(h.n, 0) >= CAST(%s AS integer)", rules.cap_key)
    else:
        caps = {c: rules.cap_for(c, False) for c in CREDIT_STRATA}
        q.add(" WHEN coalesce(h.n, 0) >= CAST(")
        q.join(_case("e.credit_class", caps, "NULL")).add(" AS integer)")
    q.add(" THEN %s END AS code FROM ", ExclusionCode.FREQUENCY.value)
    q.query(base).add(" e LEFT JOIN ").query(history).add(" h ON h.entity_id = e.id) x")
    return q.sql()


class _ImmutableFile:
    """逐块写入的不可变文件（同 ceremony.write_file：临时文件、fsync、只读、改名），边写边算 sha256。"""

    def __init__(self, rel):
        self.path = ceremony.root() / rel
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex}.tmp")
        self.fh = open(self.tmp, "xb")  # noqa: SIM115 - 由 commit/abort 关闭
        self.sha = hashlib.sha256()
        self.lines = 0

    def write(self, piece):
        self.fh.write(piece)
        self.sha.update(piece)
        self.lines += piece.count(b"\n")

    def commit(self, written):
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        os.chmod(self.tmp, 0o444)
        os.replace(self.tmp, self.path)
        written.append(self.path)
        return self.sha.hexdigest()

    def abort(self):
        self.fh.close()
        self.tmp.unlink(missing_ok=True)

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if kind is not None and not self.fh.closed:
            self.abort()


class _FileUids:
    """冻结的名单文件里的 uid（可多次迭代，逐行读，不整个放进内存）。"""

    def __init__(self, path):
        self.path = path

    def __iter__(self):
        with open(self.path, "rb") as fh:
            fh.readline()
            for line in fh:
                yield line[: line.rindex(b",")].decode()


def _freeze_in_database(task, user, number, written):
    """PostgreSQL：资格规则在 SQL 里，名单文件由 COPY 写出。返回 (抽取, 候选 uid, 排除原因计数)。"""
    with connection.cursor() as cursor:
        cursor.execute(_FREEZE_TABLE)
        try:
            sql, params = _eligibility_sql(task, user)
        except EmptyResultSet:  # 无权限等：查询集为空
            sql = None
        if sql:
            cursor.execute(
                "INSERT INTO shuangsui_freeze (entity_id, object_id, uid, stratum, code, reason) "
                + sql,
                params,
            )
        cursor.execute("SELECT code IS NULL, stratum, count(*) FROM shuangsui_freeze GROUP BY 1, 2")
        groups = sorted(cursor.fetchall(), key=lambda g: g[1])
        strata = {s: n for candidate, s, n in groups if candidate}
        plan = _plan(task, strata)
        count = sum(strata.values())
        rel = _rel(task, number, FileKind.POPULATION)
        quoted = False
        with _ImmutableFile(rel) as out, engines.pg_work_mem(cursor, 64 + count * 128 // 2**20):
            out.write(protocol.HEADER)
            # CSV 格式只给为空或含逗号、引号、CR、LF 的字段加引号，其余原样写出：输出里没有引号，
            # 就是逐字节的 uid,stratum 行（uid 按 COLLATE "C" 即 UTF-8 字节序）
            for piece in engines.pg_copy_out(
                cursor,
                size=STREAM_CHUNK,
                sql="COPY (SELECT uid, stratum FROM shuangsui_freeze WHERE code IS NULL "
                "ORDER BY uid) TO STDOUT (FORMAT csv)",
            ):
                quoted = quoted or b'"' in piece
                out.write(piece)
            if quoted:
                out.abort()
            else:
                if out.lines != count + 1:  # pragma: no cover - 同一事务里的同一张临时表
                    raise ValidationError("名单文件的行数与各层人数之和不符")
                digest = out.commit(written)
        if quoted:
            # 不合协议的 uid 或层：参考路径报出同样的错误（带候选序号与原因）
            protocol.population_csv(build_population(task, user).rows())
            raise ValidationError("名单中有不合抽取协议的对象标识")  # pragma: no cover
        draw = _new_draw(
            task,
            user,
            number,
            plan,
            digest=digest,
            count=count,
            strata=strata,
            excluded=sum(n for candidate, _, n in groups if not candidate),
        )
        draw.population_file = rel
        cursor.execute(
            f"INSERT INTO {Exclusion._meta.db_table} (draw_id, scope_path, uid, stratum, code, "
            "reason, entity_id, target_object_id) SELECT %s, %s, uid, stratum, code, reason, "
            "entity_id, object_id FROM shuangsui_freeze WHERE code IS NOT NULL",
            [draw.pk, draw.scope_path],
        )
        cursor.execute(
            "SELECT reason, count(*) FROM shuangsui_freeze WHERE code IS NOT NULL "
            "GROUP BY reason ORDER BY 2 DESC, 1"
        )
        excluded = dict(cursor.fetchall())
        cursor.execute("DROP TABLE shuangsui_freeze")
    return draw, _FileUids(ceremony.root() / rel), excluded


def _record_in_database(draw, task, kw, written):
    """PostgreSQL：冻结的名单文件 COPY 进临时表（边读边核对摘要、边写出公开的一列名单），在 SQL
    里选出。返回 (记录, 公开名单的 {digest, count})；记录与 protocol.make_record 逐字节相同。"""
    import psycopg

    what = FileKind.POPULATION.label
    if not draw.population_file:
        raise FileMismatch(f"{what}尚未生成")
    try:
        fh = open(ceremony.root() / draw.population_file, "rb")  # noqa: SIM115
    except OSError as exc:
        raise FileMismatch(f"{what}文件缺失") from exc
    sha = hashlib.sha256()

    def pieces():
        sha.update(fh.read(len(protocol.HEADER)))
        tail = b""
        while chunk := fh.read(STREAM_CHUNK):
            sha.update(chunk)
            chunk = tail + chunk
            cut = chunk.rfind(b"\n") + 1
            tail, chunk = chunk[cut:], chunk[:cut]
            public.write(_STRATUM_RE.sub(b"\n", chunk))
            yield chunk
        if tail:  # 文件不以 LF 结尾：被改动过，摘要不会相符
            yield tail

    def tampered():
        while chunk := fh.read(STREAM_CHUNK):
            sha.update(chunk)
        return sha.hexdigest() != draw.population_digest

    public_rel = _rel(task, draw.number, FileKind.PUBLIC_POPULATION)
    with fh, _ImmutableFile(public_rel) as public, connection.cursor() as cursor:
        public.write(protocol.PUBLIC_HEADER)
        try:
            engines.pg_load(cursor, pieces())
        except (DatabaseError, psycopg.Error):  # COPY 读不进：多半是文件被改成了别的样子
            if tampered():
                raise FileMismatch(f"{what}与登记的摘要不符：文件被改动") from None
            raise
        if tampered():
            raise FileMismatch(f"{what}与登记的摘要不符：文件被改动")
        strata = engines.pg_strata(cursor)
        seed_hex = protocol.compute_seed(task.code, draw.population_digest, kw["entropy"]).hex()
        selected, reserve_list, _ = engines.pg_selection(
            cursor, seed_hex, strata, draw.quotas, kw["reserves"], kw["quota_rule"]
        )
        engines.pg_drop(cursor)
        count = public.lines - 1
        draw.public_population_file = public_rel
        draw.public_population_sha256 = public.commit(written)
    population = {"digest": draw.population_digest, "count": sum(strata.values()), "strata": strata}
    record = protocol.make_record(
        task.code, population, draw.quotas, selection=(selected, reserve_list), **kw
    )
    return record, {"digest": draw.public_population_sha256, "count": count}


# ---------------------------------------------------------------- 查询与权限


def draw_participation(departments):
    """联合部门可见的抽取：本部门参与的任务的抽取（见 core.scope）。"""
    return Q(task__in=participating_tasks(departments).values("pk"))


def draw_row_participation(departments):
    return Q(draw__task__in=participating_tasks(departments).values("pk"))


def entity_participation(departments):
    """联合部门在名录库里可见的主体：本部门参与的任务的有效抽取抽中（含备选）的对象。"""
    targets = (
        DrawnTarget.objects.filter(draw__task__in=participating_tasks(departments).values("pk"))
        .exclude(draw__status=DrawStatus.VOIDED)
        .filter(entity__isnull=False)
    )
    return Q(pk__in=targets.values("entity_id"))


def draws_for(user):
    return scope.scoped(Draw.objects.select_related("task"), user, "draws.view")


def get_draw(user, pk):
    return scope.get_scoped(
        Draw.objects.select_related("task", "task__unit"), user, "draws.view", pk=pk
    )


def current_draw(task):
    """任务当前有效的抽取（未作废的那一次），没有时为 None。"""
    return task.draws.exclude(status=DrawStatus.VOIDED).order_by("-number").first()


def may_see_full(user, draw):
    """完整记录与名单（含信用分类）：辖区内有 draws.view；信用分类分层时还须 credit.view。"""
    if not (scope.can(user, "draws.view") and scope.in_scope(user, draw.scope_path)):
        return False
    return not draw.credit_strata or scope.can(user, "credit.view")


def may_download(user, draw, kind):
    if kind in (FileKind.PUBLIC_RECORD, FileKind.PUBLIC_POPULATION):
        return scope.can(user, "draws.view") and scope.in_scope(user, draw.scope_path)
    return may_see_full(user, draw)


def _party_role(user):
    return ceremony.party_role(user)


def next_label(draw, user):
    """此用户承诺时使用的标签：身份名（operator / witness），已被占用时加序号。"""
    return ceremony.next_label(draw, _party_role(user))


def _lock(draw):
    return Draw.objects.select_for_update().select_related("task").get(pk=draw.pk)


# ---------------------------------------------------------------- 仪式


def freeze(task, user, *, in_db=None):
    """冻结名单：应用资格规则，保存名单文件与检查人员库快照，摘要写入留痕。

    in_db：名单是否由数据库写出（见 `in_database`）；默认 PostgreSQL 上是。
    """
    sql = in_database(in_db)

    def work():
        scope.check_write(user, "draws.operate", task.scope_path)
        written = []
        try:
            with transaction.atomic():
                locked = Task.objects.select_for_update().get(pk=task.pk)
                return _freeze(locked, user, written, sql)
        except BaseException:
            ceremony.discard(written)
            raise

    try:
        return retrying(work)
    except IntegrityError as exc:
        raise ValidationError("该任务已有一次有效的抽取；重新抽取须先作废前一次") from exc
    except protocol.ProtocolError as exc:
        raise ValidationError(f"名单不符合抽取协议：{exc}") from exc


def _plan(task, strata):
    if not strata:
        raise ValidationError("抽取范围内没有符合条件的对象")
    plan = compute_quotas(task, strata)
    if not plan.total:
        raise ValidationError("按配额规则本次抽取 0 户，请检查比例或户数")
    return plan


def count_exclusions(draw):
    """排除名单按原因汇总：[{"code", "reason", "n"}]，户数多的在前（冻结时存入 draw.exclusion_counts）。"""
    return list(
        draw.exclusions.values("code", "reason").annotate(n=Count("id")).order_by("-n", "reason")
    )


def _new_draw(task, user, number, plan, *, digest, count, strata, excluded):
    with transaction.atomic():
        return Draw.objects.create(
            task=task,
            number=number,
            status=DrawStatus.FROZEN,
            population_digest=digest,
            population_count=count,
            strata=strata,
            quotas=plan.quotas,
            quota_rule=plan.quota_rule,
            reserves=plan.reserves,
            quota_notes=plan.notes,
            excluded_count=excluded,
            frozen_at=timezone.now(),
            frozen_by=user,
        )


def _freeze(task, user, written, sql=False):
    if task.status == TaskStatus.DRAFT:
        raise ValidationError("任务尚未批准，不能抽取")
    if task.draws.exclude(status=DrawStatus.VOIDED).exists() or task.status == TaskStatus.DRAWN:
        raise ValidationError("该任务已有一次有效的抽取；重新抽取须先作废前一次")
    number = (task.draws.aggregate(n=Max("number"))["n"] or 0) + 1
    if sql:
        draw, uids, excluded = _freeze_in_database(task, user, number, written)
    else:
        population = build_population(task, user)
        plan = _plan(task, population.strata)
        data = protocol.population_csv(population.rows())
        draw = _new_draw(
            task,
            user,
            number,
            plan,
            digest=protocol.digest(data),
            count=population.count,
            strata=population.strata,
            excluded=len(population.excluded),
        )
        draw.population_file, _ = _write(draw, FileKind.POPULATION, data, written)
        rows = [
            Exclusion(
                draw=draw,
                scope_path=draw.scope_path,
                uid=e.uid,
                stratum=e.stratum,
                code=e.code,
                reason=e.reason,
                entity_id=e.entity_id,
                target_object_id=e.object_id,
            )
            for e in population.excluded
        ]
        Exclusion.objects.bulk_create(rows, batch_size=_BATCH)
        uids = [c.uid for c in population.candidates]
        excluded = dict(population.exclusion_counts())
    pool = {"inspectors": [], "previous": {}, "neighbours": {}}
    if task.match_inspectors and task.target_kind == TargetKind.ENTITIES:
        people = scope.scoped(Inspector.objects.all(), user, "inspectors.view").filter(
            scope_path__startswith=task.unit.county.path
        )
        people = people.select_related("unit", "department").prefetch_related(
            Prefetch("conflicts", queryset=Entity.objects.only("id", "uid"))
        )
        pool["inspectors"] = eligibility.pool_snapshot(people)
        # 轮换回避与相邻所（由检查实施阶段提供）也在任何熵之前冻结
        for _receiver, extras in signals.pool_freezing.send(sender=Draw, task=task, uids=uids):
            pool.update(extras or {})
    pool_bytes = (json.dumps(pool, ensure_ascii=False, indent=1) + "\n").encode()
    draw.pool_file, draw.pool_sha256 = _write(draw, FileKind.POOL, pool_bytes, written)
    draw.exclusion_counts = count_exclusions(draw)
    draw.save()
    audit.log(
        "draw.frozen",
        draw,
        after={
            "task_code": task.code,
            "number": draw.number,
            "population_digest": draw.population_digest,
            "count": draw.population_count,
            "strata": draw.strata,
            "quotas": draw.quotas,
            "quota_rule": draw.quota_rule,
            "reserves": draw.reserves,
            "excluded": excluded,
            "inspector_pool_digest": draw.pool_sha256,
        },
    )
    return draw


def commit(draw, user, *, commitment=None, value=None, label=None):
    """提交承诺（见 `ceremony.commit`）：服务端只保存承诺值，不保存秘密值。"""
    return ceremony.commit(
        draw, user, _lock, "draw", commitment=commitment, value=value, label=label
    )


def missing_parties(draw):
    """还缺哪一方的承诺（中文）；齐全时为空列表。"""
    return ceremony.missing_parties(draw)


def reveal(draw, user, value):
    """揭示：各方的承诺都记录之后，重新输入秘密值，服务端核对与承诺相符后计入熵。"""
    return ceremony.reveal(draw, user, value, _lock, "draw")


def add_public_value(draw, user, label, value):
    """公开随机值（如彩票开奖号码）：全部揭示之后、抽取之前由执行方录入，不需承诺。"""
    return ceremony.add_public_value(draw, user, label, value, _lock, "draw")


entropy_of = ceremony.entropy_of


def run(draw, user, *, in_db=None):
    """计算抽取：按协议选出入选与备选对象，匹配检查人员，保存记录文件与抽中对象。

    并发的多个请求只有一个成功，其余得到“本次抽取已完成”。in_db：选出是否在 SQL 里算
    （见 `in_database`）；记录都一样。
    """
    sql = in_database(in_db)

    def work():
        scope.check_write(user, "draws.operate", draw.scope_path)
        written = []
        try:
            with transaction.atomic():
                locked = _lock(draw)
                return _run(locked, user, written, sql)
        except BaseException:
            ceremony.discard(written)
            raise

    try:
        return retrying(work)
    except protocol.ProtocolError as exc:
        raise ValidationError(f"抽取未能完成：{exc}") from exc


def _run(draw, user, written, sql=False):
    ceremony.check_ready(draw)
    task = Task.objects.select_for_update().get(pk=draw.task_id)
    kw = dict(
        commitments=ceremony.commitments_of(draw),
        entropy=entropy_of(draw),
        created_at=timezone.localtime().isoformat(timespec="seconds"),
        quota_rule=draw.quota_rule or None,
        reserves=draw.reserves or None,
    )
    if sql:
        population = None
        record, public_population = _record_in_database(draw, task, kw, written)
    else:
        population = read_file(draw, FileKind.POPULATION)
        record = protocol.make_record(task.code, population, draw.quotas, **kw)
    uids = [s["uid"] for s in record["selected"]]
    entity_ids = {}
    object_ids = {}
    if task.target_kind == TargetKind.ENTITIES:
        wanted = uids + [r["uid"] for r in record.get("reserve_list", [])]
        for i in range(0, len(wanted), _BATCH):
            rows = Entity.objects.filter(uid__in=wanted[i : i + _BATCH]).values_list(
                "uid", "id", "unit__code"
            )
            entity_ids.update({uid: (pk, station) for uid, pk, station in rows})
        if task.match_inspectors:
            section = _match(draw, task, record["seed"], uids, entity_ids)
            created = record.pop("created_at")
            record["inspectors"] = section
            record["created_at"] = created
    else:
        wanted = uids + [r["uid"] for r in record.get("reserve_list", [])]
        codes = {uid.split(":", 1)[1]: uid for uid in wanted}
        rows = TargetObject.objects.filter(library=task.library, code__in=list(codes)).values_list(
            "code", "id"
        )
        object_ids = {codes[code]: pk for code, pk in rows}
    if draw.population_count <= SELF_VERIFY_MAX:
        if population is None:
            population = read_file(draw, FileKind.POPULATION)
        problems = protocol.verify_record(record, population)
        if problems:  # pragma: no cover - 协议实现自相矛盾时才会发生
            raise ValidationError(f"抽取记录自检未通过：{problems[0]}")
    record_bytes = protocol.record_json(record)
    if sql:
        # 公开的一列名单已在读入名单文件时写出；公开记录的其余部分与人口无关
        public, _ = protocol.public_form(record, protocol.HEADER)
        public["public_population"] = public_population
    else:
        public, public_pop = protocol.public_form(record, population)
        draw.public_population_file, draw.public_population_sha256 = _write(
            draw, FileKind.PUBLIC_POPULATION, public_pop, written
        )
    draw.record_file, draw.record_sha256 = _write(draw, FileKind.RECORD, record_bytes, written)
    draw.public_record_file, draw.public_record_sha256 = _write(
        draw, FileKind.PUBLIC_RECORD, protocol.record_json(public), written
    )
    assignments = _assignments(record.get("inspectors"))
    targets = []
    for role, entries in (
        (TargetRole.SELECTED, record["selected"]),
        (TargetRole.RESERVE, record.get("reserve_list", [])),
    ):
        for e in entries:
            inspectors, flags = (
                assignments.get(e["uid"], ([], [])) if role == "selected" else ([], [])
            )
            targets.append(
                DrawnTarget(
                    draw=draw,
                    scope_path=draw.scope_path,
                    role=role,
                    rank=e["rank"],
                    uid=e["uid"],
                    stratum=e["stratum"],
                    key=e["key"],
                    entity_id=entity_ids.get(e["uid"], (None, None))[0],
                    target_object_id=object_ids.get(e["uid"]),
                    inspectors=inspectors,
                    flags=flags,
                )
            )
    DrawnTarget.objects.bulk_create(targets, batch_size=_BATCH)
    draw.seed = record["seed"]
    draw.selected_count = len(record["selected"])
    draw.reserve_count = len(record.get("reserve_list", []))
    draw.status = DrawStatus.COMPLETED
    draw.completed_at = timezone.now()
    draw.completed_by = user
    draw.save()
    task_before = audit.snapshot(task)
    task.status = TaskStatus.DRAWN
    with own_event(Task):  # 任务状态的改动记在本条事件里
        task.save()
    task_change = changes(task_before, audit.snapshot(task))
    audit.log(
        "draw.completed",
        draw,
        before={"status": DrawStatus.READY, "task": task_change[0]},
        after={
            "task": task_change[1],
            "status": draw.status,
            "seed": draw.seed,
            "entropy": record["entropy"],
            "record_sha256": draw.record_sha256,
            "public_record_sha256": draw.public_record_sha256,
            "selected": draw.selected_count,
            "reserves": draw.reserve_count,
        },
    )
    # 同一事务：检查实施阶段据此派发检查组、检查对象与指派
    signals.draw_completed.send(sender=Draw, draw=draw, user=user, record=record)
    audit.checkpoint(f"抽取完成 {task.code}")  # 签名锚定链头：此后截断或改写都能发现
    return draw


def read_pool(draw):
    """冻结的检查人员库快照：{"inspectors": [...], "previous": {uid: [证号]},
    "neighbours": {所代码: [相邻所代码]}}。早期的快照文件只是人员列表。"""
    empty = {"inspectors": [], "previous": {}, "neighbours": {}}
    if not draw.pool_file:
        return empty
    data = json.loads(read_file(draw, FileKind.POOL))
    if isinstance(data, list):
        return {**empty, "inspectors": data}
    return {
        "inspectors": data.get("inspectors") or [],
        "previous": data.get("previous") or {},
        "neighbours": data.get("neighbours") or {},
    }


def _match(draw, task, seed_hex, uids, entity_ids):
    """检查人员匹配（规范第 5 节）：人员库为冻结时的快照；联合任务每个部门匹配一次。"""
    frozen = read_pool(draw)
    pool, rules = (
        frozen["inspectors"],
        {
            "previous": frozen["previous"],
            "neighbours": frozen["neighbours"],
        },
    )
    targets = [{"uid": uid, "station": entity_ids.get(uid, (None, ""))[1] or ""} for uid in uids]
    items = list(task.items.select_related("department"))
    departments = []
    if task.lead_department_id:
        departments.append(task.lead_department)
    for d in task.departments.order_by("code"):
        if d not in departments:
            departments.append(d)
    n = task.inspectors_per_target
    if len(departments) <= 1:
        required = sorted({t for item in items for t in item.requirement_tags})
        lists = eligibility.eligible_lists(targets, pool, required, **rules)
        return protocol.match_inspectors(seed_hex, uids, lists, n)
    sections = []
    for dept in departments:
        own = [i for i in items if i.department_id == dept.pk] or items
        required = sorted({t for item in own for t in item.requirement_tags})
        lists = eligibility.eligible_lists(targets, pool, required, department=dept.code, **rules)
        sections.append({"department": dept.code, "per_target": n, "eligible": lists})
    return protocol.match_joint(seed_hex, uids, sections)


def _assignments(section):
    """uid → (检查人员, 标记)；联合任务为 [{department, inspectors}] 列表。"""
    if not section:
        return {}
    if isinstance(section, dict):
        return {a["uid"]: (a["inspectors"], a["flags"]) for a in section["assignments"]}
    out = {}
    for sec in section:
        for a in sec["assignments"]:
            people, flags = out.setdefault(a["uid"], ([], []))
            people.append({"department": sec["department"], "inspectors": a["inspectors"]})
            flags.extend(f"{sec['department']}:{f}" for f in a["flags"])
    return out


def request_void(draw, user, reason):
    """申请作废：须写明原因；由另一位有审批权限的用户批准后生效。"""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("作废须写明原因")

    def work():
        scope.check_write(user, "draws.operate", draw.scope_path)
        with transaction.atomic():
            locked = _lock(draw)
            if locked.status == DrawStatus.VOIDED:
                raise ValidationError("本次抽取已作废")
            if locked.void_requested_by_id:
                raise ValidationError("已有待审批的作废申请")
            locked.void_reason = reason
            locked.void_requested_by = user
            locked.void_requested_at = timezone.now()
            locked.save(update_fields=["void_reason", "void_requested_by", "void_requested_at"])
            audit.log(
                "draw.void_requested", locked, after={"reason": reason, "status": locked.status}
            )
            return locked

    return retrying(work)


def approve_void(draw, user):
    """批准作废（plans.approve，且不是申请人）：抽取作废但保留可查，任务回到“已批准”可重新抽取。"""

    def work():
        scope.check_write(user, "plans.approve", draw.scope_path)
        with transaction.atomic():
            locked = _lock(draw)
            if locked.status == DrawStatus.VOIDED:
                raise ValidationError("本次抽取已作废")
            if not locked.void_requested_by_id:
                raise ValidationError("没有待审批的作废申请")
            if locked.void_requested_by_id == user.pk:
                raise ValidationError("作废须由申请人以外的另一位有审批权限的用户批准")
            before = locked.status
            locked.status = DrawStatus.VOIDED
            locked.void_approved_by = user
            locked.voided_at = timezone.now()
            locked.save(update_fields=["status", "void_approved_by", "voided_at"])
            task = Task.objects.select_for_update().get(pk=locked.task_id)
            task_before = audit.snapshot(task)
            if task.status in (TaskStatus.DRAWN, TaskStatus.COMPLETED):
                # 检查都已完成的任务也一样：没有有效的抽取，就不是“已完成”，回到“已批准”可重新抽取
                task.status = TaskStatus.APPROVED
                task.completed_on = None
                with own_event(Task):  # 任务状态的改动记在本条事件里
                    task.save()
            task_change = changes(task_before, audit.snapshot(task))
            after = {
                "status": locked.status,
                "task": task_change[1],
                "reason": locked.void_reason,
                "requested_by": locked.void_requested_by.username,
                "approved_by": user.username,
            }
            # 同一事务：后续阶段随之取消（如检查对象），各自报告做了什么
            for _receiver, done in signals.draw_voided.send(sender=Draw, draw=locked, user=user):
                after.update(done or {})
            audit.log(
                "draw.voided",
                locked,
                before={"status": before, "task": task_change[0]},
                after=after,
            )
            return locked

    return retrying(work)


def reject_void(draw, user):
    """驳回作废申请（plans.approve）：抽取保持有效。"""

    def work():
        scope.check_write(user, "plans.approve", draw.scope_path)
        with transaction.atomic():
            locked = _lock(draw)
            if locked.status == DrawStatus.VOIDED or not locked.void_requested_by_id:
                raise ValidationError("没有待审批的作废申请")
            before = {"reason": locked.void_reason}
            locked.void_reason = ""
            locked.void_requested_by = None
            locked.void_requested_at = None
            locked.save(update_fields=["void_reason", "void_requested_by", "void_requested_at"])
            audit.log("draw.void_rejected", locked, before=before, after={"status": locked.status})
            return locked

    return retrying(work)


# ---------------------------------------------------------------- 核验与查询


def verify_stored(draw):
    """核对保存的文件：摘要与登记相符，完整记录通过第 6 节核验，公开记录通过第 8 节核验。"""
    if draw.status not in (DrawStatus.COMPLETED, DrawStatus.VOIDED) or not draw.record_file:
        return ["尚未完成抽取"]
    try:
        population = read_file(draw, FileKind.POPULATION)
        record = json.loads(read_file(draw, FileKind.RECORD))
        public = json.loads(read_file(draw, FileKind.PUBLIC_RECORD))
        public_pop = read_file(draw, FileKind.PUBLIC_POPULATION)
    except FileMismatch as exc:
        return exc.messages
    problems = protocol.verify_record(record, population)
    problems += [f"公开记录：{p}" for p in protocol.verify_public_record(public, public_pop)]
    if record.get("population", {}).get("digest") != draw.population_digest:
        problems.append("记录中的名单摘要与冻结时登记的不符")
    return problems


def load_record(draw):
    return json.loads(read_file(draw, FileKind.RECORD))


def drawn_targets(draw, role=TargetRole.SELECTED):
    return draw.targets.filter(role=role).select_related("entity", "entity__unit").order_by("rank")


def drawn_rows(draw, role=TargetRole.SELECTED):
    """页面列表用的抽中对象（字典，不建模型实例）：名次、标识、层、匹配的人员与标记、
    主体名称与所属单位。"""
    return (
        draw.targets.filter(role=role)
        .order_by("rank")
        .values(
            "rank",
            "uid",
            "stratum",
            "inspectors",
            "flags",
            "entity_id",
            "entity__name",
            "entity__unit__name",
        )
    )


POOL_NAMES_TTL = 24 * 3600


def inspector_names(draw):
    """冻结的人员库快照中 证号 → 姓名。快照冻结后不变，按抽取与快照摘要缓存：每次打开任务页都
    读文件、核对摘要、解析 JSON 要几毫秒。"""
    if not draw.pool_file:
        return {}
    key = f"draw-pool-names:{draw.pk}:{draw.pool_sha256}"
    names = cache.get(key)
    if names is None:
        try:
            names = {p["id"]: p["name"] for p in read_pool(draw)["inspectors"]}
        except FileMismatch:
            return {}
        cache.set(key, names, POOL_NAMES_TTL)
    return names


def describe_inspectors(assigned, names):
    """匹配结果的中文描述：“张三（3505…）、李四（…）”；联合任务按部门分段。"""
    if not assigned:
        return ""

    def people(ids):
        return "、".join(f"{names.get(i, '')}（{i}）" if names.get(i) else i for i in ids)

    if isinstance(assigned[0], dict):
        return "；".join(f"{a['department']}：{people(a['inspectors']) or '—'}" for a in assigned)
    return people(assigned)


def batch_of(rank, total, batches):
    """名次所在的批次（重点事项按抽取名次分批）：每批 ceil(total / batches) 户。"""
    if batches <= 1 or not total:
        return 1
    size = -(-total // batches)
    return (rank - 1) // size + 1


@dataclass
class EntityDraw:
    task: object
    at: object
    outcome: str
    draw: object


def draws_for_entity(entity, user):
    """市场主体页面的“抽取记录”：入选、备选与排除（作废的抽取也列出并注明）。"""
    show_credit = scope.can(user, "credit.view")
    out = []
    targets = scope.scoped(
        DrawnTarget.objects.filter(entity=entity).select_related("draw", "draw__task"),
        user,
        "draws.view",
    )
    for t in targets:
        outcome = f"{t.get_role_display()}（第 {t.rank} 名）"
        if t.draw.status == DrawStatus.VOIDED:
            outcome += "，该次抽取已作废"
        out.append(EntityDraw(t.draw.task, t.draw.completed_at, outcome, t.draw))
    exclusions = scope.scoped(
        Exclusion.objects.filter(entity=entity).select_related("draw", "draw__task"),
        user,
        "draws.view",
    )
    for e in exclusions:
        outcome = f"未列入抽取名单：{shown_reason(e.code, e.reason, show_credit)}"
        if e.draw.status == DrawStatus.VOIDED:
            outcome += "（该次抽取已作废）"
        out.append(EntityDraw(e.draw.task, e.draw.frozen_at, outcome, e.draw))
    out.sort(key=lambda d: d.at or d.draw.frozen_at, reverse=True)
    return out
