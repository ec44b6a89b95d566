"""失败的导入也留痕：一条 <对象>.import_failed 事件，记文件、错误数与前几条错误，数据一行不写。"""

from django.urls import reverse

from shuangsui.core.models import AuditEvent
from shuangsui.core.tests.base import BaseTestCase
from shuangsui.directory.models import Entity
from shuangsui.transfer import services

from .helpers import csv_bytes, uid

HEADER = ["统一社会信用代码", "名称", "所属单位", "信用风险分类", "成立日期"]


class FailedImportAuditTests(BaseTestCase):
    def last_events(self, since):
        return list(AuditEvent.objects.filter(id__gt=since).order_by("id"))

    def test_it_records_one_event_for_a_failed_import(self):
        since = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
        entities = Entity.objects.count()
        data = csv_bytes(
            [
                [uid("91350503MA2XXXX0X"), "泉州甲有限公司", "35050301", "B", "2020-01-02"],
                ["不是代码", "泉州乙有限公司", "35050301", "B", "2020-01-02"],
            ],
            HEADER,
        )
        with self.assertRaises(services.ImportFailed):
            services.run_import("entities", data, "坏文件.csv", user=self.user("planner"))
        self.assertEqual(Entity.objects.count(), entities)
        (event,) = self.last_events(since)
        self.assertEqual(event.action, "entity.import_failed")
        self.assertEqual(event.actor_id, self.user("planner").pk)
        self.assertEqual(event.object_repr, "坏文件.csv")
        self.assertEqual(event.scope_path, self.county.path)
        self.assertEqual(event.after["errors"], 1)
        self.assertIn("第3行", event.after["first"][0])

    def test_a_successful_import_still_writes_one_event(self):
        since = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
        data = csv_bytes(
            [[uid("91350503MA2XXXX1X"), "泉州丙有限公司", "35050301", "B", "2020-01-02"]], HEADER
        )
        services.run_import("entities", data, "好文件.csv", user=self.user("planner"))
        self.assertEqual([e.action for e in self.last_events(since)], ["entity.imported"])

    def test_the_audit_page_names_the_failed_import_in_chinese(self):
        self.login("planner")
        with self.assertRaises(services.ImportFailed):
            services.run_import(
                "entities", csv_bytes([["x", "y"]], HEADER[:2]), "坏.csv", user=self.user("planner")
            )
        response = self.client.get(reverse("audit-list"), {"action": "entity.import_failed"})
        self.assertContains(response, "导入市场主体失败")
        self.assertContains(response, "坏.csv")
