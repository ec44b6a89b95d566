from django.core.management.base import BaseCommand, CommandError

from shuangsui.lib import exporters
from shuangsui.publicity import exchange
from shuangsui.publicity.exporters import ExchangeExporter


class Command(BaseCommand):
    help = "导出公示的抽查结果（交换格式，docs/exchange.md）：CSV、XLSX 或 JSON，按文件后缀"

    def add_arguments(self, parser):
        parser.add_argument("output", help="输出文件：.csv、.xlsx 或 .json")
        parser.add_argument("--since", help="只要这个时间之后新增或改动的（ISO 8601）")

    def handle(self, output, since=None, **options):
        fmt = exporters.format_for(output, default="")
        if not fmt:
            raise CommandError("输出文件的后缀应为 .csv、.xlsx 或 .json")
        try:
            moment = exchange.parse_since(since) if since else None
        except exchange.CursorError as exc:
            raise CommandError(str(exc)) from exc
        count = exporters.write_path(ExchangeExporter(moment), output)
        self.stdout.write(f"已导出 {count} 条公示的结果：{output}")
