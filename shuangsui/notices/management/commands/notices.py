"""`shuangsui notices TASK_CODE [--station CODE] --out FILE.docx`：一个任务（或其中一个所）的抽查告知书。"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from shuangsui.notices import services


class Command(BaseCommand):
    help = "生成抽查告知书（.docx，每个检查对象一页起）"

    def add_arguments(self, parser):
        parser.add_argument("task_code", help="任务编号")
        parser.add_argument("--station", default="", help="只生成这个所（代码）的对象")
        parser.add_argument("--out", required=True, help="输出的 .docx 文件")

    def handle(self, *args, task_code, station, out, **options):
        try:
            content, count = services.notices_for_task(task_code, station)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        Path(out).write_bytes(content)
        self.stdout.write(f"已生成 {count} 份告知书：{out}")
