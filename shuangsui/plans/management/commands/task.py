"""`shuangsui task list|show|check|create|approve …`：抽查任务的命令行入口（调用 plans.services）。

    shuangsui task create --user planner --item FJSC-001 --class-ratio B=0.03 --class-ratio C=0.05 \\
        --start 2026-04-01 --deadline 2026-06-30
    shuangsui task check 350503-2026-0001 --user planner
    shuangsui task approve 350503-2026-0001 --user planner [--duplicate-note 说明]
"""

import datetime

from django.core.management.base import BaseCommand, CommandError

from shuangsui.core import scope
from shuangsui.core.management.acting import acting
from shuangsui.plans import services
from shuangsui.plans.api import resolve_items, resolve_units
from shuangsui.plans.models import Task


def pairs(values, cast=str):
    out = {}
    for value in values or []:
        label, sep, number = value.partition("=")
        if not sep:
            raise CommandError(f"“{value}”应形如 B=0.03")
        out[label.strip()] = cast(number.strip())
    return out


class Command(BaseCommand):
    help = "抽查任务：list 列表；show 详情；check 批准前检查；create 新建草稿；approve 批准。"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["list", "show", "check", "create", "approve"])
        parser.add_argument("task_code", nargs="?", help="任务编号（show/check/approve）")
        parser.add_argument("--user", required=True)
        parser.add_argument("--year", type=int)
        parser.add_argument("--name", default="")
        parser.add_argument("--plan", type=int, help="所属计划编号（ID）")
        parser.add_argument("--item", action="append", help="抽查事项编号，可重复")
        parser.add_argument("--region", action="append", help="抽查区域（所）代码，可重复")
        parser.add_argument("--start", help="开始日期 YYYY-MM-DD")
        parser.add_argument("--deadline", help="完成时限 YYYY-MM-DD")
        parser.add_argument("--ratio", help="统一比例；与 --base 同用为基数比例")
        parser.add_argument("--base", type=int, help="比例基数（户）")
        parser.add_argument("--class-ratio", action="append", help="分类比例，如 B=0.03")
        parser.add_argument("--class-count", action="append", help="分类户数，如 D=20")
        parser.add_argument("--reserve", action="append", help="备选户数，如 B=2")
        parser.add_argument("--include-a", action="store_true", help="明确纳入A类主体")
        parser.add_argument("--no-stratify", action="store_true", help="不按信用分类分层")
        parser.add_argument("--method", action="append", help="检查方式代码，可重复")
        parser.add_argument("--per-target", type=int, default=2, help="每户检查人员数")
        parser.add_argument("--batches", type=int, default=1)
        parser.add_argument("--duplicate-note", default="", help="批准疑似重复任务时的核实说明")

    def handle(self, *args, **opts):
        with acting(opts["user"], "任务不存在或不在您的辖区内") as user:
            getattr(self, f"do_{opts['action']}")(user, opts)

    def task(self, user, opts):
        if not opts["task_code"]:
            raise CommandError("请给出任务编号")
        return scope.get_scoped(Task.objects.all(), user, "plans.view", code=opts["task_code"])

    def do_list(self, user, opts):
        scope.require(user, "plans.view")
        qs = services.tasks_for(user)
        if opts["year"]:
            qs = qs.filter(year=opts["year"])
        for task in qs.order_by("code"):
            self.stdout.write(f"{task.code}\t{task.get_status_display()}\t{task.name}")

    def do_show(self, user, opts):
        task = self.task(user, opts)
        self.stdout.write(f"{task.code} {task.name}（{task.get_status_display()}）")
        self.stdout.write(f"事项：{'、'.join(i.code for i in task.items.order_by('code'))}")
        self.stdout.write(f"期间：{task.start_date} 至 {task.deadline}")
        self.stdout.write(f"配额：{task.get_quota_mode_display()}")

    def do_check(self, user, opts):
        check = services.check_task(self.task(user, opts), user)
        self.stdout.write(f"比例 {check.ratio_text}，一般事项上限 {check.cap_text}")
        for p in check.problems:
            self.stdout.write(f"✗ {p}")
        for w in check.warnings:
            self.stdout.write(f"⚠ {w}")
        for t in check.duplicates:
            self.stdout.write(f"⚠ 可能重复：{t.code} {t.name}")
        if check.ok and not check.duplicates:
            self.stdout.write("✓ 符合批准条件")

    def do_approve(self, user, opts):
        note = opts["duplicate_note"]
        task = services.approve_task(
            self.task(user, opts), user, allow_duplicates=bool(note), duplicate_note=note
        )
        self.stdout.write(f"已批准 {task.code}")

    def do_create(self, user, opts):
        if not opts["item"]:
            raise CommandError("请用 --item 给出至少一个抽查事项")
        if not opts["start"] or not opts["deadline"]:
            raise CommandError("请给出 --start 与 --deadline")
        fields = {
            "items": resolve_items(user, opts["item"]),
            "regions": resolve_units(user, opts["region"] or []),
            "name": opts["name"],
            "start_date": datetime.date.fromisoformat(opts["start"]),
            "deadline": datetime.date.fromisoformat(opts["deadline"]),
            "include_a": opts["include_a"],
            "stratify": "none" if opts["no_stratify"] else "credit",
            "methods": opts["method"] or [],
            "inspectors_per_target": opts["per_target"],
            "batches": opts["batches"],
            "reserves": pairs(opts["reserve"], int),
        }
        if opts["year"]:
            fields["year"] = opts["year"]
        if opts["plan"]:
            fields["plan"] = scope.get_scoped(
                services.plans_for(user), user, "plans.view", pk=opts["plan"]
            )
        if opts["class_ratio"]:
            fields.update(quota_mode="class_ratio", class_ratios=pairs(opts["class_ratio"]))
        elif opts["class_count"]:
            fields.update(quota_mode="class_count", class_counts=pairs(opts["class_count"], int))
        elif opts["ratio"] and opts["base"]:
            fields.update(quota_mode="base_ratio", ratio=opts["ratio"], base_count=opts["base"])
        elif opts["ratio"]:
            fields.update(quota_mode="ratio", ratio=opts["ratio"])
        else:
            raise CommandError(
                "请给出配额：--ratio、--ratio 与 --base、--class-ratio 或 --class-count"
            )
        task = services.create_task(user, **fields)
        self.stdout.write(f"{task.code}\t{task.name}")
