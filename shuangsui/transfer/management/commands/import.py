from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from shuangsui.core import audit
from shuangsui.core.models import User
from shuangsui.jobs.progress import TerminalProgress
from shuangsui.transfer import services


class Command(BaseCommand):
    help = (
        "批量导入市场主体、检查人员或抽查事项（CSV 或 XLSX）。要么全部导入，要么一行也不写："
        "有错时逐行列出（行号、列、值、原因）并以非零状态退出。"
        "不给 --user 时以系统身份导入（辖区为全库，或 --unit 之下）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(services.IMPORTERS))
        parser.add_argument("file", help="CSV 或 XLSX 文件")
        parser.add_argument(
            "--mode",
            choices=services.MODES,
            default="insert",
            help="insert：已有的记录视为错误（默认）；upsert：更新已有的记录",
        )
        parser.add_argument(
            "--unit", help="组织单元代码：默认单位（文件中单位为空时用），也限定辖区"
        )
        parser.add_argument("--user", help="以该用户的身份和辖区导入（检查其权限）")

    def handle(self, *args, **opts):
        user = None
        if opts["user"]:
            user = User.objects.filter(username=opts["user"], is_active=True).first()
            if user is None:
                raise CommandError(f"找不到有效用户“{opts['user']}”")
        token = audit.set_actor(user)
        # 进度：终端上是一行“\r”刷新的进度，重定向到文件时是几行普通文字（标准错误只留错误）
        progress = TerminalProgress(getattr(self.stdout, "_out", self.stdout))
        try:
            result = services.run_import(
                opts["kind"],
                opts["file"],
                str(opts["file"]).replace("\\", "/").rsplit("/", 1)[-1],
                user=user,
                mode=opts["mode"],
                unit=opts["unit"],
                progress=progress,
                build_index="now",  # 大批量导入提交后就在这里补建名称检索索引
            )
        except services.ImportFailed as failure:
            for line in failure.lines():
                self.stderr.write(line)
            raise CommandError(
                f"导入失败：共 {failure.total} 处错误，没有写入任何数据", returncode=1
            ) from None
        except PermissionDenied as exc:
            raise CommandError(str(exc) or "没有权限", returncode=2) from None
        finally:
            progress.close()
            audit.reset_actor(token)
        self.stdout.write(
            f"导入成功：{result.rows} 行，新增 {result.created}，更新 {result.updated}"
            f"（{result.seconds:.2f} 秒，{result.rate:,.0f} 行/秒）"
        )
        if result.index_pending:
            self.stdout.write("名称检索索引与筛选索引已在提交后更新")
        if result.ignored_columns:
            self.stdout.write(f"已忽略不认识的列：{'、'.join(result.ignored_columns)}")
