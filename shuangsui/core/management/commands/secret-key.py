from django.conf import settings
from django.core.management.base import BaseCommand

from shuangsui import secretkey
from shuangsui.core.checks import has_secret_key


class Command(BaseCommand):
    help = (
        "SECRET_KEY：--ensure 在数据目录生成密钥文件（已有则保留）；"
        "不带参数时打印一个新的随机密钥（可用作环境变量 SECRET_KEY）"
    )
    requires_system_checks = []  # 没有密钥时正要用它来生成

    def add_arguments(self, parser):
        parser.add_argument(
            "--ensure", action="store_true", help="密钥文件不存在时生成（仅属主可读写）"
        )

    def handle(self, *args, **opts):
        if not opts["ensure"]:
            self.stdout.write(secretkey.new_key())
            return
        path = settings.SECRET_KEY_FILE
        _, created = secretkey.ensure(path)
        self.stdout.write(f"{'已生成' if created else '已有'}密钥文件：{path}")
        if has_secret_key() and settings.SECRET_KEY != secretkey.read(path):
            self.stdout.write("（环境变量 SECRET_KEY 已设置，优先于密钥文件）")
