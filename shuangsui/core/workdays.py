"""法定工作日历：节假日与调休（`chinesecalendar` 包加上管理员录入的 `CalendarDay`）。

期限按法律的算法计算：
- 期间从事件的次日起算；
- N 个工作日：事件之后的第 N 个工作日；
- N 日（自然日）：事件之后第 N 日，该日不是工作日（周末、法定节假日）时顺延到其后第一个工作日；
- 调休上班的周六、周日是工作日。

日历没有某一年的数据时绝不按周一至周五猜测：抛出 `CalendarMissing`，写明年份。
"""

import datetime

import chinese_calendar

from .models import CalendarDay


class CalendarMissing(Exception):
    """工作日历缺少某年的节假日安排。"""

    def __init__(self, year):
        self.year = year
        super().__init__(
            f"工作日历缺少 {year} 年的节假日安排，无法计算期限；请管理员在“节假日安排”中录入 {year} 年"
            "国务院办公厅公布的放假与调休日期"
        )


class Calendar:
    """一次计算用的日历：按年读入管理员录入的日子，避免逐日查询。"""

    def __init__(self):
        self._years = {}

    def _overrides(self, year):
        if year not in self._years:
            self._years[year] = dict(
                CalendarDay.objects.filter(date__year=year).values_list("date", "is_working")
            )
        return self._years[year]

    def is_working_day(self, day):
        overrides = self._overrides(day.year)
        if day in overrides:
            return overrides[day]
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            if overrides:  # 该年已由管理员录入放假与调休安排，其余日子按周一至周五
                return day.weekday() < 5
            raise CalendarMissing(day.year) from None

    def deadline(self, event_date, n, working=False):
        if n < 0:
            raise ValueError("期限天数不能为负")
        day = event_date
        if working:
            counted = 0
            while counted < n:
                day += datetime.timedelta(days=1)
                if self.is_working_day(day):
                    counted += 1
            return day
        day = event_date + datetime.timedelta(days=n)
        while not self.is_working_day(day):
            day += datetime.timedelta(days=1)
        return day

    def working_days_between(self, start, end):
        """start 之后（不含）到 end（含）之间的工作日数；end 不晚于 start 时为 0。"""
        count = 0
        day = start
        while day < end:
            day += datetime.timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count


def is_working_day(day):
    return Calendar().is_working_day(day)


def deadline(event_date, n, working=False):
    """事件日 event_date 起 n 日（working=True 时为 n 个工作日）的期限届满日。"""
    return Calendar().deadline(event_date, n, working)


def safe_deadline(event_date, n, working=False, calendar=None):
    """页面用：返回 (届满日, None)，日历缺数据时返回 (None, 原因)。"""
    if event_date is None:
        return None, "尚未开始计算"
    try:
        return (calendar or Calendar()).deadline(event_date, n, working), None
    except CalendarMissing as exc:
        return None, str(exc)
