"""法定工作日历与期限的算法（国庆、调休周六、自然日顺延、缺年份拒绝）。"""

import datetime
import io

from django.core.management import CommandError, call_command
from django.test import TestCase

from shuangsui.core import workdays
from shuangsui.core.models import CalendarDay

D = datetime.date


class WorkdaysTests(TestCase):
    def test_it_knows_a_tiaoxiu_saturday_and_national_day(self):
        self.assertTrue(workdays.is_working_day(D(2026, 10, 10)))  # 周六，国庆调休上班
        self.assertFalse(workdays.is_working_day(D(2026, 10, 1)))
        self.assertFalse(workdays.is_working_day(D(2026, 10, 7)))  # 周三，国庆假期
        self.assertFalse(workdays.is_working_day(D(2026, 10, 11)))  # 普通周日

    def test_it_counts_working_days_across_national_day_and_a_tiaoxiu_saturday(self):
        # 9月30日（周三）起3个工作日：10月8日、9日、10日（调休周六）
        self.assertEqual(workdays.deadline(D(2026, 9, 30), 3, working=True), D(2026, 10, 10))
        # 20个工作日：期间从次日起算，跨过国庆7天假
        self.assertEqual(workdays.deadline(D(2026, 9, 25), 20, working=True), D(2026, 10, 29))

    def test_it_moves_calendar_days_ending_in_a_holiday_to_the_next_working_day(self):
        # 9月11日起20日为10月1日（国庆），顺延到10月8日
        self.assertEqual(workdays.deadline(D(2026, 9, 11), 20), D(2026, 10, 8))
        # 届满日为工作日时不顺延：10月10日是调休上班的周六
        self.assertEqual(workdays.deadline(D(2026, 9, 20), 20), D(2026, 10, 10))
        # 同一事件，自然日与工作日的期限不同
        self.assertEqual(workdays.deadline(D(2026, 6, 1), 20), D(2026, 6, 22))  # 21日周日顺延
        # 端午节6月19日放假
        self.assertEqual(workdays.deadline(D(2026, 6, 1), 20, working=True), D(2026, 6, 30))

    def test_it_refuses_a_year_without_data_naming_it(self):
        with self.assertRaises(workdays.CalendarMissing) as caught:
            workdays.deadline(D(2026, 12, 20), 20, working=True)
        self.assertEqual(caught.exception.year, 2027)
        self.assertIn("2027", str(caught.exception))

    def test_it_uses_an_entered_year(self):
        CalendarDay.objects.create(date=D(2027, 1, 1), is_working=False, name="元旦")
        CalendarDay.objects.create(date=D(2027, 1, 9), is_working=True, name="调休")
        self.assertFalse(workdays.is_working_day(D(2027, 1, 1)))
        self.assertTrue(workdays.is_working_day(D(2027, 1, 9)))  # 周六调休
        self.assertTrue(workdays.is_working_day(D(2027, 1, 4)))
        # 12月31日（周四）起2个工作日：1月1日放假 → 1月4日、5日
        self.assertEqual(workdays.deadline(D(2026, 12, 31), 2, working=True), D(2027, 1, 5))

    def test_it_prints_the_deadline_and_fails_naming_the_year(self):
        out = io.StringIO()
        call_command("calendar", "deadline", "2026-09-30", "3", "--working", stdout=out)
        self.assertEqual(out.getvalue().strip(), "2026-10-10")
        out = io.StringIO()
        call_command("calendar", "deadline", "2026-09-11", "20", stdout=out)
        self.assertEqual(out.getvalue().strip(), "2026-10-08")
        with self.assertRaisesMessage(CommandError, "2027"):
            call_command("calendar", "deadline", "2026-12-20", "20", "--working")
