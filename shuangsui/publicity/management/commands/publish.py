"""`shuangsui publish TASK_CODE --user NAME [--date YYYY-MM-DD]`：发布该任务全部待公示的结果为一批公告。

与“结果公示”页面的“发布”同一个服务（publicity.services.publish）：权限、编号、期限、更正链与留痕相同。
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from shuangsui.core.models import User
from shuangsui.plans.models import Task
from shuangsui.publicity import services


class Command(BaseCommand):
    help = "发布一个任务全部待公示的检查结果（一批公告）"

    def add_arguments(self, parser):
        parser.add_argument("task", help="任务编号")
        parser.add_argument("--user", required=True, help="发布人用户名（须为该任务的公示人）")
        parser.add_argument("--date", default="", help="公示日期（YYYY-MM-DD，默认今天）")

    def handle(self, task, user, date="", **options):
        found = Task.objects.filter(code=task).first()
        if found is None:
            raise CommandError(f"没有编号为 {task} 的任务")
        person = User.objects.filter(username=user, is_active=True).first()
        if person is None:
            raise CommandError(f"没有在用的账号 {user}")
        try:
            today = datetime.date.fromisoformat(date) if date else None
        except ValueError as exc:
            raise CommandError("--date 应为 YYYY-MM-DD") from exc
        try:
            publication = services.publish(person, found, today=today)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        self.stdout.write(f"已发布：{publication.title}（{publication.rows.count()} 条结果）")
