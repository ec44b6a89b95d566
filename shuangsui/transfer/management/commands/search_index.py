from django.core.management.base import BaseCommand

from shuangsui.directory import search
from shuangsui.jobs.progress import TerminalProgress


class Command(BaseCommand):
    help = (
        "补建大批量导入后留待补建的名称检索索引与名录筛选索引（平时由后台任务做；工作进程没在运行时可手工执行）。"
        "没有待建的就什么也不做。"
    )

    def handle(self, *args, **opts):
        if not search.index_pending():
            self.stdout.write("名称检索与筛选索引是最新的，无需补建")
            return
        progress = TerminalProgress(getattr(self.stdout, "_out", self.stdout))
        try:
            search.build_pending(progress)
        finally:
            progress.close()
        self.stdout.write("名称检索索引与筛选索引已更新")
