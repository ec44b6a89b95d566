"""`shuangsui token create|list|revoke`：API 令牌的命令行入口（调用 core.services）。

shuangsui token create planner --name 信用平台对接 [--expires 2027-03-31 | --days 30]
shuangsui token list planner
shuangsui token revoke 12            # 按编号（见 list）
shuangsui token revoke ss_…          # 或按令牌明文
"""

import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from shuangsui.core import services
from shuangsui.core.models import ApiToken, User


class Command(BaseCommand):
    help = "API 令牌：create 为用户生成（明文只打印这一次）；list 列出用户的令牌；revoke 停用。"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create", "list", "revoke"])
        parser.add_argument("target", help="用户名（create/list）；令牌编号或明文（revoke）")
        parser.add_argument("--name", default="", help="令牌用途（create 必填）")
        expiry = parser.add_mutually_exclusive_group()
        expiry.add_argument("--expires", help="有效期至 YYYY-MM-DD（含当日，最长一年）")
        expiry.add_argument("--days", type=int, help="有效天数（默认 90，最长 366）")

    def handle(self, *args, **opts):
        action = opts["action"]
        try:
            if action == "revoke":
                return self.revoke(opts["target"])
            user = User.objects.filter(username=opts["target"]).first()
            if user is None:
                raise CommandError(f"没有用户“{opts['target']}”")
            if action == "list":
                return self.list(user)
            expires = None
            if opts["expires"]:
                try:
                    expires = datetime.date.fromisoformat(opts["expires"])
                except ValueError as exc:
                    raise CommandError(f"有效期“{opts['expires']}”应形如 2027-03-31") from exc
            token, raw = services.create_token(
                None, user, opts["name"], expires=expires, days=opts["days"]
            )
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        self.stderr.write(
            f"已为 {user.username} 生成令牌 #{token.pk}“{token.name}”，有效期至 {token.expires}。"
            "明文只显示这一次："
        )
        self.stdout.write(raw)

    def list(self, user):
        rows = services.user_tokens(user).order_by("-created", "-id")
        if not rows:
            self.stdout.write(f"{user.username} 没有令牌。")
        for t in rows:
            used = (
                timezone.localtime(t.last_used).strftime("%Y-%m-%d %H:%M")
                if t.last_used
                else "从未使用"
            )
            created = timezone.localtime(t.created).strftime("%Y-%m-%d %H:%M")
            self.stdout.write(
                f"#{t.pk}\t{t.prefix}…\t{t.name}\t创建 {created}\t最近使用 {used}\t"
                f"有效期至 {t.expires}\t{t.state_label}"
            )

    def revoke(self, target):
        if target.startswith("ss_"):
            token = ApiToken.objects.filter(digest=ApiToken.hash(target)).first()
        elif target.isdigit():
            token = ApiToken.objects.filter(pk=int(target)).first()
        else:
            raise CommandError("请给出令牌编号（见 token list）或令牌明文")
        if token is None:
            raise CommandError("没有这个令牌")
        services.revoke_token(None, token)
        self.stdout.write(f"已停用令牌 #{token.pk}“{token.name}”（{token.user.username}）。")
