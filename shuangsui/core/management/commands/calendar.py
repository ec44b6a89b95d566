"""`shuangsui calendar deadline DATE N [--working]`：按法定工作日历计算期限，打印 ISO 日期。

日历缺少所需年份的数据时以非零状态退出并写明年份（不按周一至周五猜测）。
"""

import datetime

from django.core.management.base import BaseCommand, CommandError

from shuangsui.core import workdays


class Command(BaseCommand):
    help = "法定工作日历：deadline DATE N [--working] 打印期限届满日；workday DATE 是否工作日"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["deadline", "workday"])
        parser.add_argument("date", help="事件日期 YYYY-MM-DD（期间从次日起算）")
        parser.add_argument("days", nargs="?", type=int, help="天数 N")
        parser.add_argument("--working", action="store_true", help="按工作日计算（默认自然日）")

    def handle(self, *args, **opts):
        try:
            day = datetime.date.fromisoformat(opts["date"])
        except ValueError as exc:
            raise CommandError(f"日期“{opts['date']}”应形如 2026-09-30") from exc
        try:
            if opts["action"] == "workday":
                self.stdout.write("工作日" if workdays.is_working_day(day) else "休息日")
                return
            if opts["days"] is None or opts["days"] < 0:
                raise CommandError("请给出天数 N（不小于 0）")
            result = workdays.deadline(day, opts["days"], opts["working"])
        except workdays.CalendarMissing as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(result.isoformat())
