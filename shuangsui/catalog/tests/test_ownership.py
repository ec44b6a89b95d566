"""抽查事项归制定单位和抽查主体部门：只有它们和系统管理员可以改，后台也一样。"""

from decimal import Decimal

from django.contrib.admin.sites import site
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.urls import reverse

from shuangsui.catalog.models import InspectionItem
from shuangsui.core.models import OrgUnit
from shuangsui.core.tests.base import BaseTestCase


class ItemOwnershipTests(BaseTestCase):
    def setUp(self):
        self.item = InspectionItem.objects.get(unit=self.county, code="FJSC-001")  # 信用监管股

    def test_it_names_who_may_change_an_item(self):
        for name in ("planner", "business", "admin"):
            self.assertIsNone(self.item.change_refused(self.user(name)), name)
        self.assertIsNone(self.item.change_refused(None))  # 系统身份（命令行）
        self.assertIn("丰泽区卫生健康局", self.item.change_refused(self.user("joint")))
        self.assertIn("没有修改抽查事项清单的权限", self.item.change_refused(self.user("witness")))
        self.assertIn("不在您的辖区内", self.item.change_refused(self.user("admin_350502")))
        own = InspectionItem(
            unit=self.county,
            code="J-1",
            name="卫生监督",
            department=OrgUnit.objects.get(code="350503D51"),
        )
        self.assertIsNone(own.change_refused(self.user("joint")))

    def test_it_refuses_the_admin_change_of_someone_elses_item(self):
        joint = self.user("joint")
        joint.is_staff = True
        joint.save()
        joint.user_permissions.add(
            *Permission.objects.filter(
                codename__in=["view_inspectionitem", "change_inspectionitem"]
            )
        )
        self.client.force_login(joint)
        url = reverse("admin:catalog_inspectionitem_change", args=[self.item.pk])
        response = self.client.post(url, {"code": "FJSC-001", "ratio_cap": "1", "kind": "general"})
        self.assertEqual(response.status_code, 403)
        self.item.refresh_from_db()
        self.assertEqual(self.item.ratio_cap, Decimal("0.05"))
        model_admin = site._registry[InspectionItem]
        request = RequestFactory().get(url)
        request.user = joint
        self.assertFalse(model_admin.has_change_permission(request, self.item))
        self.assertFalse(model_admin.has_delete_permission(request, self.item))
        planner = self.user("planner")
        planner.user_permissions.add(
            *Permission.objects.filter(codename__in=["change_inspectionitem"])
        )
        request.user = type(planner).objects.get(pk=planner.pk)  # 权限缓存重新读取
        self.assertTrue(model_admin.has_change_permission(request, self.item))
