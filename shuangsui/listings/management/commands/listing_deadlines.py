"""每日运行：责令限期公示期满（不含期限当日）仍未公示的，提请列入经营异常名录。

    shuangsui listing_deadlines [--date YYYY-MM-DD]

例如 cron `30 1 * * * SHUANGSUI_DATA_DIR=/srv/shuangsui shuangsui listing_deadlines`。
"""

import datetime

from django.core.management.base import BaseCommand, CommandError

from shuangsui.listings import services


class Command(BaseCommand):
    help = "责令限期公示逾期未公示的，提请列入经营异常名录（每日运行）"

    def add_arguments(self, parser):
        parser.add_argument("--date", default="", help="按这一天检查（默认今天），YYYY-MM-DD")

    def handle(self, *args, **options):
        on = None
        if options["date"]:
            try:
                on = datetime.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"日期格式应为 YYYY-MM-DD：{options['date']}") from exc
        made = services.check_deadlines(on)
        self.stdout.write(f"逾期未公示、新提请列异：{len(made)} 户")
