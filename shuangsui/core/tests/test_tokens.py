"""API 令牌：页面与命令行生成（明文只显示一次、只存摘要）、有效期、停用与管理范围。"""

import datetime
from io import StringIO

from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from shuangsui.core import services
from shuangsui.core.models import ApiToken

from .base import BaseTestCase

ENTITIES = "/api/directory/entities"


def bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


class TokenPageTests(BaseTestCase):
    def test_a_user_creates_sees_once_lists_and_revokes_their_own_token(self):
        self.login("planner")
        response = self.client.post(reverse("token-list"), {"name": "信用平台对接"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Cache-Control"], "no-store")
        raw = response.context["raw"]
        self.assertTrue(raw.startswith("ss_"))
        self.assertContains(response, raw)
        token = ApiToken.objects.get(user=self.user("planner"))
        # 只存摘要；默认 90 天
        self.assertNotIn(raw, f"{token.digest}{token.prefix}{token.name}")
        self.assertEqual(token.digest, ApiToken.hash(raw))
        self.assertEqual(token.expires, timezone.localdate() + datetime.timedelta(days=90))
        self.assertEqual(self.client_class().get(ENTITIES, **bearer(raw)).status_code, 200)
        # 再看页面：列出用途、最近使用，但不再显示明文
        page = self.client.get(reverse("token-list"))
        self.assertContains(page, "信用平台对接")
        self.assertNotContains(page, raw)
        self.assertNotContains(page, "从未使用")
        # 停用后接口拒绝
        self.client.post(reverse("token-revoke", args=[token.pk]))
        token.refresh_from_db()
        self.assertTrue(token.revoked)
        self.client.logout()
        self.assertEqual(self.client.get(ENTITIES, **bearer(raw)).status_code, 401)

    def test_the_menu_links_the_page(self):
        self.login("inspector")
        self.assertContains(self.client.get(reverse("home")), reverse("token-list"))

    def test_expiry_is_limited_to_a_year_and_not_in_the_past(self):
        self.login("planner")
        today = timezone.localdate()
        for bad in (today - datetime.timedelta(days=1), today + datetime.timedelta(days=400)):
            response = self.client.post(
                reverse("token-list"), {"name": "x", "expires": bad.isoformat()}
            )
            self.assertIsNone(response.context["raw"])
            self.assertContains(response, "有效期")
        self.assertFalse(ApiToken.objects.exists())
        with self.assertRaises(ValidationError):
            services.create_token(None, self.user("planner"), "x", days=367)

    def test_expired_tokens_are_refused(self):
        token, raw = ApiToken.issue(self.user("planner"), "过期")
        ApiToken.objects.filter(pk=token.pk).update(
            expires=timezone.localdate() - datetime.timedelta(days=1)
        )
        self.assertEqual(self.client.get(ENTITIES, **bearer(raw)).status_code, 401)
        ApiToken.objects.filter(pk=token.pk).update(expires=timezone.localdate())
        self.assertEqual(self.client.get(ENTITIES, **bearer(raw)).status_code, 200)

    def test_a_user_cannot_see_or_revoke_anothers_token(self):
        token, raw = ApiToken.issue(self.user("planner"), "他人的")
        self.login("business")
        self.assertNotContains(self.client.get(reverse("token-list")), "他人的")
        self.assertEqual(
            self.client.post(reverse("token-revoke", args=[token.pk])).status_code, 404
        )
        token.refresh_from_db()
        self.assertFalse(token.revoked)

    def test_an_administrator_manages_their_countys_tokens_never_another_countys(self):
        own, _ = ApiToken.issue(self.user("inspector"), "本县检查员的")
        foreign, _ = ApiToken.issue(self.user("planner_350502"), "他县的")
        self.login("admin")
        page = self.client.get(reverse("token-list"))
        self.assertContains(page, "本县检查员的")
        self.assertNotContains(page, "他县的")
        self.client.post(reverse("token-revoke", args=[own.pk]))
        self.assertEqual(
            self.client.post(reverse("token-revoke", args=[foreign.pk])).status_code, 404
        )
        own.refresh_from_db()
        foreign.refresh_from_db()
        self.assertTrue(own.revoked)
        self.assertFalse(foreign.revoked)


class TokenCommandTests(BaseTestCase):
    def test_create_prints_the_token_once_and_list_and_revoke_work(self):
        out = StringIO()
        call_command(
            "token",
            "create",
            "planner",
            "--name",
            "脚本",
            "--days",
            "30",
            stdout=out,
            stderr=StringIO(),
        )
        raw = out.getvalue().strip()
        token = ApiToken.objects.get(digest=ApiToken.hash(raw))
        self.assertEqual(token.expires, timezone.localdate() + datetime.timedelta(days=30))
        self.assertEqual(self.client.get(ENTITIES, **bearer(raw)).status_code, 200)
        listing = StringIO()
        call_command("token", "list", "planner", stdout=listing)
        self.assertIn("脚本", listing.getvalue())
        self.assertIn(token.prefix, listing.getvalue())
        self.assertNotIn(raw, listing.getvalue())
        call_command("token", "revoke", str(token.pk), stdout=StringIO())
        self.assertEqual(self.client.get(ENTITIES, **bearer(raw)).status_code, 401)

    def test_create_takes_an_expiry_date_and_refuses_bad_ones(self):
        day = timezone.localdate() + datetime.timedelta(days=10)
        out = StringIO()
        call_command(
            "token",
            "create",
            "planner",
            "--name",
            "x",
            "--expires",
            day.isoformat(),
            stdout=out,
            stderr=StringIO(),
        )
        self.assertEqual(ApiToken.objects.get().expires, day)
        for bad in ("2020-01-01", "明天", (day + datetime.timedelta(days=400)).isoformat()):
            with self.assertRaises(CommandError):
                call_command(
                    "token",
                    "create",
                    "planner",
                    "--name",
                    "x",
                    "--expires",
                    bad,
                    stdout=StringIO(),
                    stderr=StringIO(),
                )
        with self.assertRaises(CommandError):
            call_command("token", "create", "planner", stdout=StringIO(), stderr=StringIO())
        with self.assertRaises(CommandError):
            call_command(
                "token", "create", "nobody", "--name", "x", stdout=StringIO(), stderr=StringIO()
            )
