"""角色 × 地址的访问矩阵：两个县（区）之间没有任何 2xx 的越界访问。"""

from django.urls import reverse

from shuangsui.core import scope
from shuangsui.core.models import ApiToken

from .base import ROLES, BaseTestCase

# 统计表、下载与监管看板：另一县（区）的单位一律拒绝
STATS_PAGES = [("stats", []), ("stats-download", ["xlsx"]), ("dashboard", [])]


def listing_urls(entity):
    """该主体的一条列异（提请）的页面、审批表与接口地址。"""
    from shuangsui.listings import services
    from shuangsui.listings.choices import Cause

    listing, _ = services.propose(entity, Cause.CONCEALMENT, source="访问矩阵")
    return [
        reverse("listing-detail", args=[listing.pk]),
        reverse("listing-docx", args=[listing.pk]),
        f"/api/listings/{listing.pk}",
    ]


def credit_urls(entity):
    """该主体的一条信用风险分类调整建议的页面与接口地址。"""
    from shuangsui.credit import services
    from shuangsui.credit.choices import RuleEvent
    from shuangsui.credit.models import CreditProposal

    cause = services.Cause(entity, f"access:{entity.pk}", "访问矩阵", codes=["2"])
    services.propose(RuleEvent.RESULT_APPROVED, cause)  # 同一原因只建议一次
    proposal = CreditProposal.objects.get(cause_key=cause.key)
    return [reverse("credit-proposal", args=[proposal.pk]), f"/api/credit/proposals/{proposal.pk}"]


class AccessMatrixTests(BaseTestCase):
    def foreign_urls(self):
        """属于鲤城区的对象的地址（丰泽区用户都不应拿到 2xx）。"""
        return [
            reverse("entity-detail", args=[self.other_entity.uid]),
            reverse("inspector-detail", args=[self.other_inspector.pk]),
            f"/api/directory/entities/{self.other_entity.uid}",
            f"/api/inspectors/inspectors/{self.other_inspector.pk}",
            *(f"{reverse(n, args=a)}?unit={self.other_station.code}" for n, a in STATS_PAGES),
            *listing_urls(self.other_entity),
            *credit_urls(self.other_entity),
        ]

    def test_it_never_serves_another_countys_records(self):
        for role in ROLES:
            self.login(role)
            for url in self.foreign_urls():
                response = self.client.get(url)
                self.assertGreaterEqual(response.status_code, 300, f"{role} 读到了 {url}")
            self.client.logout()

    def test_it_never_serves_or_changes_another_countys_users_and_units(self):
        foreign = self.user("inspector_350502")
        urls = [
            reverse("manage-user-edit", args=[foreign.pk]),
            reverse("manage-unit-rename", args=[self.other_station.pk]),
        ]
        posts = [
            (reverse("manage-user-active", args=[foreign.pk]), {"active": "0"}),
            (reverse("manage-user-password", args=[foreign.pk]), {"password": ""}),
            (
                reverse("manage-user-edit", args=[foreign.pk]),
                {"last_name": "改", "unit": self.station.pk, "role": "admin"},
            ),
            (reverse("manage-unit-rename", args=[self.other_station.pk]), {"name": "改名"}),
        ]
        password = foreign.password
        for role in ROLES:
            self.login(role)
            for url in urls:
                self.assertGreaterEqual(self.client.get(url).status_code, 400, f"{role} {url}")
            for url, data in posts:
                self.assertGreaterEqual(
                    self.client.post(url, data).status_code, 400, f"{role} {url}"
                )
            for url in (reverse("manage-users") + "?q=350502", reverse("manage-units")):
                response = self.client.get(url)
                self.assertNotIn("inspector_350502", response.content.decode(), f"{role} {url}")
                self.assertNotIn(
                    self.other_station.name, response.content.decode(), f"{role} {url}"
                )
            self.client.logout()
        foreign.refresh_from_db()
        self.other_station.refresh_from_db()
        self.assertEqual((foreign.is_active, foreign.password), (True, password))
        self.assertEqual((foreign.role, foreign.last_name), ("inspector", "鲤城区"))
        self.assertNotEqual(self.other_station.name, "改名")

    def test_it_never_lists_another_countys_records(self):
        for role in ROLES:
            self.login(role)
            for url in [
                reverse("entity-list"),
                "/api/directory/entities",
                reverse("inspector-list"),
                "/api/inspectors/inspectors",
                reverse("entity-list") + "?q=鲤城",
                f"/api/directory/entities?q={self.other_entity.uid}",
            ]:
                response = self.client.get(url)
                if response.status_code == 200:
                    body = response.content.decode()
                    self.assertNotIn(self.other_entity.uid, body, f"{role} {url}")
                    self.assertNotIn(self.other_inspector.badge_no, body, f"{role} {url}")
            self.client.logout()

    def test_it_serves_own_county_to_roles_that_may_read(self):
        expected = {
            "admin": 200,
            "planner": 200,
            "business": 200,
            "head": 200,
            "inspector": 200,
            "joint": 403,  # 联合部门只见本部门参与的任务抽中的对象（见 draws/tests/test_joint_access.py）
            "witness": 200,
        }
        for role, status in expected.items():
            self.login(role)
            response = self.client.get(reverse("entity-detail", args=[self.entity.uid]))
            self.assertEqual(response.status_code, status, role)
            self.client.logout()

    def test_station_roles_see_only_their_station(self):
        self.login("head")
        self.assertEqual(
            self.client.get(reverse("entity-detail", args=[self.entity.uid])).status_code, 200
        )
        self.assertRefused(self.client.get(reverse("entity-detail", args=[self.entity2.uid])))
        missing = self.client.get(reverse("entity-detail", args=["91350503000000000X"]))
        self.assertEqual(missing.status_code, 404)

    def test_inspector_role_cannot_browse_inspector_directory(self):
        self.login("inspector")
        self.assertEqual(self.client.get(reverse("inspector-list")).status_code, 403)
        self.assertEqual(self.client.get("/api/inspectors/inspectors").status_code, 403)

    def test_anonymous_is_sent_to_login_and_api_refuses(self):
        response = self.client.get(reverse("entity-list"))
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("login"), response["Location"])
        self.assertEqual(self.client.get("/api/directory/entities").status_code, 401)

    def test_user_without_unit_sees_nothing(self):
        user = self.user("planner")
        user.unit = None
        user.save()
        self.client.force_login(user)
        self.assertEqual(self.client.get(reverse("entity-list")).status_code, 403)
        self.assertEqual(scope.scoped(type(self.entity).objects.all(), user).count(), 0)

    def test_token_auth_uses_the_same_scope(self):
        _, raw = ApiToken.issue(self.user("planner"), "对接测试")
        auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        ok = self.client.get(f"/api/directory/entities/{self.entity.uid}", **auth)
        self.assertEqual(ok.status_code, 200)
        self.assertEqual(ok.json()["name"], "泉州鑫源贸易有限公司")
        foreign = self.client.get(f"/api/directory/entities/{self.other_entity.uid}", **auth)
        self.assertRefused(foreign)
        missing = self.client.get("/api/directory/entities/91350503000000000X", **auth)
        self.assertEqual(missing.status_code, 404)
        listing = self.client.get("/api/directory/entities", **auth).json()
        self.assertEqual(
            {e["uid"] for e in listing["results"]}, {self.entity.uid, self.entity2.uid}
        )
        bad = self.client.get("/api/directory/entities", HTTP_AUTHORIZATION="Bearer nope")
        self.assertEqual(bad.status_code, 401)

    def test_openapi_is_published(self):
        response = self.client.get("/api/openapi.json")
        self.assertEqual(response.status_code, 200)
        self.assertIn("/api/directory/entities", response.json()["paths"])


class ErrorPageTests(BaseTestCase):
    def test_missing_and_forbidden_pages_are_chinese_with_a_way_home(self):
        from django.test import override_settings

        with override_settings(DEBUG=False):
            self.login("inspector")
            missing = self.client.get(reverse("entity-detail", args=["91350503000000000X"]))
            self.assertEqual(missing.status_code, 404)
            self.assertContains(missing, "找不到这个页面", status_code=404)
            self.assertContains(missing, "回到工作台", status_code=404)
            forbidden = self.client.get(reverse("inspector-list"))
            self.assertContains(forbidden, "没有权限", status_code=403)
            # 存在但不在辖区内：403，说明原因，而不是“找不到”
            other = self.client.get(reverse("entity-detail", args=[self.other_entity.uid]))
            self.assertContains(other, "没有权限", status_code=403)
            self.assertContains(other, "这条记录不在您的辖区内", status_code=403)
            self.assertNotContains(other, "找不到", status_code=403)


class ExportScopeTests(BaseTestCase):
    def test_exports_never_carry_another_countys_rows(self):
        for role in ROLES:
            self.login(role)
            for kind in ("entities", "inspectors", "items"):
                for query in ("", f"?unit={self.other_station.pk}", f"?q={self.other_entity.uid}"):
                    response = self.client.get(
                        reverse("export", args=[kind])
                        + query
                        + ("&" if query else "?")
                        + "format=csv"
                    )
                    if response.status_code != 200:
                        continue
                    body = (
                        b"".join(response.streaming_content)
                        if response.streaming
                        else response.content
                    )
                    text = body.decode("utf-8-sig")
                    self.assertNotIn(self.other_entity.uid, text, f"{role} {kind} {query}")
                    self.assertNotIn(self.other_inspector.badge_no, text, f"{role} {kind} {query}")
            self.client.logout()

    def test_planner_export_contains_own_rows(self):
        self.login("planner")
        response = self.client.get(reverse("export", args=["entities"]) + "?format=csv")
        self.assertEqual(response.status_code, 200)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        self.assertIn(self.entity.uid, body.decode("utf-8-sig"))


class ProductionLikeTests(BaseTestCase):
    """`make demo` 与生产一样：DEBUG 关闭，静态文件由 WhiteNoise 提供，出错时是中文页面。"""

    def test_static_files_are_served_with_debug_off(self):
        from django.test import override_settings

        with override_settings(DEBUG=False):
            response = self.client.get("/static/shuangsui/site.css")
            self.assertEqual(response.status_code, 200)
            self.assertIn(b"table.list", b"".join(response.streaming_content))

    def test_a_server_error_shows_the_chinese_500_page(self):
        from django.test import Client, override_settings

        with override_settings(DEBUG=False, ROOT_URLCONF="shuangsui.core.tests.urls_boom"):
            client = Client(raise_request_exception=False)
            client.force_login(self.user("planner"))
            response = client.get("/boom/")
        self.assertEqual(response.status_code, 500)
        self.assertContains(response, "服务器出错了", status_code=500)
        self.assertNotContains(response, "Traceback", status_code=500)
        self.assertNotContains(response, "RuntimeError", status_code=500)

    def test_the_demo_runs_with_debug_off(self):
        from pathlib import Path

        makefile = (Path(__file__).resolve().parents[3] / "Makefile").read_text(encoding="utf-8")
        recipe = makefile.split("\ndemo:", 1)[1].split("\n\n", 1)[0]
        self.assertNotIn("DEBUG=1", recipe)
        self.assertNotIn("runserver", recipe)
        self.assertIn("gunicorn", recipe)
