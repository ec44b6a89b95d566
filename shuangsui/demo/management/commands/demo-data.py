from django.core.management.base import BaseCommand

from shuangsui.core import scope
from shuangsui.core.models import OrgUnit, User
from shuangsui.demo import data as demo
from shuangsui.directory.models import Entity
from shuangsui.inspectors.models import Inspector


class Command(BaseCommand):
    help = "生成演示数据：泉州市丰泽区（及鲤城区）的组织、事项、账号、市场主体与检查人员"
    # 不跑系统检查：它要导入全部 URL 与接口（约 1.5 s CPU），随后启动的服务会检查；make demo 要快
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--entities", type=int, default=2000, help="市场主体数（0 则只建组织、事项和账号）"
        )
        parser.add_argument("--inspectors", type=int, default=60, help="检查人员数")
        parser.add_argument(
            "--seed", type=int, default=2024, help="随机种子（同一种子生成同样的数据）"
        )
        parser.add_argument("--if-empty", action="store_true", help="库中已有数据时什么都不做")
        parser.add_argument(
            "--setup",
            action="store_true",
            help="先生成密钥文件（已有则保留）并迁移数据库（make demo 用：一个进程做完，省两次启动）",
        )
        parser.add_argument(
            "--no-checks", action="store_true", help="不建已抽取、正在检查的演示任务"
        )

    def handle(self, *args, **opts):
        if opts["setup"]:
            self.setup()
        if opts["if_empty"] and OrgUnit.objects.exists():
            self.stdout.write("数据库已有数据，保留原数据，不再生成演示数据。现有：")
            self.county_counts()
            users = User.objects.filter(username__in=demo.demo_usernames()).order_by("id")
        else:
            result = demo.load(
                opts["entities"], opts["inspectors"], opts["seed"], checks=not opts["no_checks"]
            )
            self.stdout.write(
                f"已生成演示数据：市场主体 {result['entities']} 户，检查人员 {result['inspectors']} 人，其中"
            )
            self.county_counts()
            users = result["users"]
            task = result.get("task")
            if task is not None:
                self.stdout.write(
                    f"演示抽查任务：{task.code} {task.name}（{task.get_status_display()}），"
                    "可在“抽查任务”中打开、冻结名单并走抽取仪式。"
                )
            checking = result.get("checking")
            if checking is not None:
                self.stdout.write(
                    f"演示检查任务：{checking.code} {checking.name}：已检查、已退回、待审核与逾期的对象各有示例。"
                )
        self.stdout.write(f"演示账号（密码均为 {demo.DEMO_PASSWORD}）：")
        for user in users:
            self.stdout.write(
                f"  {user.username:<18} {user.get_role_display():<12} {user.unit.name}"
                f"{county_note(user.unit)}"
            )

    def setup(self):
        """等同于 `secret-key --ensure` 加 `migrate --noinput`。"""
        from django.conf import settings
        from django.core.management import call_command

        from shuangsui import secretkey
        from shuangsui.core.checks import has_secret_key

        key, created = secretkey.ensure(settings.SECRET_KEY_FILE)
        if created:
            self.stdout.write(f"已生成密钥文件：{settings.SECRET_KEY_FILE}")
        if not has_secret_key():
            settings.SECRET_KEY = key
        call_command("migrate", interactive=False, verbosity=0)

    def county_counts(self):
        """每个县（区）各有多少：登录哪个县（区）的账号，就只看得到那个县（区）的数。"""
        for code in demo.COUNTIES:
            county = OrgUnit.objects.filter(code=code).first()
            if county is None:
                continue
            entities = Entity.objects.filter(scope.under(county.path)).count()
            people = Inspector.objects.filter(scope.under(county.path)).count()
            suffix = (
                "不带后缀，如 planner" if code == "350503" else f"带后缀 _{code}，如 planner_{code}"
            )
            self.stdout.write(
                f"  {demo.COUNTIES[code][0]}：市场主体 {entities} 户，检查人员 {people} 人（账号{suffix}）"
            )


def county_note(unit):
    """账号单位不是县（区）局本身时，注明属于哪个县（区）。"""
    county = unit.county
    if unit.pk == county.pk:
        return ""
    return f"（{demo.COUNTIES.get(county.code, (county.name,))[0]}）"
