"""名录列表页在百万户上的省力办法：计数缓存（注明）、宽泛片段按页面顺序扫描、下拉框不走模板。"""

import threading
import time
from unittest import mock

from django import forms
from django.core.cache import cache
from django.db import connection
from django.http import QueryDict
from django.test import SimpleTestCase
from django.test.utils import CaptureQueriesContext

from shuangsui.core import paging, scope
from shuangsui.core.models import ApiToken
from shuangsui.core.tests.base import BaseTestCase, make_uid
from shuangsui.core.widgets import FastSelect, fast_selects
from shuangsui.directory import search, views
from shuangsui.directory.filters import EntityFilterSet
from shuangsui.directory.models import Entity


def uses_name_index(sql):
    """SQLite 的 FTS5 表或 PostgreSQL 的二元组表达式（directory 0005）。"""
    return "directory_entity_fts" in sql or "string_to_array" in sql


def scan():
    """测试库小：把“很宽泛”的门槛调低。PostgreSQL 的估计来自规划器（测试里不 ANALYZE：它改的
    pg_class 统计不随事务回滚，会影响别的测试的计划），小表上估得很低，所以门槛取 0。"""
    return 10 if connection.vendor == "sqlite" else 0


def rows_queries(seen):
    """取主体行与计数的查询（不含名称命中数的估计）。"""
    return [
        q["sql"]
        for q in seen.captured_queries
        if 'FROM "directory_entity"' in q["sql"] and "EXPLAIN" not in q["sql"]
    ]


def add(cls, start, n, **fields):
    Entity.objects.bulk_create(
        Entity(
            uid=make_uid(start + i),
            name=fields.pop("name", None) or f"泉州恒达{i}号商贸有限公司",
            unit=cls.station,
            scope_path=cls.station.path,
            region_code="350503",
            credit_class="D",
            status="cancelled",
            **fields,
        )
        for i in range(n)
    )


class CountCacheTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        add(cls, 200_000, 60)

    def setUp(self):
        cache.clear()

    def test_a_filters_count_is_cached_for_two_minutes_and_says_so(self):
        self.login("planner")
        url = "/directory/entities/?credit_class=D&status=cancelled"
        with CaptureQueriesContext(connection) as first:
            page = self.client.get(url)
        self.assertContains(page, "共 60 户")
        self.assertNotContains(page, "分钟内的计数")
        with CaptureQueriesContext(connection) as second:
            page = self.client.get(url)
        self.assertContains(page, "共 60 户<small>（2 分钟内的计数）</small>", html=False)
        counts = [q for q in first.captured_queries if "COUNT(" in q["sql"]]
        self.assertEqual(len([q for q in counts if "credit_class" in q["sql"]]), 1)
        self.assertEqual(len(second.captured_queries), len(first.captured_queries) - 1)
        # 缓存只存 COUNT_TTL 秒（过期即重数）；过期后反映新增的主体
        add(type(self), 300_000, 1)
        self.assertContains(self.client.get(url), "共 60 户")
        cache.clear()  # 相当于 2 分钟过去
        page = self.client.get(url)
        self.assertContains(page, "共 61 户")
        self.assertNotContains(page, "分钟内的计数")

    def test_in_a_large_directory_a_new_combination_is_counted_on_request(self):
        self.login("planner")
        url = "/directory/entities/?credit_class=D&status=cancelled"
        with mock.patch.object(views, "LARGE", 10):  # 测试库小：把“辖区主体多”的门槛调低
            with CaptureQueriesContext(connection) as seen:
                page = self.client.get(url)
            self.assertContains(page, "50 户以上")
            self.assertContains(page, 'href="?credit_class=D&amp;status=cancelled&amp;count=1"')
            self.assertNotContains(page, "共 60 户")
            self.assertContains(page, "第 1 页")
            self.assertNotContains(page, "/ 共 2 页")
            self.assertContains(page, "下一页")
            filtered = [q for q in seen.captured_queries if "COUNT(" in q["sql"]]
            self.assertTrue(all("credit_class" not in q["sql"] for q in filtered))
            self.assertEqual(len(page.context["page"].object_list), 50)
            # 点“精确计数”才数；数过的组合 2 分钟内直接显示总数（注明）
            self.assertContains(self.client.get(url + "&count=1"), "共 60 户")
            self.assertContains(self.client.get(url), "共 60 户<small>（2 分钟内的计数）</small>")
            # 翻到第 2 页时总是精确计数
            cache.clear()
            second = self.client.get(url + "&page=2")
            self.assertContains(second, "共 60 户")
            self.assertContains(second, "/ 共 2 页")
            # 不满一页的组合本来就不用数；没有筛选的名录照常计数
            self.assertContains(self.client.get("/directory/entities/?credit_class=A"), "共 1 户")
            self.assertContains(self.client.get("/directory/entities/"), "共 62 户")

    def test_other_lists_still_count_small_results_every_time(self):
        rows = Entity.objects.filter(credit_class="D").order_by("uid")
        first = paging.CountCachingPaginator(rows, 10)
        self.assertEqual(first.count, 60)
        again = paging.CountCachingPaginator(rows, 10)
        self.assertEqual(again.count, 60)
        self.assertFalse(again.cached)  # 小结果集不缓存，除非 cache_all
        paging.CountCachingPaginator(rows, 10, cache_all=True).count  # noqa: B018
        cached = paging.CountCachingPaginator(rows, 10, cache_all=True)
        self.assertEqual(cached.count, 60)
        self.assertTrue(cached.cached)

    def test_a_short_first_page_is_its_own_count(self):
        self.login("planner")
        with CaptureQueriesContext(connection) as seen:
            page = self.client.get("/directory/entities/?credit_class=A")
        self.assertContains(page, "共 1 户")
        self.assertFalse([q for q in seen.captured_queries if "COUNT(" in q["sql"]])


class FilterIndexTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        add(cls, 300_000, 3, industry_code="F52", entity_type="coop")

    def rows(self, query):
        user = self.user("planner")
        return EntityFilterSet(
            QueryDict(query), queryset=scope.scoped(Entity.objects.all(), user, "directory.view")
        ).qs.order_by("scope_path", "uid")

    def plan(self, rows):
        sql, params = rows.query.sql_with_params()
        with connection.cursor() as cur:
            cur.execute("EXPLAIN QUERY PLAN " + sql, params)
            return " ".join(str(r[-1]) for r in cur.fetchall())

    def test_a_new_combination_reads_only_its_part_of_the_filter_index(self):
        rows = self.rows("credit_class=D&status=cancelled&entity_type=coop&industry=F")
        self.assertEqual(len(rows), 3)
        if connection.vendor == "sqlite":  # PostgreSQL 按统计信息自己选
            plan = self.plan(rows)
            self.assertIn("entity_filter_list (credit_class=? AND status=?", plan)
            self.assertNotIn("TEMP B-TREE", plan)

    def test_the_credit_class_alone_keeps_the_page_order_of_the_list_index(self):
        rows = self.rows("credit_class=D")
        self.assertEqual([e.uid for e in rows], [make_uid(300_000 + i) for i in range(3)])
        self.assertEqual(len(self.rows("credit_class=D&entity_type=coop")), 3)
        if connection.vendor == "sqlite":
            plan = self.plan(rows)
            self.assertIn("entity_scope_list", plan)
            self.assertNotIn("TEMP B-TREE", plan)  # 不取出这一类的全部主体再排序

    def test_a_row_shows_its_labels_unit_and_link(self):
        self.login("planner")
        page = self.client.get("/directory/entities/", {"credit_class": "D"})
        uid = make_uid(300_000)
        self.assertContains(page, f'<a href="/directory/entities/{uid}/"><code>{uid}</code></a>')
        self.assertContains(page, '<td data-label="类型">农民专业合作社</td>', html=False)
        self.assertContains(page, f'<td data-label="所属单位">{self.station.name}</td>', html=False)
        self.assertContains(page, '<td data-label="行业">F52 零售业</td>', html=False)
        self.assertContains(page, '<td data-label="状态">注销</td>', html=False)


class BroadNameTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        add(cls, 400_000, 80)  # “有限”：80 多户，几乎全部

    def setUp(self):
        cache.clear()

    def filtered(self, estimated_counts, q="有限"):
        user = self.user("planner")
        rows = EntityFilterSet(
            QueryDict(f"q={q}"),
            queryset=scope.scoped(Entity.objects.all(), user, "directory.view"),
            estimated_counts=estimated_counts,
        ).qs.order_by("scope_path", "uid")
        return rows

    def test_a_very_broad_part_walks_the_list_in_order_with_the_same_rows(self):
        with mock.patch.object(search, "SCAN", scan()):
            walked = self.filtered(True)
            indexed = self.filtered(False)
            self.assertFalse(uses_name_index(str(walked.query)))
            self.assertIn("LIKE", str(walked.query))
            self.assertTrue(uses_name_index(str(indexed.query)))
            self.assertGreater(len(walked), 80)
            self.assertEqual(list(walked[:50]), list(indexed[:50]))
            self.assertEqual(set(walked), set(indexed))
            # 不宽泛的片段照常经名称索引（结果也相同）
            if connection.vendor == "sqlite":
                self.assertTrue(uses_name_index(str(self.filtered(True, "恒达70号").query)))
            self.assertEqual(
                list(self.filtered(True, "恒达70号")), list(self.filtered(False, "恒达70号"))
            )

    def test_on_postgresql_walking_the_list_in_order_reads_only_the_list_index(self):
        """PostgreSQL 的名录索引带着名称与所属单位（迁移 0011）：按页面顺序逐行比对名称、取列表页的列，
        是只读索引的扫描，不回表。小表上规划器宁可全表扫描再排序，所以关掉那几种走法，只看走名录索引时
        是哪一种；索引不带名称时这里是 Index Scan（回表）。"""
        if connection.vendor != "postgresql":
            self.skipTest("只有 PostgreSQL 的索引带 INCLUDE 列")
        with mock.patch.object(search, "SCAN", scan()):
            walked = self.filtered(True).values(*views.LIST_COLUMNS)[:50]
            self.assertFalse(uses_name_index(str(walked.query)))
            sql, params = walked.query.sql_with_params()
        with connection.cursor() as cur:
            for method in ("seqscan", "bitmapscan", "sort"):
                cur.execute(f"SET LOCAL enable_{method} = off")
            cur.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cur.fetchall())
        self.assertIn("Index Only Scan using entity_scope_list", plan)
        self.assertEqual(len(walked), 50)

    def test_the_api_which_counts_exactly_keeps_the_index(self):
        with mock.patch.object(search, "SCAN", scan()):
            self.login("planner")
            with CaptureQueriesContext(connection) as seen:
                self.client.get("/directory/entities/", {"q": "有限"})
            self.assertFalse(any(uses_name_index(sql) for sql in rows_queries(seen)))
            _, raw = ApiToken.issue(self.user("planner"), "test")
            with CaptureQueriesContext(connection) as seen:
                answer = self.client.get(
                    "/api/directory/entities",
                    {"q": "有限"},
                    HTTP_AUTHORIZATION=f"Bearer {raw}",
                )
            self.assertEqual(
                answer.json()["count"], 81
            )  # 精确计数（加上基类的“泉州鑫源贸易有限公司”）
            self.assertTrue(all(uses_name_index(sql) for sql in rows_queries(seen)))


class FastSelectTests(BaseTestCase):
    def test_it_renders_what_djangos_select_renders(self):
        user = self.user("planner")
        units = scope.units_in_scope(user)
        data = QueryDict(f"credit_class=B&status=active&unit={self.station.pk}&industry=F")
        fast = EntityFilterSet(data, queryset=Entity.objects.all(), units=units)
        plain = EntityFilterSet(data, queryset=Entity.objects.all(), units=units)
        for field in plain.form.fields.values():  # 换回 Django 的 Select 作对照
            if isinstance(field.widget, FastSelect):
                field.widget = forms.Select(attrs=field.widget.attrs, choices=field.widget.choices)
        selects = [n for n, f in fast.form.fields.items() if isinstance(f.widget, FastSelect)]
        self.assertEqual(len(selects), 5)  # 所属单位、主体类型、行业门类、信用风险分类、登记状态
        for name in fast.form.fields:
            self.assertHTMLEqual(str(fast.form[name]), str(plain.form[name]))
        self.assertIn(f'<option value="{self.station.pk}" selected>', str(fast.form["unit"]))

    def test_only_plain_selects_are_swapped(self):
        class Form(forms.Form):
            a = forms.ChoiceField(choices=[("1", "一")])
            b = forms.MultipleChoiceField(choices=[("1", "一")])
            c = forms.ChoiceField(choices=[("1", "一")], widget=forms.RadioSelect)

        form = fast_selects(Form())
        self.assertIsInstance(form.fields["a"].widget, FastSelect)
        self.assertNotIsInstance(form.fields["b"].widget, FastSelect)
        self.assertNotIsInstance(form.fields["c"].widget, FastSelect)


class Rows:
    """一个慢的“结果集”：数一次要 0.2 秒，记下被数了几次（只为看分页器的并发；真的查询见上）。"""

    def __init__(self):
        self.calls = 0
        self.query = self

    def sql_with_params(self):
        return "SELECT slow", ()

    def count(self):
        self.calls += 1
        time.sleep(0.2)
        return 123_456


class ConcurrentCountTests(SimpleTestCase):
    def test_threads_wanting_the_same_count_wait_for_one_to_count(self):
        cache.clear()
        rows = Rows()
        seen = []
        threads = [
            threading.Thread(
                target=lambda: seen.append(paging.CountCachingPaginator(rows, 50).count)
            )
            for _ in range(8)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(seen, [123_456] * 8)
        self.assertEqual(rows.calls, 1)
        cache.clear()
