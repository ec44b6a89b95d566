"""任务页的检查进度：抽中、已审核，未完成的对象中逾期与 3 日内到期的户数（一次汇总数出）。"""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from shuangsui.draws import services as draws
from shuangsui.inspections.choices import InspectionStatus
from shuangsui.inspections.models import Inspection

from .helpers import PlansTestCase, full_ceremony, populate


class TaskPageProgressTests(PlansTestCase):
    codes = ("FJSC-011",)  # 重点事项：不设比例上限

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        populate(cls.station, 100, "B" * 20)

    def test_progress_counts_overdue_and_due_soon_among_unfinished_checks(self):
        task = self.approved(class_ratios={"B": "0.5"})
        full_ceremony(task, self.user("planner"), self.user("witness"))
        checks = list(Inspection.objects.filter(task=task).order_by("rank"))
        self.assertGreater(len(checks), 5)
        today = timezone.localdate()
        day = datetime.timedelta(days=1)
        Inspection.objects.filter(task=task).update(deadline=today + 30 * day)
        late, late_done, soon, last_day = checks[0], checks[1], checks[2], checks[3]
        Inspection.objects.filter(pk__in=[late.pk, late_done.pk]).update(deadline=today - day)
        Inspection.objects.filter(pk=soon.pk).update(deadline=today + 2 * day)
        Inspection.objects.filter(pk=last_day.pk).update(deadline=today)
        Inspection.objects.filter(pk=late_done.pk).update(status=InspectionStatus.COMPLETED)
        self.login("planner")
        page = self.client.get(reverse("task-detail", args=[task.pk])).content.decode()
        self.assertIn(f'抽中 <b id="progress-drawn">{len(checks)}</b> 户', page)
        self.assertIn('已审核 <b id="progress-reviewed">1</b> 户', page)
        self.assertIn('<span class="bad" id="progress-overdue">逾期未完成 1 户</span>', page)
        self.assertIn('<span class="warn" id="progress-soon">3 日内到期 2 户</span>', page)

    def queries(self, task):
        """打开任务页（计划员）：返回 (页面, 各条 SQL)。"""
        with CaptureQueriesContext(connection) as seen:
            page = self.client.get(reverse("task-detail", args=[task.pk]))
        self.assertEqual(page.status_code, 200)
        return page.content.decode(), [q["sql"] for q in seen.captured_queries]

    def test_the_page_reads_a_drawn_task_in_a_fixed_number_of_queries(self):
        task = self.approved(class_ratios={"B": "0.5"}, reserves={"B": 2})
        full_ceremony(task, self.user("planner"), self.user("witness"))
        self.login("planner")
        self.client.get(reverse("task-detail", args=[task.pk]))  # 缓存（抽中占比）已在
        page, sql = self.queries(task)
        self.assertIn('id="progress-drawn"', page)
        # 进度只数一遍检查对象；事项数用页面已取出的事项；排除汇总冻结时已存在抽取上
        self.assertFalse([q for q in sql if 'SELECT 1 AS "a" FROM "inspections_inspection"' in q])
        self.assertFalse([q for q in sql if 'COUNT(*) AS "__count" FROM "plans_task_items"' in q])
        self.assertFalse([q for q in sql if "draws_exclusion" in q])
        self.assertEqual(len(sql), 13, "\n".join(sql))

    def test_progress_shows_only_once_the_task_has_had_checks(self):
        self.login("planner")
        task = self.approved(class_ratios={"B": "0.5"})
        page, _sql = self.queries(task)
        self.assertNotIn('id="task-progress"', page)
        draw = full_ceremony(task, self.user("planner"), self.user("witness"))
        draws.request_void(draw, self.user("planner"), "名单范围设置错误")
        draws.approve_void(draw, self.user("admin"))
        # 抽取作废、检查对象取消之后仍显示（抽中 0 户）
        page, _sql = self.queries(task)
        self.assertIn('抽中 <b id="progress-drawn">0</b> 户', page)
