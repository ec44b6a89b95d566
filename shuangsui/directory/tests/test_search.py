"""按名称片段查找：两个字起都走索引（SQLite FTS5 trigram + 词表前缀；PostgreSQL 二元组 GIN）。"""

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shuangsui.core.tests.base import BaseTestCase, make_entity, make_uid
from shuangsui.directory import search
from shuangsui.directory.models import Entity


def found(text, queryset=None):
    return set(search.search_entities(queryset or Entity.objects.all(), text))


class SearchTests(BaseTestCase):
    def test_the_search_index_survives_all_migrations(self):
        with connection.cursor() as cur:
            if connection.vendor == "sqlite":
                cur.execute("SELECT name FROM sqlite_master WHERE type IN ('trigger', 'table')")
                names = {row[0] for row in cur.fetchall()}
                self.assertLessEqual(
                    {
                        "directory_entity_fts",
                        "directory_entity_fts_vocab",
                        "directory_entity_fts_ai",
                        "directory_entity_fts_ad",
                        "directory_entity_fts_au",
                    },
                    names,
                )
            else:
                cur.execute("SELECT indexname FROM pg_indexes WHERE tablename='directory_entity'")
                self.assertIn("directory_entity_name_bigram", {row[0] for row in cur.fetchall()})

    def test_it_finds_by_part_of_a_name_and_follows_renames(self):
        entity = make_entity(self.station, 501, name="泉州海丝嘉禾食品有限公司")
        self.assertIn(entity, found("海丝嘉禾"))
        self.assertIn(entity, found("嘉禾"))
        self.assertIn(entity, found(entity.uid[:10]))
        entity.name = "泉州刺桐永盛贸易有限公司"
        entity.save()
        self.assertNotIn(entity, found("海丝嘉禾"))
        self.assertNotIn(entity, found("嘉禾"))
        self.assertIn(entity, found("刺桐永盛"))
        self.assertIn(entity, found("永盛"))
        entity.delete()
        self.assertEqual(found("刺桐永盛"), set())
        self.assertEqual(found("永盛"), set())

    def test_two_characters_match_anywhere_in_the_name(self):
        first = make_entity(self.station, 502, name="鑫源贸易有限公司")  # 开头
        middle = make_entity(self.station, 503, name="泉州鑫源贸易有限公司")
        last = make_entity(self.station, 504, name="泉州贸易鑫源")  # 结尾：后面只有分隔符
        only = make_entity(self.station, 505, name="鑫源")  # 整个名称只有两个字
        apart = make_entity(self.station, 506, name="鑫华源贸易有限公司")  # 两字不相邻
        hits = found("鑫源")
        self.assertLessEqual({first, middle, last, only}, hits)
        self.assertNotIn(apart, hits)
        self.assertEqual(found("源鑫"), set())
        # 片段的前后不相干的字不影响；没有的两字组合查不到
        self.assertEqual(found("贸易") & {first, middle, last, apart}, {first, middle, last, apart})
        self.assertEqual(found("易鑫"), {last})

    def test_latin_letters_match_either_case_and_quotes_are_harmless(self):
        entity = make_entity(self.station, 507, name="泉州ABC科技有限公司")
        self.assertIn(entity, found("ab"))
        self.assertIn(entity, found("Bc科"))
        self.assertIn(entity, found("ＡＢ"))  # 全角转半角
        self.assertEqual(found('"鑫'), set())
        self.assertEqual(found('a"'), set())
        self.assertEqual(found("\x1f"), found(""))  # 控制字符去掉后为空：不筛选

    def test_it_narrows_a_queryset_and_works_as_a_subquery(self):
        mine = make_entity(self.station, 508, name="丰泽永盛小吃店")
        theirs = make_entity(self.other_station, 509, name="鲤城永盛小吃店")
        county = Entity.objects.filter(scope_path__startswith=self.county.path)
        self.assertEqual(found("永盛", county), {mine})
        self.assertEqual(found("永盛小吃", county), {mine})
        ids = search.search_entities(Entity.objects.all(), "永盛").values("pk")
        self.assertEqual(set(Entity.objects.filter(pk__in=ids)), {mine, theirs})

    def test_one_character_still_answers(self):
        entity = make_entity(self.station, 510, name="泉州鑫源贸易有限公司")
        self.assertIn(entity, found("鑫"))

    def test_postgresql_uses_the_bigram_index(self):
        if connection.vendor != "postgresql":
            self.skipTest("PostgreSQL 的表达式索引")
        with connection.cursor() as cur:
            # 只留位图扫描：能按名称条件走的只有二元组 GIN 索引（别的 B 树索引没有可用的条件）。
            # 不这样时，计划器按统计信息也可能整段读名录索引，结果取决于先跑了哪些测试。
            for setting in ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan"):
                cur.execute(f"SET LOCAL {setting} = off")
            for text in ("鑫源", "鑫源贸易"):
                sql, params = search.search_entities(
                    Entity.objects.all(), text
                ).query.sql_with_params()
                cur.execute("EXPLAIN " + sql, params)
                plan = "\n".join(row[0] for row in cur.fetchall())
                self.assertIn("directory_entity_name_bigram", plan)


class BroadSearchTests(BaseTestCase):
    """命中过万户的片段：SQLite 改走名录索引的顺序；列表页先显示估计的户数。"""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        Entity.objects.bulk_create(
            Entity(
                uid=make_uid(100_000 + i),
                name=f"泉州鑫源{i}号贸易有限公司",
                unit=cls.station2 if i % 2 else cls.station,
                scope_path=(cls.station2 if i % 2 else cls.station).path,
                region_code="350503",
            )
            for i in range(10_050)
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("ANALYZE directory_entity")

    def test_the_estimate_bounds_the_hits_and_the_broad_plan_finds_them_all(self):
        hits = search.search_entities(Entity.objects.all(), "鑫源")
        self.assertEqual(hits.count(), 10_051)  # 加上基类里的“泉州鑫源贸易有限公司”
        self.assertGreater(search.estimate("鑫源"), search.BROAD)
        if connection.vendor == "sqlite":  # SQLite 从词表读出上限；PostgreSQL 是规划器的估计
            self.assertGreater(search.estimate("鑫源1"), 1_000)
            self.assertLess(search.estimate("刺桐小吃"), 100)
        self.assertIsNone(search.estimate("鑫"))
        self.assertIsNone(search.estimate(self.entity.uid))
        in_order = list(hits.order_by("scope_path", "uid").values_list("uid", flat=True)[:60])
        expected = sorted(
            Entity.objects.filter(name__contains="鑫源").values_list("scope_path", "uid")
        )[:60]
        self.assertEqual(in_order, [uid for _, uid in expected])
        if connection.vendor == "sqlite":
            self.assertIn("+ 0", str(hits.query))  # “id + 0”：按调用方的排序走索引
            # 计数不排序：照旧用主键，SQLite 从命中集合出发，不沿排序的索引逐行比对
            with CaptureQueriesContext(connection) as counted:
                self.assertEqual(hits.count(), 10_051)
            self.assertNotIn("+ 0", counted.captured_queries[-1]["sql"])

    def test_a_broad_term_count_is_read_once_then_cached(self):
        if connection.vendor != "sqlite":
            self.skipTest("词表只在 SQLite 上")
        cache.clear()
        # 百万户里才有过 ESTIMATE_CACHE 户的三元组；这里把门槛降到测试数据之下
        old, search.ESTIMATE_CACHE = search.ESTIMATE_CACHE, 1_000
        try:
            first = search.estimate("鑫源")
            self.assertGreater(first, search.BROAD)
            with self.assertNumQueries(1):  # 只剩“索引是否在更新中”
                self.assertEqual(search.estimate("鑫源"), first)
            search.estimate("刺桐小")
            with self.assertNumQueries(2):  # 户数少的不缓存，照常现读
                self.assertLess(search.estimate("刺桐小"), 100)
        finally:
            search.ESTIMATE_CACHE = old
            cache.clear()

    def test_postgres_estimates_are_the_planners_figures_without_asking_it(self):
        if connection.vendor != "postgresql":
            self.skipTest("规划器的统计信息只在 PostgreSQL 上")

        def planner(gram):
            query = search.search_entities(Entity.objects.order_by(), gram).values("pk").query
            sql, params = query.sql_with_params()
            with connection.cursor() as cur:
                cur.execute("SET LOCAL max_parallel_workers_per_gather = 0")
                cur.execute("EXPLAIN (FORMAT JSON) " + sql, params)
                plan = cur.fetchone()[0]
                cur.execute("RESET max_parallel_workers_per_gather")
            plan = plan[0] if isinstance(plan, list) else plan
            return plan["Plan"]["Plan Rows"]

        # 高频二元组（鑫源、贸易）与不在高频表里的（海丝、刺桐）：与规划器对同一条件的估计相同
        for gram in ("鑫源", "贸易", "海丝", "刺桐"):
            self.assertAlmostEqual(search.estimate(gram), planner(gram), delta=1, msg=gram)
        self.assertGreater(search.estimate("鑫源"), 10_000)
        self.assertLess(search.estimate("海丝"), 1_000)
        # 三个字及以上：各二元组估计的最小值（命中数的上限），统计信息已在进程里，不再问数据库
        with CaptureQueriesContext(connection) as seen:
            longer = search.estimate("海丝鑫源")
        self.assertEqual(longer, min(search.estimate(g) for g in ("海丝", "丝鑫", "鑫源")))
        self.assertEqual(
            [q["sql"] for q in seen.captured_queries],
            ["SELECT EXISTS (SELECT 1 FROM directory_search_pending)"],
        )

    def test_the_list_page_shows_about_n_and_pages_on(self):
        self.login("planner")
        page = self.client.get("/directory/entities/", {"q": "鑫源"})
        self.assertContains(page, "约 10000 户")
        self.assertNotContains(page, "共 10051 户")
        second = self.client.get("/directory/entities/", {"q": "鑫源", "page": 2})
        self.assertEqual(second.status_code, 200)
        self.assertContains(second, "第 2 页")
        # 不满一页时不估计，也不另外计数：总数就是行数
        narrow = self.client.get("/directory/entities/", {"q": "鑫源100号"})
        self.assertContains(narrow, "共 1 户")
