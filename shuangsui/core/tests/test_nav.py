"""导航栏按角色渲染一次后复用：换了角色或停用账号，下一个页面的导航栏跟着变。"""

from django.urls import reverse

from .base import BaseTestCase


class NavTests(BaseTestCase):
    def test_the_nav_follows_the_role_and_the_account_state(self):
        user = self.login("planner")
        page = self.client.get(reverse("password-change"))
        self.assertContains(page, f'<a href="{reverse("plan-list")}">抽查计划</a>')
        self.assertNotContains(page, "用户与单位")
        self.assertNotContains(page, "待审核结果")

        user.role = "admin"
        user.save(update_fields=["role"])
        page = self.client.get(reverse("password-change"))
        self.assertContains(page, f'<a href="{reverse("manage-users")}">用户与单位</a>')

        user.role = "station_head"
        user.unit = self.station
        user.save(update_fields=["role", "unit"])
        page = self.client.get(reverse("password-change"))
        self.assertContains(page, "待审核结果")
        self.assertNotContains(page, "用户与单位")

    def test_a_user_without_a_unit_sees_only_the_workbench_link(self):
        user = self.login("planner")
        user.unit = None
        user.save(update_fields=["unit"])
        page = self.client.get(reverse("password-change"))
        nav = page.content.decode().split("<nav>")[1].split("</nav>")[0]
        self.assertIn("工作台", nav)
        self.assertNotIn("抽查计划", nav)
