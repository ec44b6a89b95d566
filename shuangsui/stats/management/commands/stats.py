"""`shuangsui stats export --year YEAR [--unit CODE] [--period Q1] [--by task] --user NAME --out FILE.xlsx`
`shuangsui stats digest [--date YYYY-MM-DD]`：每日提醒邮件，由定时任务每天早上调用，例如

    # crontab（每个工作日、节假日也照发，内容按法定日历算）：
    30 7 * * * cd /srv/shuangsui && .venv/bin/shuangsui stats digest
    # 或 systemd：shuangsui-digest.service 执行上面的命令，shuangsui-digest.timer 写 OnCalendar=*-*-* 07:30

收件人为有统计权限（计划管理、局领导、所长）且填了邮箱的在用账号，每人一封，内容按其辖区。
"""

import datetime

from django.core.mail import send_mail
from django.core.management.base import BaseCommand, CommandError

from shuangsui.core.models import User
from shuangsui.lib import exporters
from shuangsui.stats import services
from shuangsui.stats.exporters import StatsExporter


class Command(BaseCommand):
    help = "导出抽查统计表（XLSX 或 CSV，按文件后缀）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="导出年度统计表")
        export.add_argument("--year", type=int, required=True, help="年度")
        export.add_argument("--unit", default="", help="单位代码（默认为填报人辖区）")
        export.add_argument("--period", default="", help="Q1–Q4；不填为全年")
        export.add_argument(
            "--user", default="", help="填报人用户名（按其辖区与权限统计；默认为第一位系统管理员）"
        )
        export.add_argument(
            "--by", default="", help="分组：task、group、department、item；不填为按单位"
        )
        export.add_argument("--out", required=True, help="输出文件：.xlsx 或 .csv")
        digest = sub.add_parser("digest", help="发送每日提醒邮件（逾期工作与到期事项）")
        digest.add_argument("--date", default="", help="按哪一天提醒（YYYY-MM-DD，默认今天）")

    def handle(self, *args, action, **options):
        if action == "digest":
            return self.digest(options["date"])
        return self.export(**options)

    def digest(self, date):
        from shuangsui.core import scope, workdays
        from shuangsui.stats import alerts

        try:
            today = datetime.date.fromisoformat(date) if date else services.today()
        except ValueError:
            raise CommandError(f"日期 {date} 应为 YYYY-MM-DD") from None
        calendar = workdays.Calendar()
        sent = 0
        bodies = {}
        users = User.objects.filter(is_active=True, unit__isnull=False).exclude(email="")
        for who in users.select_related("unit").order_by("username"):
            if not scope.can(who, services.VIEW):
                continue
            root = scope.root_unit(who)
            if root.pk not in bodies:
                bodies[root.pk] = alerts.digest(root, today, calendar)
            if bodies[root.pk]:
                send_mail(
                    f"【双随】{today.isoformat()} 工作提醒",
                    bodies[root.pk],
                    None,
                    [who.email],
                )
                sent += 1
        self.stdout.write(f"已发送提醒邮件 {sent} 封")

    def export(self, *, year, unit, period, user, out, by="", **options):
        if user:
            who = User.objects.filter(username=user).first()
            if who is None:
                raise CommandError(f"没有用户 {user}")
        else:
            who = User.objects.filter(role="admin", is_active=True).order_by("id").first()
            if who is None:
                raise CommandError("没有系统管理员，请用 --user 指定填报人")
        try:
            if by:
                table = services.breakdown_table(who, year, by, unit_code=unit, period=period)
            else:
                table = services.yearly_table(who, year, unit_code=unit, period=period)
        except services.StatsError as exc:
            raise CommandError(str(exc)) from None
        exporters.write_path(StatsExporter(table, who), out)
        self.stdout.write(f"已导出 {table.unit.name}{table.period_label}统计表到 {out}")
