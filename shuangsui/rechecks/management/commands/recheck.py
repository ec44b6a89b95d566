"""`shuangsui recheck freeze UNIT_CODE --year Y | commit|reveal|public|run|status|verify SAMPLE_CODE
| assign|record SAMPLE_CODE --rank N … --user 用户名`

与 `shuangsui draw …` 对应：与页面调用同一套服务，每一步以 --user 指定的用户身份执行并留痕。
"""

import datetime
import getpass

from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

from shuangsui.core import scope
from shuangsui.core.management.acting import acting
from shuangsui.core.models import OrgUnit
from shuangsui.inspectors.models import Inspector
from shuangsui.rechecks import services
from shuangsui.rechecks.models import RecheckSample

ACTIONS = ["freeze", "commit", "reveal", "public", "run", "status", "verify", "assign", "record"]


def _date(text):
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"日期“{text}”应为 YYYY-MM-DD") from exc


class Command(BaseCommand):
    help = (
        "再检查抽样：freeze 单位代码 --year 年度 [--from --to 检查日期] [--cross 交叉检查] 冻结名单；"
        "commit / reveal（--value，不给时提示输入）；public（--label --value）；run 执行抽样；"
        "status 进度；verify 核验保存的记录；assign --rank N --inspectors 证号,证号 指派再检查人员；"
        "record --rank N --outcome consistent|missed [--missed 未发现的问题] [--correct] 录入结果。"
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=ACTIONS)
        parser.add_argument("target", help="freeze 为单位代码（如 350503），其余为抽样编号")
        parser.add_argument("--user", required=True, help="执行此步的用户名")
        parser.add_argument("--year", type=int, help="年度（freeze）")
        parser.add_argument("--from", dest="period_from", help="检查日期（起）YYYY-MM-DD")
        parser.add_argument("--to", dest="period_to", help="检查日期（止）YYYY-MM-DD")
        parser.add_argument("--cross", action="store_true", help="交叉检查（人员来自另一单位）")
        parser.add_argument("--value", help="秘密值（commit/reveal）或公开随机值（public）")
        parser.add_argument("--commitment", help="承诺值：64 位十六进制")
        parser.add_argument("--label", help="标签")
        parser.add_argument("--rank", type=int, help="抽中的名次（assign/record）")
        parser.add_argument("--inspectors", help="再检查人员的执法证号，以“,”分隔")
        parser.add_argument("--outcome", choices=["consistent", "missed"])
        parser.add_argument("--missed", default="", help="未发现的问题")
        parser.add_argument("--correct", action="store_true", help="原检查结果须更正")

    def handle(self, *args, **opts):
        not_found = f"{opts['target']} 不存在或不在 {opts['user']} 的辖区内"
        with acting(opts["user"], not_found) as user:
            getattr(self, f"do_{opts['action']}")(user, opts)

    def sample(self, user, opts):
        found = RecheckSample.objects.filter(code=opts["target"]).values_list("pk", flat=True)
        if not found:
            raise Http404
        return services.get_sample(user, found[0])

    def item(self, user, opts):
        if not opts["rank"]:
            raise CommandError("请用 --rank 指定抽中的名次")
        item = self.sample(user, opts).items.filter(rank=opts["rank"]).first()
        if item is None:
            raise CommandError(f"没有第 {opts['rank']} 名")
        return services.get_item(user, item.pk)

    def do_freeze(self, user, opts):
        unit = OrgUnit.objects.filter(code=opts["target"]).first()
        if unit is None or not scope.in_scope(user, unit.path):
            raise Http404
        if not opts["year"]:
            raise CommandError("请用 --year 指定年度")
        sample = services.freeze(
            user,
            unit,
            opts["year"],
            period_from=opts["period_from"] and _date(opts["period_from"]),
            period_to=opts["period_to"] and _date(opts["period_to"]),
            cross_check=opts["cross"],
        )
        self.stdout.write(
            f"名单已冻结：{sample.code}，{sample.population_count} 户，各所 {sample.strata}\n"
            f"名单摘要 {sample.population_digest}\n配额 {sample.quotas}"
        )

    def do_commit(self, user, opts):
        value, commitment = opts["value"], opts["commitment"]
        if value is None and commitment is None:
            value = getpass.getpass("秘密值（不回显）：")
        party = services.commit(
            self.sample(user, opts), user, commitment=commitment, value=value, label=opts["label"]
        )
        self.stdout.write(f"承诺已记录：{party.label} {party.commitment}")

    def do_reveal(self, user, opts):
        value = opts["value"]
        if value is None:
            value = getpass.getpass("秘密值（不回显）：")
        sample = self.sample(user, opts)
        party = services.reveal(sample, user, value)
        sample.refresh_from_db()
        self.stdout.write(f"揭示相符：{party.label}；当前状态：{sample.get_status_display()}")

    def do_public(self, user, opts):
        if not opts["value"]:
            raise CommandError("请用 --value 给出公开随机值")
        services.add_public_value(
            self.sample(user, opts), user, opts["label"] or "lottery", opts["value"]
        )
        self.stdout.write("公开随机值已录入")

    def do_run(self, user, opts):
        sample = services.run(self.sample(user, opts), user)
        self.stdout.write(
            f"抽样完成：抽中 {sample.selected_count} 户\n种子 {sample.seed}\n"
            f"记录 {sample.record_file}（sha256 {sample.record_sha256}）\n"
            f"名单 {sample.population_file}（sha256 {sample.population_digest}）"
        )

    def do_status(self, user, opts):
        sample = self.sample(user, opts)
        self.stdout.write(
            f"{sample.code} {sample.kind_label}：{sample.get_status_display()}，"
            f"名单 {sample.population_count} 户，摘要 {sample.population_digest}"
        )
        for p in sample.parties.select_related("user").order_by("order"):
            state = "已揭示" if p.revealed else "未揭示"
            self.stdout.write(f"  {p.label}（{p.user.username}）承诺 {p.commitment} {state}")
        for item in sample.items.order_by("rank"):
            self.stdout.write(f"  第 {item.rank} 名 {item.uid}：{item.get_outcome_display()}")

    def do_verify(self, user, opts):
        problems = services.verify_stored(self.sample(user, opts))
        if problems:
            raise CommandError("核验未通过：" + "；".join(problems[:5]))
        self.stdout.write("核验通过：记录与名单文件的摘要相符，抽样可由公开协议复算")

    def do_assign(self, user, opts):
        badges = [b.strip() for b in (opts["inspectors"] or "").split(",") if b.strip()]
        people = list(Inspector.objects.filter(badge_no__in=badges))
        unknown = set(badges) - {p.badge_no for p in people}
        if unknown:
            raise CommandError(f"没有执法证号为 {'、'.join(sorted(unknown))} 的人员")
        item = services.assign(self.item(user, opts), user, people)
        self.stdout.write(f"已指派第 {item.rank} 名的再检查人员：{'、'.join(badges)}")

    def do_record(self, user, opts):
        item = services.record_outcome(
            self.item(user, opts),
            user,
            opts["outcome"] or "",
            missed=opts["missed"],
            correction_needed=opts["correct"],
        )
        self.stdout.write(f"已录入第 {item.rank} 名：{item.get_outcome_display()}")
