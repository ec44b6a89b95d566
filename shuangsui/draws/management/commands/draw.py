"""`shuangsui draw freeze|commit|reveal|public|run|void|status TASK_CODE --user 用户名 …`

与页面、接口调用同一套服务；每一步都以 --user 指定的用户身份执行并留痕。
"""

import getpass

from django.core.management.base import BaseCommand, CommandError

from shuangsui.core import scope
from shuangsui.core.management.acting import acting
from shuangsui.draws import services
from shuangsui.plans.models import Task

ACTIONS = ["freeze", "commit", "reveal", "public", "run", "void", "status"]


class Command(BaseCommand):
    help = (
        "抽取仪式：freeze 冻结名单；commit 提交承诺（--value 秘密值或 --commitment 承诺值，"
        "都不给时提示输入）；reveal 揭示（--value，不给时提示输入）；public 录入公开随机值"
        "（--label --value）；run 执行抽取（可带 --public LABEL=VALUE）；void 申请作废"
        "（--reason），或 --approve / --reject 审批作废；status 查看进度。"
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=ACTIONS)
        parser.add_argument("task_code", help="任务编号，如 350503-2026-0001")
        parser.add_argument("--user", required=True, help="执行此步的用户名")
        parser.add_argument("--value", help="秘密值（commit/reveal）或公开随机值（public）")
        parser.add_argument("--commitment", help="承诺值：64 位十六进制")
        parser.add_argument("--label", help="标签（commit 默认按身份；public 默认 lottery）")
        parser.add_argument("--public", help="run 之前录入的公开随机值，形如 lottery=07,12,19")
        parser.add_argument("--reason", help="作废原因")
        parser.add_argument("--approve", action="store_true", help="批准待审批的作废申请")
        parser.add_argument("--reject", action="store_true", help="驳回待审批的作废申请")

    def handle(self, *args, **opts):
        not_found = f"任务 {opts['task_code']} 不存在或不在 {opts['user']} 的辖区内"
        with acting(opts["user"], not_found) as user:
            task = scope.get_scoped(
                Task.objects.select_related("unit"), user, "plans.view", code=opts["task_code"]
            )
            getattr(self, f"do_{opts['action']}")(task, user, opts)

    def current(self, task):
        draw = services.current_draw(task)
        if draw is None:
            raise CommandError("该任务没有进行中的或有效的抽取；请先 freeze")
        return draw

    def do_freeze(self, task, user, opts):
        draw = services.freeze(task, user)
        self.stdout.write(
            f"名单已冻结：第 {draw.number} 次抽取，{draw.population_count} 户，"
            f"排除 {draw.excluded_count} 户\n名单摘要 {draw.population_digest}\n"
            f"配额 {draw.quotas}"
        )

    def do_commit(self, task, user, opts):
        draw = self.current(task)
        value, commitment = opts["value"], opts["commitment"]
        if value is None and commitment is None:
            value = getpass.getpass("秘密值（不回显）：")
        party = services.commit(draw, user, commitment=commitment, value=value, label=opts["label"])
        self.stdout.write(f"承诺已记录：{party.label} {party.commitment}")

    def do_reveal(self, task, user, opts):
        draw = self.current(task)
        value = opts["value"]
        if value is None:
            value = getpass.getpass("秘密值（不回显）：")
        party = services.reveal(draw, user, value)
        draw.refresh_from_db()
        self.stdout.write(f"揭示相符：{party.label}；当前状态：{draw.get_status_display()}")

    def do_public(self, task, user, opts):
        draw = self.current(task)
        if not opts["value"]:
            raise CommandError("请用 --value 给出公开随机值")
        services.add_public_value(draw, user, opts["label"] or "lottery", opts["value"])
        self.stdout.write("公开随机值已录入")

    def do_run(self, task, user, opts):
        draw = self.current(task)
        if opts["public"]:
            label, sep, value = opts["public"].partition("=")
            if not sep:
                raise CommandError("--public 应形如 LABEL=VALUE")
            services.add_public_value(draw, user, label, value)
        draw = services.run(draw, user)
        self.stdout.write(
            f"抽取完成：入选 {draw.selected_count} 户，备选 {draw.reserve_count} 户\n"
            f"种子 {draw.seed}\n记录 {draw.record_file}（sha256 {draw.record_sha256}）\n"
            f"名单 {draw.population_file}（sha256 {draw.population_digest}）"
        )

    def do_void(self, task, user, opts):
        draw = self.current(task)
        if opts["approve"] and opts["reject"]:
            raise CommandError("--approve 与 --reject 只能选一个")
        if opts["approve"]:
            services.approve_void(draw, user)
            self.stdout.write(f"已批准作废第 {draw.number} 次抽取；任务可重新抽取")
        elif opts["reject"]:
            services.reject_void(draw, user)
            self.stdout.write("已驳回作废申请")
        else:
            services.request_void(draw, user, opts["reason"] or "")
            self.stdout.write("作废申请已提交，待另一位有审批权限的用户用 --approve 批准")

    def do_status(self, task, user, opts):
        self.stdout.write(f"{task.code} {task.name}：{task.get_status_display()}")
        for draw in task.draws.order_by("number"):
            self.stdout.write(
                f"第 {draw.number} 次抽取：{draw.get_status_display()}，名单 {draw.population_count} 户，"
                f"摘要 {draw.population_digest}"
            )
            for p in draw.parties.select_related("user").order_by("order"):
                state = "已揭示" if p.revealed else "未揭示"
                self.stdout.write(f"  {p.label}（{p.user.username}）承诺 {p.commitment} {state}")
            missing = services.missing_parties(draw)
            if missing and draw.status == "frozen":
                self.stdout.write(f"  还缺：{'、'.join(missing)}")
            if draw.void_reason:
                self.stdout.write(f"  作废原因：{draw.void_reason}")
