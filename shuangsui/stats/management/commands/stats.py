"""`shuangsui stats export --year YEAR [--unit CODE] [--period Q1] --user NAME --out FILE.xlsx`"""

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
        export.add_argument("--out", required=True, help="输出文件：.xlsx 或 .csv")

    def handle(self, *args, action, year, unit, period, user, out, **options):
        if user:
            who = User.objects.filter(username=user).first()
            if who is None:
                raise CommandError(f"没有用户 {user}")
        else:
            who = User.objects.filter(role="admin", is_active=True).order_by("id").first()
            if who is None:
                raise CommandError("没有系统管理员，请用 --user 指定填报人")
        try:
            table = services.yearly_table(who, year, unit_code=unit, period=period)
        except services.StatsError as exc:
            raise CommandError(str(exc)) from None
        exporters.write_path(StatsExporter(table, who), out)
        self.stdout.write(f"已导出 {table.unit.name}{table.period_label}统计表到 {out}")
