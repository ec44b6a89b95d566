"""按名称片段或统一社会信用代码查找市场主体——名录页、接口与公示门户共用的唯一入口。

两个字起的名称片段在两种数据库上都走索引（迁移 directory 0005）：

- SQLite：FTS5 trigram 无内容表，每个名称后加分隔符 U+001F 入索引。三个字及以上按短语查；两个字的
  片段后面总跟着一个字或分隔符，所以是某些三元组的前缀：从 fts5vocab 词表按前缀范围取出这些三元组，
  OR 起来查。
- PostgreSQL：名称二元组数组（表达式）上的 GIN 索引；片段的二元组都要在数组中，三个字及以上再用
  ILIKE 复核相邻。

一个字的片段不走索引（扫描辖区），像代码的输入（6 位及以上代码字符）按代码前缀查。

大批量导入可以在提交之后再建检索索引（迁移 directory 0008）：导入在同一事务里往
directory_search_pending 记一行待办（SQLite：还没进 FTS5 表的主体 id 范围；PostgreSQL：去掉的 GIN
索引的定义），提交后由后台任务 `build_pending()` 补建。有待办时（`index_pending()`）名称检索不用索引、
逐行比对名称（慢，但照样答得全），`estimate()` 不作估计，名录页显示“检索索引更新中”。

名录列表的索引（`deferred_indexes()`，设置 IMPORT_DEFERRED_INDEXES，默认是名录索引 entity_scope_list 与
筛选索引 entity_filter_list）也一样留到提交之后、在同一个任务里补建（两种数据库都记它的定义），名录索引
最先建（几秒）、名称检索最后：其间翻页、计数与筛选照样答对，只是不走这些索引（慢些）。唯一索引与约束
不在此列，提交时都已建好。
"""

import hashlib
import time
import unicodedata

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.cache import cache
from django.db import connection, models, transaction
from django.db.models import F
from django.db.models.expressions import RawSQL

from . import uscc
from .models import Entity

# 与迁移 directory 0005 的索引表达式一字不差，规划器才会用上索引
PG_BIGRAMS = (
    "string_to_array(regexp_replace(lower(%(expressions)s), '(..)', '\\1' || chr(31), 'g') "
    "|| chr(31) || regexp_replace(substr(lower(%(expressions)s), 2), '(..)', '\\1' || chr(31), "
    "'g'), chr(31))"
)
# 两个字的片段：词表中以它开头的三元组，OR 起来（没有时用一个查不到任何行的空短语）
SQLITE_PREFIX = (
    "SELECT rowid FROM directory_entity_fts WHERE directory_entity_fts MATCH ("
    "SELECT COALESCE(group_concat('\"' || replace(term, '\"', '\"\"') || '\"', ' OR '), '\"\"') "
    "FROM directory_entity_fts_vocab WHERE term >= %s AND term < %s)"
)
SQLITE_PHRASE = "SELECT rowid FROM directory_entity_fts WHERE directory_entity_fts MATCH %s"
LAST = "\U0010ffff"
# 命中超过这么多户算“宽泛”的片段：SQLite 上改为沿名录索引顺序扫描、逐行查是否命中（取够一页即停），
# 列表页先显示估计的户数而不精确计数（core.paging）
BROAD = 10_000
# 估计命中超过这么多户算“很宽泛”的片段（如“有限公司”，命中过半）：调用方按自己的索引顺序取一页、
# 又不精确计数时，只用 LIKE/ILIKE 逐行比对名称（见 name_like）
SCAN = 100_000
# SQLite 词表里一个三元组（或两个字的前缀）的户数要逐条读它的命中列表才数得出：百万户里“有限公”约
# 60 万户、读一次约 40 ms，每次名称检索又要估两次。户数过了这个数的缓存 ESTIMATE_TTL 秒（与列表页
# 缓存的计数一样最多晚 2 分钟；只作估计，晚一点无妨）；小的照常现读（几毫秒内）
ESTIMATE_CACHE = 100_000
ESTIMATE_TTL = 120
# 名录页第一页的有界顺序扫描（first_hits）：按片段在全名录的命中密度，预计沿页面顺序走不过 WALK_EXPECT
# 行就能取满一页时才走；最多走预计行数的 WALK_SLACK 倍（不少于 WALK_MIN、不多于 WALK_MAX 行），
# 没取满就照旧经名称索引。每走一行要回表读名称（百万户的 SQLite 上约 1 µs），经名称索引的第一页要先
# 取出全部命中再排序（“鑫源”两万多户约 8 ms），两者在密度 1.5% 上下相当
WALK_EXPECT = 4_000
WALK_SLACK = 3
WALK_MIN = 1_000
WALK_MAX = 12_000
# PostgreSQL 的名录索引带着名称（INCLUDE，见迁移 0011）：沿它走是只读索引的扫描（一行约 0.4 µs），
# 不按密度定步数，一律最多走这么多行（取够一页即停；命中集中在辖区后部的“小吃店”要走六七万行）
WALK_MAX_PG = 100_000
# PostgreSQL 规划器对数组“包含”不在高频元素表里的元素的默认选择率（array_selfuncs.c 的 DEFAULT_CONTAIN_SEL）
DEFAULT_CONTAIN_SEL = 0.005


class ShieldedPk(models.Expression):
    """宽泛片段（SQLite）的主键：查询有排序时写成“id + 0”，让 SQLite 不从命中集合出发逐个取行再排序
    （几十万行），而是按调用方的排序走索引、取够一页即停；不排序时（计数、作子查询）照旧写主键，
    SQLite 从命中集合出发——百万户、一个县两万多户命中的计数 46 ms，沿辖区索引逐行比对要 366 ms。"""

    output_field = models.IntegerField()

    def as_sql(self, compiler, connection):
        sql, params = compiler.compile(F("pk").resolve_expression(compiler.query))
        query = compiler.query
        if query.order_by or (query.default_ordering and query.get_meta().ordering):
            return f"({sql} + 0)", params
        return sql, params


class UpTo(models.Func):
    """行值比较“(列 1, 列 2, …) <= (值 1, 值 2, …)”：按这几列的顺序不在给定的一行之后。两种数据库都把它
    当作多列索引的范围（SQLite 3.15 起），沿索引走到这一行即停。"""

    conditional = True
    output_field = models.BooleanField()

    def __init__(self, fields, values):
        super().__init__(*(F(f) for f in fields), *(models.Value(v) for v in values))

    def as_sql(self, compiler, connection, **extra_context):
        parts, params = [], []
        for expression in self.get_source_expressions():
            sql, more = compiler.compile(expression)
            parts.append(sql)
            params.extend(more)
        half = len(parts) // 2
        return f"({', '.join(parts[:half])}) <= ({', '.join(parts[half:])})", params


class NameBigrams(models.Func):
    template = PG_BIGRAMS
    output_field = ArrayField(models.TextField())


def clean_query(text):
    """规范化输入：全角转半角、去掉控制字符与首尾空白。"""
    text = unicodedata.normalize("NFKC", text or "")
    return "".join(c for c in text if unicodedata.category(c)[0] != "C").strip()


def bigrams(text):
    return sorted({text[i : i + 2] for i in range(len(text) - 1)})


PENDING = "directory_search_pending"
# SQLite 的待办行：`definition` 非空的是待建索引的定义，其 id 范围（lo > hi）是空的，触发器不受影响
NO_RANGE = (1, 0)


def deferred_indexes():
    """大批量导入时留到提交后补建的名录索引名（设置 IMPORT_DEFERRED_INDEXES；默认名录索引与筛选索引）。"""
    return frozenset(
        getattr(settings, "IMPORT_DEFERRED_INDEXES", ("entity_scope_list", "entity_filter_list"))
    )


def _build_order(definitions):
    """补建的先后：名录索引（名录翻页、计数，用得最多）先建，筛选索引其次，名称的 GIN 索引最后（最慢）。"""
    return sorted(definitions, key=lambda d: (" USING gin " in d, "entity_scope_list" not in d))


def deferrable(name, definition):
    """这个索引能否留到提交后补建：在设置之列，且不是唯一索引（唯一约束提交时必须在）。"""
    return name in deferred_indexes() and "UNIQUE" not in definition.upper().split(" ON ", 1)[0]


def index_pending():
    """名称检索索引是否在更新中（大批量导入已提交、索引还没补建完）。一次很小的查询。"""
    with connection.cursor() as cur:
        cur.execute(f"SELECT EXISTS (SELECT 1 FROM {PENDING})")
        return bool(cur.fetchone()[0])


def defer(cursor, *, lo=0, hi=0, definitions=()):
    """（导入的事务里）记下待建的索引：SQLite 的名称检索给主体 id 范围；去掉的索引（PostgreSQL 的名称
    GIN 索引、两种数据库的筛选索引）给定义。"""
    if connection.vendor == "sqlite" and hi >= lo > 0:
        cursor.execute(f"INSERT INTO {PENDING} (lo, hi) VALUES (%s, %s)", [lo, hi])
    for definition in definitions:
        cursor.execute(
            f"INSERT INTO {PENDING} (lo, hi, definition) VALUES (%s, %s, %s)",
            [*NO_RANGE, definition],
        )


def build_pending(progress=None, step=100_000):
    """补建待建的索引，返回补上的主体数加建好的索引数（SQLite）或重建的索引数（PostgreSQL）。可重复调用。

    SQLite：名称检索按 id 分段，每段一个事务：写入 FTS5 表并把待办范围的下界前移（别的写者最多等一段）；
    之后按定义建筛选索引（一个事务）。
    PostgreSQL：不在事务里时 CREATE INDEX CONCURRENTLY（建索引期间名录照常可改）；之前中断留下的
    无效索引先删掉。建好后删去这些待办行（之后新记的待办留给它自己的任务）。
    """
    progress = progress or (lambda done, total, stage="": None)
    if connection.vendor == "sqlite":
        done = _build_sqlite_indexes(progress) + _build_sqlite(progress, step)
        if done and not connection.in_atomic_block:
            # 大批量导入提交时没做检查点（见导入），这里把 WAL 抄回库文件；有读者时只抄能抄的部分
            with connection.cursor() as cur:
                cur.execute("PRAGMA wal_checkpoint(PASSIVE)")
        return done
    if connection.vendor == "postgresql":
        return _build_postgres(progress)
    return 0


def _build_sqlite_indexes(progress):
    """SQLite：按记下的定义建索引（IF NOT EXISTS：之前建过的不重建），删去这些待办行。"""
    with connection.cursor() as cur:
        cur.execute(f"SELECT id, definition FROM {PENDING} WHERE definition != '' ORDER BY id")
        rows = cur.fetchall()
    definitions = _build_order(dict.fromkeys(d for _, d in rows))
    for i, definition in enumerate(definitions):
        progress(i, len(definitions), "更新名录与筛选索引")
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(definition.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))
            cur.execute(f"DELETE FROM {PENDING} WHERE definition = %s", [definition])
    if definitions:
        progress(len(definitions), len(definitions), "更新名录与筛选索引")
    return len(definitions)


def _build_sqlite(progress, step):
    with connection.cursor() as cur:
        cur.execute(f"SELECT COALESCE(SUM(hi - lo + 1), 0) FROM {PENDING} WHERE definition = ''")
        total = cur.fetchone()[0]
    done = 0
    progress(done, total, "更新名称检索索引")
    while True:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                f"SELECT id, lo, hi FROM {PENDING} WHERE definition = '' ORDER BY id LIMIT 1"
            )
            row = cur.fetchone()
            if row is None:
                break
            pk, lo, hi = row
            upto = min(hi, lo + step - 1)
            cur.execute(
                "INSERT INTO directory_entity_fts(rowid, name) SELECT id, name || char(31) "
                "FROM directory_entity WHERE id BETWEEN %s AND %s",
                [lo, upto],
            )
            if upto >= hi:
                cur.execute(f"DELETE FROM {PENDING} WHERE id = %s", [pk])
            else:
                cur.execute(f"UPDATE {PENDING} SET lo = %s WHERE id = %s", [upto + 1, pk])
        done += upto - lo + 1
        progress(done, max(total, done), "更新名称检索索引")
    return done


def _build_postgres(progress):
    with connection.cursor() as cur:
        cur.execute(f"SELECT id, definition FROM {PENDING} ORDER BY id")
        rows = cur.fetchall()
    definitions = _build_order(dict.fromkeys(d for _, d in rows if d))
    progress(0, len(definitions), "更新检索与筛选索引")
    concurrently = not connection.in_atomic_block
    for i, definition in enumerate(definitions):
        name = definition.split(" ON ", 1)[0].split()[-1]
        with connection.cursor() as cur:
            cur.execute(
                "SELECT i.indisvalid FROM pg_index i WHERE i.indexrelid = to_regclass(%s)", [name]
            )
            found = cur.fetchone()
            if found is not None and not found[0]:  # 上次中断留下的无效索引
                cur.execute(f"DROP INDEX {'CONCURRENTLY ' if concurrently else ''}{name}")
            if found is None or not found[0]:
                if concurrently:
                    cur.execute(
                        definition.replace("CREATE INDEX ", "CREATE INDEX CONCURRENTLY ", 1)
                    )
                else:  # 在别人的事务里（测试）：待检查的外键事件先检查掉，才能建索引
                    cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
                    cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    cur.execute(definition)
                    cur.execute("SET CONSTRAINTS ALL DEFERRED")
        progress(i + 1, len(definitions), "更新检索与筛选索引")
    if definitions:
        # 名称片段的命中估计（estimate）出自规划器对索引表达式的统计：新建的索引要统计过才有，
        # 不等自动清理（大批量导入后它还要统计新行的各列）。不在事务里时连同清理：标好可见性图，
        # 沿名录索引逐行比对名称（它带着名称）才是只读索引、不回表的扫描
        with connection.cursor() as cur:
            cur.execute(
                "VACUUM (ANALYZE) directory_entity" if concurrently else "ANALYZE directory_entity"
            )
    if rows:
        with connection.cursor() as cur:
            cur.execute(f"DELETE FROM {PENDING} WHERE id <= %s", [rows[-1][0]])
    return len(definitions)


def search_entities(queryset, text, guess=None):
    """`queryset`（市场主体）中名称含 `text` 或代码以 `text` 开头的；不排序，由调用方排序、分页。

    公示门户等按主体查别的表时：`Model.objects.filter(entity__in=search_entities(
    Entity.objects.all(), q).values("pk"))`。空输入返回原查询集。`guess`：调用方已取得的
    `estimate(text)`（不再另估一次）。"""
    text = clean_query(text)
    if not text:
        return queryset
    code = uscc.normalise(text)
    if len(code) >= 6 and all(c in uscc.VALUES for c in code):
        # 像代码：按代码前缀（18 位即精确）。SQLite 的 LIKE（不区分大小写、带 ESCAPE）用不上代码的索引、
        # 要扫全表，改用等价的范围条件（代码存的是规范化的大写字母数字）
        if connection.vendor == "sqlite":
            return queryset.filter(uid__gte=code, uid__lt=code + LAST)
        return queryset.filter(uid__startswith=code)
    if len(text) < 2 or index_pending():
        return queryset.filter(name__icontains=text)  # 不走索引：逐行比对名称
    if connection.vendor == "postgresql":
        grams = bigrams(text.lower())
        queryset = queryset.alias(_bigrams=NameBigrams("name")).filter(_bigrams__contains=grams)
        return queryset.filter(name__icontains=text) if len(text) > 2 else queryset
    if connection.vendor == "sqlite":
        folded = text.lower()
        if len(text) == 2:
            hits = RawSQL(SQLITE_PREFIX, [folded, folded + LAST])
        else:
            hits = RawSQL(SQLITE_PHRASE, ['"' + folded.replace('"', '""') + '"'])
        if ((estimate(text) if guess is None else guess) or 0) > BROAD:
            return queryset.alias(_id=ShieldedPk()).filter(_id__in=hits)
        return queryset.filter(pk__in=hits)
    return queryset.filter(name__icontains=text)


def name_like(queryset, text, field="name"):
    """很宽泛的名称片段（估计命中过 SCAN 户）、调用方不精确计数时的查法：只用 LIKE/ILIKE，数据库就沿
    调用方的索引按页面的顺序扫描、逐行比对名称、取够一页即停（百万户几毫秒）；经名称索引则要先取出几十万
    条命中（PostgreSQL 再排序，SQLite 建临时表），约 0.2–0.5 秒。结果相同：名称索引只是“名称含这个
    片段”的前置筛选。计数则相反（LIKE 要读遍所有的行），所以只在不计数时这样查；命中不够密时（如“小吃店”
    只在个体户里，排在辖区企业之后）逐行比对也慢，所以只对 SCAN 以上。`field` 是名称列的查找路径
    （公示的结果按主体：entity__name）。

    片段里没有分大小写的字母（汉字、数字）时用 contains：PostgreSQL 对 LIKE 按名称列的统计估计命中；
    icontains 生成的 UPPER(name) LIKE 没有统计，规划器估成几十户，改为全表扫描再排序。"""
    text = clean_query(text)
    lookup = "contains" if text.lower() == text.upper() else "icontains"
    return queryset.filter(**{f"{field}__{lookup}": text})


def walk_length(guess, n):
    """名录页第一页要不要、最多走多少行有界顺序扫描（first_hits）：片段在全名录约命中 `guess` 户，取 `n`
    条命中预计沿页面顺序要走 n × 主体数 / guess 行；超过 WALK_EXPECT（命中稀）时返回 None（经名称索引
    更省）。主体数取最大主键（一次索引查找；主键有空缺时偏大，只会更少走）。要走时 SQLite 按预计行数的
    WALK_SLACK 倍，PostgreSQL 一律 WALK_MAX_PG 行（只读索引，见上）。"""
    if not guess or guess <= 0:
        return None
    total = Entity.objects.aggregate(top=models.Max("pk"))["top"] or 0
    expected = n * total / guess
    if expected > WALK_EXPECT:
        return None
    if connection.vendor == "postgresql":
        return WALK_MAX_PG
    return int(min(WALK_MAX, max(WALK_MIN, WALK_SLACK * expected)))


def first_hits(queryset, text, n, order, walk, fields):
    """有界的顺序扫描：`queryset`（市场主体：辖区与其他筛选，不含名称条件）按 `order`（页面的顺序，各列
    升序、末列唯一）的前 `walk` 行里逐行比对名称（同 name_like），取前 `n` 条命中的 `fields`（字典）。

    取满 `n` 条时，它们就是经名称索引、排序后的前 `n` 条（命中的前 n 条都在这 `walk` 行里）；这些行已是
    全部（不到 `walk` 行）时，取到的就是全部命中。两者之外（走到第 `walk` 行还没取满）返回 None：调用方
    照旧经名称索引。"""
    ordered = queryset.order_by(*order)
    if connection.vendor == "postgresql":
        return _first_hits_postgres(ordered, text, n, order, walk, fields)
    # SQLite：先按索引数到第 `walk` 行（只读索引，百万户里几千行不到 1 ms），再逐行比对到那一行为止
    last = list(ordered.values_list(*order)[walk - 1 : walk])
    rows = name_like(ordered, text)
    if last:
        # 这一行的条件写在最前：SQLite 取第一个可用的上界作索引的终点（辖区的上界在它后面，只逐行判断），
        # 走到这一行即停
        rows = queryset.model.objects.filter(UpTo(order, last[0])) & rows
    rows = list(rows.order_by(*order).values(*fields)[:n])
    return rows if len(rows) >= n or not last else None


def _first_hits_postgres(ordered, text, n, order, walk, fields):
    """PostgreSQL：一条语句——子查询按页面顺序取前 `walk` 行（LIMIT），外层比对名称、按同样的顺序取
    n 行。子查询的输出已按这个顺序，外层不再排序，取够即停。不先数到第 `walk` 行（刚载入、还没清理过
    的表，只读索引的扫描也要逐行回表看可见性），所以不知道辖区是否不到 `walk` 行：没取满就返回 None。"""
    text = clean_query(text)
    columns = list(dict.fromkeys((*fields, *order, "name")))
    inner, params = ordered.values(*columns)[:walk].query.sql_with_params()
    quote = connection.ops.quote_name
    name = f"walk.{quote('name')}"
    if text.lower() == text.upper():  # 同 name_like：没有分大小写的字母时用 LIKE
        test = f"{name} LIKE %s"
    else:
        test = f"UPPER({name}) LIKE UPPER(%s)"
    pattern = "%" + connection.ops.prep_for_like_query(text) + "%"
    sql = (
        f"SELECT {', '.join('walk.' + quote(c) for c in fields)} "
        f"FROM ({inner}) AS walk WHERE {test} "
        f"ORDER BY {', '.join('walk.' + quote(c) for c in order)} LIMIT %s"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [*params, pattern, n])
        rows = [dict(zip(fields, row, strict=True)) for row in cur.fetchall()]
    return rows if len(rows) >= n else None


def estimate(text):
    """名称片段在名录中大约命中多少户（不看辖区和其他筛选；几毫秒）。

    SQLite 从 FTS5 词表读出上限；PostgreSQL 取规划器的估计（按统计信息，可能偏低——偏低时列表页
    只是照常精确计数）。

    不走名称索引的输入（空、一个字、像代码）和检索索引更新中时返回 None。列表页用它决定是精确计数还是先显示“约 N 户”。
    """
    text = clean_query(text)
    code = uscc.normalise(text)
    if len(text) < 2 or (len(code) >= 6 and all(c in uscc.VALUES for c in code)):
        return None
    if index_pending():
        return None
    folded = text.lower()
    if connection.vendor == "sqlite":
        if len(folded) == 2:
            return _vocab_docs([folded])[folded]
        grams = sorted({folded[i : i + 3] for i in range(len(folded) - 2)})
        return min(_vocab_docs(grams).values())
    if connection.vendor == "postgresql":
        # 三个字及以上取各二元组估计的最小值（命中数的上限）：规划器对“二元组都在 + ILIKE”的选择率
        # 估得极低（百万户里“有限公司”估 1 户），按乘积算的各二元组同时出现也一样偏低
        return min(_bigram_rows(gram) for gram in bigrams(folded))
    return None


def _bigram_rows(gram):
    """PostgreSQL：名称含二元组 `gram` 的户数，规划器的估计（与 EXPLAIN 名称 GIN 索引的查询所得相同）。

    从名称索引的统计信息（pg_stats 的高频元素及其频率）按规划器的算法（array_selfuncs.c：高频元素取其
    频率，其余取 min(0.005, 最低频率 / 2)）在本进程里算，不必每次检索都让数据库规划一条 EXPLAIN（一次
    名称检索原要三条，约 3 ms）。统计信息在本进程缓存 ESTIMATE_TTL 秒（ANALYZE 之后最多晚这么久，
    只作估计）；索引还没有统计信息（刚建、还没 ANALYZE）时照旧 EXPLAIN。"""
    stats = _bigram_stats()
    if stats is None:
        with connection.cursor() as cur:
            query = search_entities(Entity.objects.order_by(), gram).values("pk").query
            sql, params = query.sql_with_params()
            cur.execute("EXPLAIN (FORMAT JSON) " + sql, params)
            plan = cur.fetchone()[0]
            plan = plan[0] if isinstance(plan, list) else plan
            return int(plan["Plan"]["Plan Rows"])
    freqs, other, rows = stats
    return max(1, round(rows * freqs.get(gram, other)))


_STATS = {}


def _bigram_stats():
    """（高频二元组 → 频率，其他二元组的频率，表的行数）；没有统计信息时为 None。按库缓存 ESTIMATE_TTL 秒。"""
    key = (connection.alias, connection.settings_dict["NAME"])
    now = time.monotonic()
    held = _STATS.get(key)
    if held is not None and now - held[0] < ESTIMATE_TTL:
        return held[1]
    with connection.cursor() as cur:
        cur.execute(
            "SELECT s.most_common_elems::text::text[], s.most_common_elem_freqs, s.null_frac, "
            "t.reltuples FROM pg_stats s JOIN pg_class t ON t.relname = 'directory_entity' "
            "WHERE s.tablename = 'directory_entity_name_bigram' AND s.schemaname = current_schema() "
            "AND t.relnamespace = to_regnamespace(current_schema())"
        )
        row = cur.fetchone()
    stats = None
    if row is not None and row[0] and row[1] and row[3] and row[3] > 0:
        elems, numbers, null_frac, rows = row
        # 频率数组：各高频元素的频率，再是最低、最高频率与空元素的频率
        freqs = dict(zip(elems, numbers[: len(elems)], strict=True))
        other = min(DEFAULT_CONTAIN_SEL, numbers[len(elems)] / 2)
        scale = rows * (1 - (null_frac or 0))
        stats = (freqs, other, scale)
    _STATS[key] = (now, stats)
    return stats


def _vocab_docs(terms):
    """SQLite 词表：{三元组: 含它的户数}；两个字的键为以它开头的三元组户数之和。

    过了 ESTIMATE_CACHE 户的从缓存取（键带库名，同一台机器上的几个库互不相混）。"""
    name = connection.settings_dict["NAME"]
    keys = {t: "estimate:" + hashlib.sha256(f"{name}|{t}".encode()).hexdigest() for t in terms}
    cached = cache.get_many(list(keys.values()))
    docs = {t: cached[k] for t, k in keys.items() if k in cached}
    missing = [t for t in terms if t not in docs]
    if not missing:
        return docs
    with connection.cursor() as cur:
        for term in missing:
            if len(term) == 2:
                cur.execute(
                    "SELECT COALESCE(SUM(doc), 0) FROM directory_entity_fts_vocab "
                    "WHERE term >= %s AND term < %s",
                    [term, term + LAST],
                )
            else:
                cur.execute(
                    "SELECT COALESCE(SUM(doc), 0) FROM directory_entity_fts_vocab WHERE term = %s",
                    [term],
                )
            docs[term] = cur.fetchone()[0]
    broad = {keys[t]: docs[t] for t in missing if docs[t] > ESTIMATE_CACHE}
    if broad:
        cache.set_many(broad, ESTIMATE_TTL)
    return docs
