"""用户与单位管理：辖区、最后一名管理员、不能停用自己、强制改密码、每个动作一条审计事件。"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from shuangsui.catalog.models import FollowUpMeasure, ResultCode
from shuangsui.core import services
from shuangsui.core.choices import Role, UnitLevel
from shuangsui.core.models import AuditEvent, OrgUnit, User

from .base import BaseTestCase

GOOD_PASSWORD = "Quanzhou-2026-ok"


class ManageServiceTests(BaseTestCase):
    def setUp(self):
        self.admin = self.user("admin")

    def events_since(self, mark):
        return list(AuditEvent.objects.filter(id__gt=mark).values_list("action", flat=True))

    def mark(self):
        last = AuditEvent.objects.order_by("-id").first()
        return last.id if last else 0

    def test_it_creates_a_user_in_a_station_with_one_event_and_a_one_time_password(self):
        mark = self.mark()
        user, raw = services.create_user(
            self.admin,
            username="zhang3",
            last_name="张",
            first_name="三",
            role=Role.INSPECTOR,
            unit=self.station,
        )
        self.assertEqual(len(raw), services.ONE_TIME_LENGTH)
        self.assertTrue(user.check_password(raw))
        self.assertTrue(user.must_change_password)
        self.assertFalse(user.is_staff)
        self.assertEqual(self.events_since(mark), ["user.created"])
        event = AuditEvent.objects.get(id__gt=mark)
        self.assertEqual(event.actor_id, self.admin.pk)
        self.assertEqual(event.scope_path, self.station.path)
        self.assertNotIn(raw, str(event.after))

    def test_it_refuses_a_unit_of_another_county(self):
        with self.assertRaises(ValidationError) as ctx:
            services.create_user(
                self.admin,
                username="x1",
                last_name="外",
                role=Role.INSPECTOR,
                unit=self.other_station,
            )
        self.assertIn("unit", ctx.exception.message_dict)
        self.assertFalse(User.objects.filter(username="x1").exists())

    def test_it_checks_a_password_set_by_the_admin_with_the_validators(self):
        with self.assertRaises(ValidationError) as ctx:
            services.create_user(
                self.admin,
                username="li4",
                last_name="李",
                role=Role.INSPECTOR,
                unit=self.station,
                password="12345678",
            )
        self.assertIn("password", ctx.exception.message_dict)
        user, raw = services.create_user(
            self.admin,
            username="li4",
            last_name="李",
            role=Role.INSPECTOR,
            unit=self.station,
            password=GOOD_PASSWORD,
        )
        self.assertIsNone(raw)
        self.assertTrue(user.check_password(GOOD_PASSWORD))

    def test_it_refuses_duplicate_usernames_and_non_admins(self):
        with self.assertRaises(ValidationError):
            services.create_user(
                self.admin,
                username="PLANNER",
                last_name="重",
                role=Role.INSPECTOR,
                unit=self.station,
            )
        with self.assertRaises(PermissionDenied):
            services.create_user(
                self.user("planner"),
                username="p9",
                last_name="计",
                role=Role.INSPECTOR,
                unit=self.station,
            )

    def test_joint_role_only_in_other_departments(self):
        health = OrgUnit.objects.get(code="350503D51")
        with self.assertRaises(ValidationError):
            services.create_user(
                self.admin, username="j2", last_name="联", role=Role.INSPECTOR, unit=health
            )
        with self.assertRaises(ValidationError):
            services.create_user(
                self.admin, username="j3", last_name="联", role=Role.JOINT_DEPT, unit=self.station
            )

    def test_it_edits_role_with_one_event_and_admin_role_sets_staff(self):
        target = self.user("planner")
        mark = self.mark()
        services.edit_user(
            self.admin,
            target,
            last_name=target.last_name,
            first_name=target.first_name,
            role=Role.ADMIN,
            unit=target.unit,
            phone="",
        )
        target.refresh_from_db()
        self.assertEqual(target.role, Role.ADMIN)
        self.assertTrue(target.is_staff)
        self.assertEqual(self.events_since(mark), ["user.edited"])
        event = AuditEvent.objects.get(id__gt=mark)
        self.assertEqual(event.before, {"role": "planner"})
        self.assertEqual(event.after, {"role": "admin"})

    def test_it_never_edits_another_countys_user(self):
        foreign = self.user("inspector_350502")
        with self.assertRaises(PermissionDenied):
            services.set_active(self.admin, foreign, False)
        with self.assertRaises(PermissionDenied):
            services.reset_password(self.admin, foreign)
        with self.assertRaises(PermissionDenied):
            services.edit_user(
                self.admin, foreign, last_name="改", role=Role.INSPECTOR, unit=foreign.unit
            )
        foreign.refresh_from_db()
        self.assertTrue(foreign.is_active)
        self.assertNotIn(foreign, services.managed_users(self.admin))

    def test_a_user_cannot_deactivate_themselves(self):
        services.create_user(
            self.admin, username="admin2", last_name="副", role=Role.ADMIN, unit=self.county
        )
        with self.assertRaisesMessage(ValidationError, "不能停用自己"):
            services.set_active(self.admin, self.admin, False)
        self.admin.refresh_from_db()
        self.assertTrue(self.admin.is_active)

    def test_the_last_admin_of_a_county_cannot_be_deactivated_or_demoted(self):
        city = self.county.parent
        city_admin = User.objects.create(username="city", role=Role.ADMIN, unit=city)
        with self.assertRaisesMessage(ValidationError, "最后一名系统管理员"):
            services.set_active(city_admin, self.admin, False)
        with self.assertRaisesMessage(ValidationError, "最后一名系统管理员"):
            services.edit_user(
                city_admin, self.admin, last_name="管", role=Role.PLANNER, unit=self.county
            )
        self.admin.refresh_from_db()
        self.assertEqual((self.admin.role, self.admin.is_active), (Role.ADMIN, True))
        # 鲤城区的管理员不算丰泽区的；丰泽区有了第二名管理员后就可以
        services.create_user(
            self.admin, username="admin2", last_name="副", role=Role.ADMIN, unit=self.county
        )
        services.set_active(city_admin, self.admin, False)
        self.admin.refresh_from_db()
        self.assertFalse(self.admin.is_active)

    def test_an_admin_cannot_change_their_own_role(self):
        services.create_user(
            self.admin, username="admin2", last_name="副", role=Role.ADMIN, unit=self.county
        )
        with self.assertRaisesMessage(ValidationError, "不能修改自己的角色"):
            services.edit_user(
                self.admin, self.admin, last_name="管", role=Role.PLANNER, unit=self.county
            )

    def test_deactivate_and_reactivate_write_one_event_each(self):
        target = self.user("inspector")
        mark = self.mark()
        services.set_active(self.admin, target, False)
        services.set_active(self.admin, target, False)  # 已停用：不再记
        services.set_active(self.admin, target, True)
        self.assertEqual(self.events_since(mark), ["user.deactivated", "user.reactivated"])
        self.assertTrue(User.objects.filter(pk=target.pk).exists())

    def test_reset_password_is_one_time_and_forces_a_change(self):
        target = self.user("inspector")
        mark = self.mark()
        raw = services.reset_password(self.admin, target)
        target.refresh_from_db()
        self.assertTrue(target.check_password(raw))
        self.assertTrue(target.must_change_password)
        self.assertEqual(self.events_since(mark), ["user.password_reset"])
        with self.assertRaises(ValidationError):
            services.reset_password(self.admin, target, "password")

    def test_a_password_reset_or_deactivation_revokes_the_users_api_tokens(self):
        from django.core.management import call_command

        target = self.user("inspector")
        raw = services.issue_token(target)
        other = services.issue_token(self.user("head"))
        auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        self.assertEqual(self.client.get("/api/catalog/items", **auth).status_code, 200)
        self.client.force_login(self.admin)
        response = self.client.post(reverse("manage-user-password", args=[target.pk]), {})
        self.assertEqual(response.status_code, 200)
        self.client.logout()
        self.assertEqual(self.client.get("/api/catalog/items", **auth).status_code, 401)
        self.assertFalse(target.tokens.filter(revoked=False).exists())
        event = AuditEvent.objects.filter(action="user.password_reset").order_by("-id").first()
        self.assertEqual(event.after["tokens_revoked"], 1)
        # 停用账号：令牌停用，恢复账号后也不复活
        raw = services.issue_token(target)
        mark = self.mark()
        services.set_active(self.admin, target, False)
        services.set_active(self.admin, target, True)
        self.assertEqual(self.events_since(mark), ["user.deactivated", "user.reactivated"])
        self.assertEqual(
            self.client.get("/api/catalog/items", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code,
            401,
        )
        # 命令行改密码（Django 的 changepassword）也停用令牌
        raw = services.issue_token(target)
        from unittest import mock

        with mock.patch("getpass.getpass", return_value=GOOD_PASSWORD):
            call_command("changepassword", target.username, stdout=open("/dev/null", "w"))
        self.assertEqual(
            self.client.get("/api/catalog/items", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code,
            401,
        )
        target.refresh_from_db()
        self.assertTrue(target.check_password(GOOD_PASSWORD))
        # 别人的令牌不受影响
        self.assertEqual(
            self.client.get("/api/catalog/items", HTTP_AUTHORIZATION=f"Bearer {other}").status_code,
            200,
        )

    def test_it_creates_and_renames_units_under_the_county_only(self):
        mark = self.mark()
        station = services.create_unit(
            self.admin, level=UnitLevel.STATION, name="新区市场监督管理所"
        )
        self.assertEqual(station.parent, self.county)
        self.assertTrue(station.path.startswith(self.county.path))
        self.assertRegex(station.code, r"^350503\d{2}$")
        self.assertEqual(OrgUnit.objects.filter(code=station.code).count(), 1)
        dept = services.create_unit(self.admin, level=UnitLevel.DEPARTMENT, name="网络交易监管股")
        self.assertTrue(dept.code.startswith("350503D"))
        services.rename_unit(self.admin, station, name="新区所", short_name="新区所")
        self.assertEqual(self.events_since(mark), ["unit.created", "unit.created", "unit.renamed"])
        self.assertTrue(
            all(
                e.scope_path.startswith(self.county.path)
                for e in AuditEvent.objects.filter(id__gt=mark)
            )
        )
        with self.assertRaises(ValidationError):
            services.create_unit(self.admin, level=UnitLevel.COUNTY, name="新县")
        with self.assertRaises(ValidationError):
            services.create_unit(self.admin, level=UnitLevel.STATION, name="新区所")
        with self.assertRaises(PermissionDenied):
            services.rename_unit(self.admin, self.other_station, name="改他县的所")
        with self.assertRaises(PermissionDenied):
            services.rename_unit(self.admin, self.county, name="改本局")
        self.assertEqual([u for u, _ in services.unit_tree(self.admin)][0], self.county)
        self.assertNotIn(self.other_station, [u for u, _ in services.unit_tree(self.admin)])


class ManagePageTests(BaseTestCase):
    def test_only_admins_see_the_nav_link_and_pages(self):
        self.login("admin")
        self.assertContains(self.client.get(reverse("home")), reverse("manage-users"))
        self.assertEqual(self.client.get(reverse("manage-users")).status_code, 200)
        self.assertEqual(self.client.get(reverse("manage-units")).status_code, 200)
        for role in ("planner", "head", "inspector", "witness", "joint"):
            self.login(role)
            self.assertNotContains(self.client.get(reverse("home")), reverse("manage-users"))
            for name in ("manage-users", "manage-units", "manage-user-new"):
                self.assertEqual(self.client.get(reverse(name)).status_code, 403, (role, name))

    def test_user_list_shows_own_county_only(self):
        self.login("admin")
        body = self.client.get(reverse("manage-users")).content.decode()
        self.assertIn("planner", body)
        self.assertNotIn("planner_350502", body)
        units = self.client.get(reverse("manage-units")).content.decode()
        self.assertIn(self.station.name, units)
        self.assertNotIn(self.other_station.name, units)

    def test_admin_creates_a_user_who_must_change_the_password_at_first_login(self):
        self.login("admin")
        response = self.client.post(
            reverse("manage-user-new"),
            {
                "username": "wang5",
                "last_name": "王",
                "first_name": "五",
                "unit": self.station.pk,
                "role": Role.INSPECTOR,
                "phone": "",
                "password": "",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Cache-Control"], "no-store")
        raw = response.context["raw"]
        self.assertContains(response, raw)
        self.client.logout()
        login = self.client.post(reverse("login"), {"username": "wang5", "password": raw})
        self.assertEqual(login.status_code, 302)
        # 其他页面都转到改密码页，接口答 403
        home = self.client.get(reverse("home"))
        self.assertRedirects(home, reverse("password-change"))
        self.assertEqual(self.client.get("/api/directory/entities").status_code, 403)
        self.assertContains(self.client.get(reverse("password-change")), "请先修改密码")
        weak = self.client.post(
            reverse("password-change"),
            {"old_password": raw, "new_password1": "12345678", "new_password2": "12345678"},
        )
        self.assertEqual(weak.status_code, 200)
        self.assertTrue(weak.context["form"].errors)
        done = self.client.post(
            reverse("password-change"),
            {"old_password": raw, "new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD},
        )
        self.assertRedirects(done, reverse("home"))
        self.assertEqual(self.client.get(reverse("home")).status_code, 200)
        user = User.objects.get(username="wang5")
        self.assertFalse(user.must_change_password)
        self.assertTrue(user.check_password(GOOD_PASSWORD))
        self.assertTrue(
            AuditEvent.objects.filter(
                action="user.password_changed", object_id=str(user.pk)
            ).exists()
        )

    def test_errors_are_chinese_beside_the_field(self):
        self.login("admin")
        response = self.client.post(
            reverse("manage-user-new"),
            {
                "username": "planner",
                "last_name": "重",
                "unit": self.station.pk,
                "role": Role.INSPECTOR,
                "password": "abc",
            },
        )
        self.assertEqual(response.status_code, 200)
        form = response.context["form"]
        self.assertIn("该用户名已被使用", form.errors["username"])
        self.assertFalse(User.objects.filter(last_name="重").exists())

    def test_another_countys_unit_cannot_be_posted(self):
        self.login("admin")
        response = self.client.post(
            reverse("manage-user-new"),
            {
                "username": "x9",
                "last_name": "外",
                "unit": self.other_station.pk,
                "role": "inspector",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("unit", response.context["form"].errors)
        self.assertFalse(User.objects.filter(username="x9").exists())

    def test_self_deactivation_is_refused_on_the_page(self):
        admin = self.login("admin")
        response = self.client.post(
            reverse("manage-user-active", args=[admin.pk]), {"active": "0"}, follow=True
        )
        self.assertContains(response, "不能停用自己的账号")
        admin.refresh_from_db()
        self.assertTrue(admin.is_active)

    def test_reset_and_deactivate_from_the_page(self):
        self.login("admin")
        target = self.user("inspector")
        response = self.client.post(
            reverse("manage-user-password", args=[target.pk]), {"password": ""}
        )
        raw = response.context["raw"]
        target.refresh_from_db()
        self.assertTrue(target.check_password(raw) and target.must_change_password)
        self.client.post(reverse("manage-user-active", args=[target.pk]), {"active": "0"})
        target.refresh_from_db()
        self.assertFalse(target.is_active)
        self.client.logout()
        self.assertEqual(
            self.client.post(
                reverse("login"), {"username": "inspector", "password": raw}
            ).status_code,
            200,  # 已停用：登录失败
        )

    def test_units_page_creates_and_renames(self):
        self.login("admin")
        response = self.client.post(
            reverse("manage-units"),
            {
                "level": "department",
                "name": "知识产权股",
                "short_name": "",
                "is_market_regulator": "on",
            },
        )
        self.assertRedirects(response, reverse("manage-units"))
        unit = OrgUnit.objects.get(name="知识产权股")
        self.assertEqual(unit.parent, self.county)
        self.client.post(reverse("manage-unit-rename", args=[unit.pk]), {"name": "知识产权科"})
        unit.refresh_from_db()
        self.assertEqual(unit.name, "知识产权科")
        foreign = self.client.get(reverse("manage-unit-rename", args=[self.other_station.pk]))
        self.assertEqual(foreign.status_code, 404)


class CodeTableAdminTests(BaseTestCase):
    def test_follow_up_measures_are_seeded(self):
        names = list(FollowUpMeasure.objects.values_list("name", flat=True))
        self.assertEqual(names[0], "无需后续处置")
        self.assertIn("列入严重违法失信名单", names)
        self.assertIn("移送司法机关", names)  # 后续处置应用补上的措施
        self.assertEqual(len(names), 10)

    def test_the_demo_admin_can_edit_code_tables_in_the_admin_site(self):
        self.login("admin")
        index = self.client.get("/admin/")
        self.assertEqual(index.status_code, 200)
        self.assertContains(index, "后续处置措施")
        self.assertContains(index, "检查结果代码")
        self.assertNotContains(index, "/admin/core/user/")  # 用户在 /manage/ 里管，后台不开放
        self.assertEqual(self.client.get("/admin/core/user/").status_code, 403)
        self.assertEqual(self.client.get("/admin/core/auditevent/").status_code, 403)
        mark = AuditEvent.objects.order_by("-id").first().id
        response = self.client.post(
            "/admin/catalog/followupmeasure/add/",
            {"code": "90", "name": "约谈", "order": "100", "active": "on"},
        )
        self.assertEqual(response.status_code, 302, response.content.decode()[:500])
        measure = FollowUpMeasure.objects.get(code="90")
        self.assertEqual(
            list(AuditEvent.objects.filter(id__gt=mark).values_list("action", flat=True)),
            ["followupmeasure.created"],
        )
        code = ResultCode.objects.first()
        change = self.client.get(f"/admin/catalog/resultcode/{code.pk}/change/")
        self.assertEqual(change.status_code, 200)
        self.assertNotContains(change, "deletelink")
        delete = self.client.post(
            f"/admin/catalog/followupmeasure/{measure.pk}/delete/", {"post": "yes"}
        )
        self.assertEqual(delete.status_code, 403)

    def test_other_roles_get_no_code_tables(self):
        planner = self.user("planner")
        User.objects.filter(pk=planner.pk).update(is_staff=True)
        self.login("planner")
        self.assertEqual(self.client.get("/admin/catalog/followupmeasure/").status_code, 403)


class ManageAuditLabelTests(BaseTestCase):
    def test_the_audit_list_names_the_administration_actions_in_chinese(self):
        from shuangsui.core.audit_labels import action_label

        admin = self.user("admin")
        services.set_active(admin, self.user("inspector"), False)
        services.create_unit(admin, level=UnitLevel.DEPARTMENT, name="网络交易监管股")
        self.assertEqual(action_label("user.deactivated"), "停用账号")
        self.login("admin")
        body = self.client.get(reverse("audit-list")).content.decode()
        self.assertIn("停用账号", body)
        self.assertIn("新建单位", body)
