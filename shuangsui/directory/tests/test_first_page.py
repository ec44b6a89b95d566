"""名录页名称片段的第一页：命中够密时沿页面顺序有界扫描（search.first_hits），取满一页即停；
取不满就照旧经名称索引。两种取法的行与顺序相同，辖区照旧。"""

import re
from unittest import mock

from django.core.cache import cache
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from shuangsui.core import paging, scope
from shuangsui.core.tests.base import BaseTestCase, make_uid
from shuangsui.directory import search
from shuangsui.directory.filters import EntityFilterSet
from shuangsui.directory.models import Entity
from shuangsui.directory.views import LIST_COLUMNS

ORDER = ("scope_path", "uid")
UID = re.compile(r"/directory/entities/([0-9A-Z]{18})/")


def uses_name_index(sql):
    return "directory_entity_fts" in sql or "string_to_array" in sql


def rows_queries(seen):
    return [
        q["sql"]
        for q in seen.captured_queries
        if 'FROM "directory_entity"' in q["sql"] and "EXPLAIN" not in q["sql"]
    ]


class FirstPageTests(BaseTestCase):
    """本县两个所、他县一个所各 60 户，隔一户名称含“永盛”：本县 60 户命中、所里 30 户。"""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        units = [cls.station, cls.station2, cls.other_station]
        Entity.objects.bulk_create(
            Entity(
                uid=make_uid(300_000 + i, units[i % 3].county.code),
                name=f"泉州{'永盛' if i % 2 == 0 else '恒丰'}{i}号贸易有限公司",
                unit=units[i % 3],
                scope_path=units[i % 3].path,
                region_code=units[i % 3].county.code,
            )
            for i in range(180)
        )

    def setUp(self):
        cache.clear()

    def scoped(self, name):
        return scope.scoped(Entity.objects.all(), self.user(name), "directory.view")

    def indexed(self, name, n):
        """经名称索引、排序后的前 n 行（原来的取法）。"""
        hits = search.search_entities(self.scoped(name), "永盛")
        return list(hits.order_by(*ORDER).values(*LIST_COLUMNS)[:n])

    def test_a_full_page_is_the_indexed_first_page(self):
        walked = search.first_hits(self.scoped("planner"), "永盛", 51, ORDER, 1_000, LIST_COLUMNS)
        self.assertEqual(len(walked), 51)
        self.assertEqual(walked, self.indexed("planner", 51))
        # 只走前 30 行也取得满 5 条：与经名称索引的前 5 条相同
        few = search.first_hits(self.scoped("planner"), "永盛", 5, ORDER, 30, LIST_COLUMNS)
        self.assertEqual(few, self.indexed("planner", 5))

    def test_a_walk_that_ends_before_the_page_is_full_answers_nothing(self):
        # 前 30 行里只有十几条命中：取不满 51 条，交回调用方经名称索引
        self.assertIsNone(
            search.first_hits(self.scoped("planner"), "永盛", 51, ORDER, 30, LIST_COLUMNS)
        )

    def test_a_scope_smaller_than_the_walk_is_answered_whole_on_sqlite(self):
        walked = search.first_hits(self.scoped("inspector"), "永盛", 51, ORDER, 1_000, LIST_COLUMNS)
        if connection.vendor == "sqlite":  # 数得出辖区不到 1000 行：取到的就是全部命中
            self.assertEqual(walked, self.indexed("inspector", 51))
            self.assertEqual(len(walked), 30)
        else:  # PostgreSQL 不先数行，没取满就交回
            self.assertIsNone(walked)

    def test_sqlite_stops_at_the_last_row_of_the_walk(self):
        if connection.vendor != "sqlite":
            self.skipTest("SQLite 的查询计划")
        with CaptureQueriesContext(connection) as seen:
            search.first_hits(self.scoped("planner"), "永盛", 51, ORDER, 30, LIST_COLUMNS)
        with connection.cursor() as cur:
            cur.execute("EXPLAIN QUERY PLAN " + seen.captured_queries[-1]["sql"])
            plan = " ".join(row[-1] for row in cur.fetchall())
        self.assertIn("(scope_path,uid)<", plan)  # 这一行是索引的终点，不逐行走完辖区

    def test_the_filterset_walks_only_for_the_list_page_and_not_for_broad_or_code_parts(self):
        def first_rows(q, estimated_counts=True):
            filterset = EntityFilterSet(
                QueryDict(f"q={q}"),
                queryset=self.scoped("planner"),
                estimated_counts=estimated_counts,
            )
            return filterset.first_rows(ORDER, LIST_COLUMNS)

        with mock.patch.object(search, "WALK_EXPECT", 10**9):
            self.assertEqual(first_rows("永盛")(51), self.indexed("planner", 51))
            self.assertIsNone(first_rows("永盛", estimated_counts=False))  # 接口：精确计数
            self.assertIsNone(first_rows(self.entity.uid[:10]))  # 像代码
            self.assertIsNone(first_rows("盛"))  # 一个字
            with mock.patch.object(search, "SCAN", -1):  # 很宽泛：qs 本就按页面顺序比对
                self.assertIsNone(first_rows("永盛"))
        with mock.patch.object(search, "WALK_EXPECT", 0):  # 命中稀：经名称索引更省
            self.assertIsNone(first_rows("永盛")(51))

    def page(self, name, **params):
        self.login(name)
        with mock.patch.object(search, "WALK_EXPECT", 10**9):
            with CaptureQueriesContext(connection) as seen:
                page = self.client.get("/directory/entities/", {"q": "永盛", **params})
        return page, UID.findall(page.content.decode()), rows_queries(seen)

    def test_the_list_page_shows_the_walked_page_and_counts_honestly(self):
        page, uids, queries = self.page("planner")
        expected = [row["uid"] for row in self.indexed("planner", 50)]
        self.assertEqual(uids, expected)
        self.assertIn("共 60 户", page.content.decode())  # 不到 BIG：精确计数（经名称索引数）
        if connection.vendor == "sqlite":
            # 取行的查询不经名称索引（有界顺序扫描）；计数经名称索引
            self.assertFalse(uses_name_index(queries[-2]))
        # 第 2 页照旧经名称索引
        _, second, _ = self.page("planner", page=2)
        rest = search.search_entities(self.scoped("planner"), "永盛").order_by(*ORDER)
        self.assertEqual(second, list(rest.values_list("uid", flat=True)[50:]))

    def test_many_hits_show_an_estimate_labelled_as_one(self):
        if connection.vendor != "sqlite":
            self.skipTest(
                "估计数：SQLite 从词表读出；PostgreSQL 的规划器估计在没统计过的测试库上不定"
            )
        with mock.patch.object(paging, "BIG", 10):
            page, uids, _ = self.page("planner")
        self.assertEqual(uids, [row["uid"] for row in self.indexed("planner", 50)])
        self.assertContains(
            page, "全名录约 90 户（按名称索引估计，含本辖区以外的）"
        )  # 全名录 90 户命中
        self.assertNotContains(page, "共 2 页")  # 估计的总数不给出页数

    def test_a_station_never_sees_other_stations_hits(self):
        page, uids, _ = self.page("inspector")
        mine = set(
            Entity.objects.filter(unit=self.station, name__contains="永盛").values_list(
                "uid", flat=True
            )
        )
        self.assertEqual(set(uids), mine)
        self.assertEqual(len(uids), 30)
        self.assertIn("共 30 户", page.content.decode())
        _, theirs, _ = self.page("planner_350502")
        self.assertEqual(len(theirs), 30)
        self.assertTrue(set(theirs).isdisjoint(mine))
        self.assertEqual(
            {e.unit_id for e in Entity.objects.filter(uid__in=theirs)}, {self.other_station.pk}
        )
