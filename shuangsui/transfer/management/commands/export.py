from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from shuangsui.core.models import User
from shuangsui.lib import exporters
from shuangsui.transfer import exports, specs


class Command(BaseCommand):
    help = (
        "导出市场主体、检查人员或抽查事项到 CSV（UTF-8 带 BOM）或 XLSX（按后缀）。"
        "表头与导入一致，可以原样再导入。不给 --user 时以系统身份导出（全库，或 --unit 之下）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(specs.SPECS))
        parser.add_argument("out", help="输出文件：*.csv 或 *.xlsx")
        parser.add_argument("--unit", help="只导出该组织单元（代码）之下的记录")
        parser.add_argument("--user", help="以该用户的身份和辖区导出（检查其权限）")
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="名=值",
            help="与列表页相同的筛选条件，如 --filter credit_class=A（可重复）",
        )

    def handle(self, *args, **opts):
        out = str(opts["out"])
        if not out.lower().endswith((".csv", ".xlsx")):
            raise CommandError("输出文件名须以 .csv 或 .xlsx 结尾")
        user = None
        if opts["user"]:
            user = User.objects.filter(username=opts["user"], is_active=True).first()
            if user is None:
                raise CommandError(f"找不到有效用户“{opts['user']}”")
        params = {}
        for item in opts["filter"]:
            key, sep, value = item.partition("=")
            if not sep:
                raise CommandError(f"筛选条件应写成 名=值：{item}")
            params[key.strip()] = value.strip()
        try:
            exporter = exports.build_exporter(
                opts["kind"], user=user, params=params, unit=opts["unit"]
            )
        except PermissionDenied as exc:
            raise CommandError(str(exc) or "没有权限", returncode=2) from None
        count = exporters.write_path(exporter, out)
        self.stdout.write(f"已导出 {count} 行到 {out}")
