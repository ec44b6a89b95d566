from django.core.management.base import BaseCommand, CommandError

from shuangsui.core import audit


class Command(BaseCommand):
    help = "审计留痕：verify 逐行校验哈希链，发现改动、删除或调换时以非零状态退出并指出第一处问题"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, **opts):
        checked, problem = audit.verify()
        if problem:
            row, reason = problem
            raise CommandError(f"审计链在第 {row} 行断开：{reason}（此前 {checked} 行完好）")
        self.stdout.write(f"审计链完好：共 {checked} 行。")
