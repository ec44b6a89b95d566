"""列表页的 SQL 条数不随行数增长；任务页的排除汇总按抽取缓存。"""

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shuangsui.draws.models import Draw
from shuangsui.draws.services import count_exclusions
from shuangsui.draws.views import exclusion_summary
from shuangsui.inspections.choices import InspectionStatus
from shuangsui.inspections.models import Inspection

from .helpers import MatchingTestCase


class QueryCountTests(MatchingTestCase):
    def setUp(self):
        cache.clear()

    def worklist_queries(self, pending):
        """只留 `pending` 户待检查，打开（辖区的）工作清单：返回 (SQL 条数, 页面)。"""
        rows = Inspection.objects.filter(draw=self.draw).order_by("rank")
        keep = list(rows.values_list("pk", flat=True)[:pending])
        rows.exclude(pk__in=keep).update(status=InspectionStatus.COMPLETED)
        rows.filter(pk__in=keep).update(status=InspectionStatus.PENDING)
        with CaptureQueriesContext(connection) as seen:
            page = self.client.get(reverse("worklist"))
        self.assertEqual(page.status_code, 200)
        return len(seen.captured_queries), page.content.decode()

    def test_the_worklist_does_not_grow_with_its_rows(self):
        self.login("planner")
        total = Inspection.objects.filter(draw=self.draw).count()
        self.assertGreaterEqual(total, 8)
        few, page = self.worklist_queries(2)
        self.assertEqual(page.count('class="inspection-link"'), 2)
        many, page = self.worklist_queries(total)
        self.assertEqual(page.count('class="inspection-link"'), total)
        self.assertEqual(many, few)
        # 同一任务的各行共用一份任务（不是每行各建一份）
        self.assertIn(self.draw.task.code, page)

    def test_the_exclusion_summary_is_stored_when_frozen(self):
        self.assertTrue(self.draw.exclusions.exists())
        counted = count_exclusions(self.draw)
        self.assertEqual(sum(r["n"] for r in counted), self.draw.exclusions.count())
        self.assertEqual(self.draw.exclusion_counts, counted)
        with CaptureQueriesContext(connection) as seen:
            self.assertEqual(exclusion_summary(self.draw), counted)
        self.assertEqual(seen.captured_queries, [])

    def test_a_draw_without_a_stored_summary_counts_once(self):
        """存入之前冻结的抽取（迁移已补上）：汇总一次，按抽取缓存。"""
        old = Draw.objects.get(pk=self.draw.pk)
        old.exclusion_counts = []
        with CaptureQueriesContext(connection) as first:
            rows = exclusion_summary(old)
        self.assertEqual(len(first.captured_queries), 1)
        self.assertEqual(rows, self.draw.exclusion_counts)
        with CaptureQueriesContext(connection) as again:
            self.assertEqual(exclusion_summary(old), rows)
        self.assertEqual(again.captured_queries, [])
        # 另一次抽取（另一份名单）各有各的汇总
        other = self.run_task()
        self.assertNotEqual(other.pk, self.draw.pk)
        self.assertEqual(other.exclusion_counts, count_exclusions(other))

    def test_the_task_page_shows_the_cached_summary(self):
        self.login("planner")
        url = reverse("task-detail", args=[self.draw.task_id])
        first = self.client.get(url)
        with CaptureQueriesContext(connection) as seen:
            second = self.client.get(url)
        self.assertFalse([q for q in seen.captured_queries if "draws_exclusion" in q["sql"]])
        self.assertEqual(
            first.context["current"]["exclusion_counts"],
            second.context["current"]["exclusion_counts"],
        )
