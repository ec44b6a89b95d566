"""核查方式代码表：迁移装入参考代码，系统管理员在后台新增、停用；表单只给有效的，旧记录照常显示，
导入按代码表校验。"""

from django.core.exceptions import ValidationError
from django.urls import reverse

from shuangsui.catalog import methods
from shuangsui.catalog.models import CheckMethod, InspectionItem
from shuangsui.core.models import AuditEvent, User
from shuangsui.core.tests.base import BaseTestCase
from shuangsui.plans import services as plans
from shuangsui.plans.forms import TaskForm
from shuangsui.plans.tests.helpers import new_task
from shuangsui.transfer.services import ImportFailed, import_items
from shuangsui.transfer.tests.helpers import ITEM_HEADER, csv_bytes


def item_row(code, methods_text):
    return [code, "方式测试", "", "", "", "", "5%", "", methods_text, "", "", "一般", ""]


class CheckMethodTableTests(BaseTestCase):
    def test_the_reference_methods_are_seeded_with_their_nature(self):
        rows = list(CheckMethod.objects.values_list("code", "name", "mode", "active"))
        self.assertEqual(len(rows), 6)
        self.assertEqual(rows[0], ("1", "实地检查", "on_site", True))
        self.assertEqual(rows[1][:3], ("2", "书面检查", "written"))
        self.assertEqual(rows[4][:3], ("5", "网络监测", "remote"))

    def test_the_admin_adds_and_deactivates_a_method_but_never_deletes_or_recodes(self):
        self.login("admin")
        self.assertContains(self.client.get("/admin/"), "核查方式")
        mark = AuditEvent.objects.order_by("-id").first().id
        response = self.client.post(
            "/admin/catalog/checkmethod/add/",
            {"code": "7", "name": "视频远程检查", "mode": "remote", "order": "70", "active": "on"},
        )
        self.assertEqual(response.status_code, 302, response.content.decode()[:500])
        video = CheckMethod.objects.get(code="7")
        self.assertEqual(
            list(AuditEvent.objects.filter(id__gt=mark).values_list("action", flat=True)),
            ["checkmethod.created"],
        )
        bad = self.client.post(
            "/admin/catalog/checkmethod/add/",
            {"code": "8,9", "name": "坏代码", "mode": "other", "order": "80"},
        )
        self.assertContains(bad, "代码只能由字母和数字组成")
        change = self.client.get(f"/admin/catalog/checkmethod/{video.pk}/change/")
        self.assertNotContains(change, 'name="code"')  # 代码只读
        self.assertNotContains(change, "deletelink")
        delete = self.client.post(f"/admin/catalog/checkmethod/{video.pk}/delete/", {"post": "yes"})
        self.assertEqual(delete.status_code, 403)
        User.objects.filter(pk=self.user("planner").pk).update(is_staff=True)
        self.login("planner")
        self.assertEqual(self.client.get("/admin/catalog/checkmethod/").status_code, 403)

    def test_forms_offer_active_methods_and_old_records_keep_an_inactive_one(self):
        planner = self.user("planner")
        task = new_task(planner, self.county, methods=["1", "6"])
        CheckMethod.objects.filter(code="6").update(active=False)
        methods.clear()
        fresh = TaskForm(user=planner)
        offered = dict(fresh.fields["methods"].choices)
        self.assertNotIn("6", offered)
        self.assertEqual(offered["1"], "实地检查")
        editing = TaskForm(user=planner, initial={"methods": task.method_list})
        self.assertEqual(dict(editing.fields["methods"].choices)["6"], "委托专业机构辅助（已停用）")
        # 旧任务照常显示停用方式的名称，改别的字段时可以保留它
        self.login("planner")
        page = self.client.get(reverse("task-detail", args=[task.pk]))
        self.assertContains(page, "实地检查、委托专业机构辅助")
        task = plans.update_task(task, planner, note="改备注")
        self.assertEqual(task.method_list, ["1", "6"])
        # 新选的停用方式、没有的代码都拒绝，错误放在“检查方式”旁
        with self.assertRaises(ValidationError) as caught:
            new_task(planner, self.county, methods=["6", "X"])
        errors = caught.exception.message_dict["methods"]
        self.assertIn("未知的核查方式代码：X", errors[0])
        self.assertIn("核查方式已停用：委托专业机构辅助", errors[0])

    def test_a_renamed_method_shows_its_new_name_at_once(self):
        item = InspectionItem.objects.get(unit=self.county, code="FJSC-001")
        item.methods = "1,2"
        self.assertEqual(item.method_labels, ["实地检查", "书面检查"])
        written = CheckMethod.objects.get(code="2")
        written.name = "书面核查"
        written.save()
        self.assertEqual(item.method_labels, ["实地检查", "书面核查"])

    def test_the_item_model_refuses_a_new_inactive_method_but_keeps_a_saved_one(self):
        item = InspectionItem.objects.get(unit=self.county, code="FJSC-001")
        item.methods = "1,4"
        item.save()
        CheckMethod.objects.filter(code="4").update(active=False)
        item.full_clean()  # 原有的停用方式可以留着
        item.methods = "1,4,5"
        item.full_clean()
        CheckMethod.objects.filter(code="5").update(active=False)
        with self.assertRaisesMessage(ValidationError, "核查方式已停用：网络监测"):
            item.full_clean()


class CheckMethodImportTests(BaseTestCase):
    def failure(self, rows):
        with self.assertRaises(ImportFailed) as caught:
            import_items(csv_bytes(rows, ITEM_HEADER), "事项.csv", user=self.user("planner"))
        return [(e.row, e.column, e.reason) for e in caught.exception.errors]

    def test_the_import_reads_the_table_names_aliases_and_refuses_inactive(self):
        CheckMethod.objects.create(code="7", name="视频远程检查", mode="remote", order=70)
        CheckMethod.objects.filter(code="6").update(active=False)
        result = import_items(
            csv_bytes([item_row("M-001", "视频远程检查、现场检查")], ITEM_HEADER),
            "事项.csv",
            user=self.user("planner"),
        )
        self.assertEqual(result.created, 1)
        item = InspectionItem.objects.get(unit=self.county, code="M-001")
        self.assertEqual(item.methods, "7,1")
        self.assertEqual(item.method_labels, ["视频远程检查", "实地检查"])
        errors = self.failure(
            [item_row("M-002", "委托专业机构辅助"), item_row("M-003", "委托专业机构")]
        )
        for row in (2, 3):
            self.assertIn(
                (row, "抽查方式"),
                [(r, c) for r, c, reason in errors if "未知的抽查方式或已停用" in reason],
            )
        self.assertIn("视频远程检查", errors[0][2])
        self.assertNotIn("委托专业机构辅助", errors[0][2].split("（")[1])
