from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from shuangsui.jobs import services


class Command(DbWorkerCommand):
    help = (
        "运行后台任务（导入、导出、抽取……）的工作进程（django-tasks 数据库后端的 db_worker）。"
        "启动时先把本机上已退出的工作进程留下的“进行中”任务记为失败。"
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--only-recover",
            action="store_true",
            help="只把中断的任务记为失败，不运行任务",
        )

    def handle(self, *args, only_recover=False, **options):
        count = services.fail_orphans()
        if count and options.get("verbosity", 1):
            self.stdout.write(f"已把 {count} 个中断的后台任务记为失败")
        if only_recover:
            return None
        return super().handle(*args, **options)
