import os
import subprocess
import sys

from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from .base import PASSWORD, BaseTestCase


class LoginTests(BaseTestCase):
    def setUp(self):
        cache.clear()

    def test_it_lands_each_role_on_its_home(self):
        response = self.client.post(reverse("login"), {"username": "head", "password": PASSWORD})
        self.assertRedirects(response, reverse("home"))
        home = self.client.get(reverse("home"))
        self.assertContains(home, "东海市场监督管理所 · 工作台")
        self.assertContains(home, "检查对象")

    def test_every_role_gets_its_home_page(self):
        for role in ["admin", "planner", "business", "head", "inspector", "joint", "witness"]:
            self.login(role)
            response = self.client.get(reverse("home"))
            self.assertEqual(response.status_code, 200, role)
            self.assertContains(response, "工作台")
            self.client.logout()
        self.login("planner")
        self.assertContains(self.client.get(reverse("home")), "导入市场主体")

    def test_a_page_loads_the_session_user_with_its_unit_in_one_query(self):
        # 会话一条、用户连同单位及上级一条；导航栏的单位名与辖区不再各查一次
        self.client.post(reverse("login"), {"username": "head", "password": PASSWORD})
        self.assertEqual(
            self.client.session["_auth_user_backend"], settings.AUTHENTICATION_BACKENDS[1]
        )
        with self.assertNumQueries(2):
            response = self.client.get(reverse("password-change"))
        self.assertContains(response, "东海市场监督管理所")
        user = response.wsgi_request.user
        with self.assertNumQueries(0):
            self.assertEqual(user.unit.county, self.county)

    def test_it_throttles_repeated_failures(self):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            self.client.post(reverse("login"), {"username": "planner", "password": "x"})
        response = self.client.post(reverse("login"), {"username": "planner", "password": PASSWORD})
        self.assertContains(response, "登录失败次数过多", status_code=429)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_it_requires_csrf(self):
        client = Client(enforce_csrf_checks=True)
        response = client.post(reverse("login"), {"username": "planner", "password": PASSWORD})
        self.assertEqual(response.status_code, 403)

    def test_django_text_is_chinese(self):
        self.login("admin")
        response = self.client.get("/admin/")
        self.assertContains(response, "站点管理")


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = dict(os.environ)
    env.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": "k" * 20 + "Q9#xL2!vR7@pT5$wZ1^mN8&bC4*dF6(gH3)jK0",
            "ALLOWED_HOSTS": "ss.example.gov.cn",
            "SECURE_SSL_REDIRECT": "1",
            "SESSION_COOKIE_SECURE": "1",
            "CSRF_COOKIE_SECURE": "1",
            "SECURE_HSTS_SECONDS": "31536000",
            "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
            "SECURE_HSTS_PRELOAD": "1",
            "SHUANGSUI_DATA_DIR": str(tmp_path),
        }
    )
    result = subprocess.run(
        [sys.executable, "-m", "shuangsui.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
