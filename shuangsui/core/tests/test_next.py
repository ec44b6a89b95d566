"""登录后的跳转（`next`）只回本站：开放重定向与 `javascript:` 都不跟随。"""

from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse

from shuangsui.core.nexturl import safe_next

from .base import PASSWORD, BaseTestCase

HOSTILE = [
    "https://evil.example/x",
    "//evil.example/x",
    "///evil.example/x",
    "/\\evil.example/x",
    "\\\\evil.example/x",
    "https:evil.example/x",
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    "data:text/html,<script>alert(1)</script>",
    " //evil.example/x",
    "http://testserver@evil.example/x",
]


class NextTests(BaseTestCase):
    def setUp(self):
        cache.clear()  # 别的测试留下的登录失败计数不该挡住这里的登录

    def test_it_never_sends_the_user_off_site_after_login(self):
        for target in HOSTILE:
            with self.subTest(target=target):
                response = self.client.post(
                    reverse("login") + "?" + _query(target),
                    {"username": "planner", "password": PASSWORD},
                )
                self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)
                self.assertIn("_auth_user_id", self.client.session)
                self.client.post(reverse("logout"))

    def test_it_follows_a_local_next(self):
        target = reverse("audit-list") + "?action=user"
        response = self.client.post(
            reverse("login") + "?" + _query(target),
            {"username": "planner", "password": PASSWORD},
        )
        self.assertRedirects(response, target, fetch_redirect_response=False)


def _query(target):
    from urllib.parse import urlencode

    return urlencode({"next": target})


def test_it_keeps_https_pages_on_https():
    factory = RequestFactory()
    secure = factory.get("/", secure=True)
    assert safe_next(secure, "http://testserver/plans/", "/") == "/"
    assert safe_next(secure, "https://testserver/plans/", "/") == "https://testserver/plans/"
    plain = factory.get("/")
    assert safe_next(plain, "http://testserver/plans/", "/") == "http://testserver/plans/"
    assert safe_next(plain, "/plans/?year=2026", "/") == "/plans/?year=2026"
    assert safe_next(plain, "javascript:alert(1)", "/") == "/"
