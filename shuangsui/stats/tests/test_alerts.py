"""逾期提醒与到期提醒：每一种都在它的那一天出现（前一天不出现），按法定日历；辖区；每日摘要邮件。

场景同 test_tables（检查完成时限 2026-06-30；2026 年日历：7/10 周五，11/15 周日，6/19 端午）：
- 固定日期 7/10：自到期日前第 3 个工作日（7/7 周二）起提醒，7/10 当天“今日到期”，7/11 不再提醒；
- 11/15 落在周日 → 顺延到 11/16 周一：11/11 起提醒（11/13、11/12、11/11 三个工作日），11/10 还没有；
- 任务 T1 于 6/19 完成 → 工作总结 10 日内，6/29 周一到期：6/24 起提醒，附预填的数字
  （抽查 10 户、已检查 3、发现问题 2、无法联系 1、责令整改 1、已录入 4、问题发现率 66.67%）；
- 检查：6/30 到期，7/1 起逾期 20 户（东海 9、城东 11）；
- 审核：东海“1”待审核的结果 7/1 提交，3 个工作日 → 7/6 周一，7/7 起逾期；
- 公示：东海“A,2,D,E”那户 6/29 检查完，20 日 → 7/19 周日顺延 7/20，7/21 起逾期；
- 邮寄：首次 6/1 寄出、被退回，30 日内（至 7/1）未寄第二次 → 7/2 起逾期；
- 后续处置：城东那户的线索移送期限 8/1 未完结 → 8/2 起逾期；
- 年度计划：1/31 周六 → 2/2 周一截止，草稿的计划 2/3 起逾期，备案后不再提醒。
"""

import datetime
import io

from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from shuangsui.followups.models import FollowUp
from shuangsui.inspections.models import Inspection
from shuangsui.notices.models import Mailing
from shuangsui.plans.models import AnnualPlan, Task
from shuangsui.results.models import Result
from shuangsui.stats import alerts

from .test_tables import StatsTestCase

D = datetime.date


class AlertTestCase(StatsTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        Task.objects.filter(pk=cls.draw.task_id).update(
            status="completed", completed_on=D(2026, 6, 19)
        )
        Result.objects.filter(status="submitted").update(
            submitted_at=timezone.make_aware(datetime.datetime(2026, 7, 1, 10))
        )
        FollowUp.objects.filter(status="open").update(due_on=D(2026, 8, 1))
        returned = Inspection.objects.filter(station=cls.station2, status="pending").first()
        Mailing.objects.create(
            inspection=returned,
            method="ems",
            sent_on=D(2026, 6, 1),
            tracking_no="EMS1234567890",
            outcome="returned",
            outcome_on=D(2026, 6, 8),
        )

    def late(self, day, root=None):
        found = {}
        for a in alerts.overdue(root or self.county, day):
            found.setdefault(a.kind, {})[a.unit] = a.count
        return found

    def titles(self, day, root=None):
        return {r.title: r for r in alerts.reminders(root or self.county, day)}


class ReminderTests(AlertTestCase):
    def test_fixed_dates_start_three_working_days_before_and_end_on_the_day(self):
        title = "上半年“双随机、一公开”工作情况报送"
        self.assertNotIn(title, self.titles(D(2026, 7, 6)))
        self.assertEqual(self.titles(D(2026, 7, 7))[title].text, f"{title}：7月10日到期")
        self.assertEqual(self.titles(D(2026, 7, 10))[title].text, f"{title}：今日到期")
        self.assertNotIn(title, self.titles(D(2026, 7, 11)))

    def test_a_date_on_a_holiday_moves_to_the_next_working_day(self):
        title = "年度抽查检查与结果录入完成"
        self.assertNotIn(title, self.titles(D(2026, 11, 10)))
        self.assertEqual(self.titles(D(2026, 11, 11))[title].due, D(2026, 11, 16))
        self.assertIn(title, self.titles(D(2026, 11, 15)))
        self.assertEqual(self.titles(D(2026, 11, 16))[title].text, f"{title}：今日到期")
        self.assertNotIn(title, self.titles(D(2026, 11, 17)))

    def test_a_task_summary_is_due_ten_days_after_it_ends_with_its_figures(self):
        task = self.draw.task
        title = f"{task.code} {task.name}工作总结"
        self.assertNotIn(title, self.titles(D(2026, 6, 23)))
        reminder = self.titles(D(2026, 6, 24))[title]
        self.assertEqual(reminder.due, D(2026, 6, 29))
        self.assertEqual(
            reminder.figures,
            [
                ("抽查户数", 10),
                ("已检查", 3),
                ("发现问题", 2),
                ("无法联系", 1),
                ("责令整改", 1),
                ("已录入", 4),
                ("问题发现率", "66.67%"),
            ],
        )
        self.assertEqual(reminder.url, reverse("stats-summary", args=[task.pk]))
        self.assertIn(title, self.titles(D(2026, 6, 29)))
        self.assertNotIn(title, self.titles(D(2026, 6, 30)))
        self.assertNotIn(
            title, self.titles(D(2026, 6, 24), root=self.county.parent.children.get(code="350502"))
        )


class OverdueTests(AlertTestCase):
    def test_each_kind_appears_the_day_after_its_deadline(self):
        east, west = self.station.name, self.station2.name
        for kind, last_ok, counts in (
            ("inspection", D(2026, 6, 30), {east: 9, west: 11}),
            ("review", D(2026, 7, 6), {east: 1}),
            ("publication", D(2026, 7, 20), {east: 1}),
            ("mailing", D(2026, 7, 1), {west: 1}),
            ("followup", D(2026, 8, 1), {west: 1}),
        ):
            self.assertNotIn(kind, self.late(last_ok), kind)
            self.assertEqual(self.late(last_ok + datetime.timedelta(days=1))[kind], counts, kind)

    def test_plan_filing_is_late_after_the_last_working_day_of_january(self):
        self.assertNotIn("plan", self.late(D(2026, 2, 2)))
        self.assertEqual(self.late(D(2026, 2, 3))["plan"], {self.county.name: 1})
        AnnualPlan.objects.update(status="filed", filed_on=D(2026, 1, 20))
        self.assertNotIn("plan", self.late(D(2026, 2, 3)))

    def test_a_station_sees_only_its_own_overdue_work(self):
        found = self.late(D(2026, 8, 2), root=self.station)
        self.assertEqual(found["inspection"], {self.station.name: 9})
        self.assertNotIn("mailing", found)
        self.assertNotIn("followup", found)
        self.assertNotIn(self.station2.name, alerts.digest(self.station, D(2026, 8, 2)))


class DigestTests(AlertTestCase):
    def test_the_command_mails_each_user_the_digest_of_their_scope(self):
        from shuangsui.core.models import User

        User.objects.filter(username__in=["planner", "head", "planner_350502"]).update(
            email="x@example.org"
        )
        User.objects.filter(username="planner").update(email="planner@example.org")
        User.objects.filter(username="head").update(email="head@example.org")
        call_command("stats", "digest", "--date", "2026-07-07", stdout=io.StringIO())
        sent = {m.to[0]: m for m in mail.outbox}
        self.assertIn("planner@example.org", sent)
        body = sent["planner@example.org"].body
        self.assertIn("上半年“双随机、一公开”工作情况报送：7月10日到期", body)
        self.assertIn(f"{self.station2.name}：检查逾期未完成 11 项", body)
        self.assertIn(f"{self.station.name}：结果审核逾期 1 项", body)
        self.assertNotIn(self.station2.name, sent["head@example.org"].body)
        other = sent.get("x@example.org")
        if other is not None:
            self.assertNotIn(self.station.name, other.body)
        self.assertNotIn("inspector", " ".join(sent))  # 检查人员没有统计权限

    def test_a_bad_date_is_explained(self):
        from django.core.management.base import CommandError

        with self.assertRaisesMessage(CommandError, "应为 YYYY-MM-DD"):
            call_command("stats", "digest", "--date", "7/7")
