"""任务页的检查进度：抽中、已审核，未完成的对象中逾期与 3 日内到期的户数（一次汇总数出）。"""

import datetime

from django.urls import reverse
from django.utils import timezone

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
