"""`shuangsui dossier TASK_CODE UID --out FILE.zip`：一户（检查对象）的立卷归档 ZIP。"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from shuangsui.dossier import services


class Command(BaseCommand):
    help = "生成一户的立卷归档 ZIP（告知书、邮寄、结果全部版本、材料、审核、后续处置，附 SHA-256 清单）"

    def add_arguments(self, parser):
        parser.add_argument("task_code", help="任务编号")
        parser.add_argument("uid", help="对象标识（统一社会信用代码）")
        parser.add_argument("--out", required=True, help="输出的 .zip 文件")

    def handle(self, *args, task_code, uid, out, **options):
        try:
            inspection = services.find(task_code, uid)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        content = services.build(inspection)
        Path(out).write_bytes(content)
        count = len(services.contents(inspection))
        self.stdout.write(
            f"已生成 {inspection.name or uid} 的归档：{count} 个文件（另附清单），{out}"
        )
