"""导入页面与 API：上传、结果页、错误表与错误报告下载、大小上限、权限。"""

import tempfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from shuangsui.core.models import ApiToken
from shuangsui.core.tests.base import BaseTestCase
from shuangsui.directory.models import Entity
from shuangsui.inspectors.models import Inspector
from shuangsui.jobs.testing import run_queued
from shuangsui.transfer import specs

from .helpers import bad_check_digit, csv_bytes, csv_rows, uid, xlsx_rows

HEADER = ["统一社会信用代码", "名称", "所属单位"]


def upload(data, name="主体.csv"):
    return SimpleUploadedFile(name, data, content_type="text/csv")


class ImportPageTests(BaseTestCase):
    def setUp(self):
        self.media = tempfile.TemporaryDirectory()  # 错误报告写到临时目录
        override = override_settings(MEDIA_ROOT=self.media.name)
        override.enable()
        self.addCleanup(override.disable)
        self.addCleanup(self.media.cleanup)

    def test_form_shows_expected_columns_and_templates(self):
        self.login("planner")
        response = self.client.get(reverse("import", args=["inspectors"]))
        self.assertEqual(response.status_code, 200)
        body = response.content.decode()
        for header in specs.INSPECTOR.headers:
            self.assertIn(header, body)
        self.assertIn(reverse("import-template", args=["inspectors", "xlsx"]), body)
        response = self.client.get(reverse("import-template", args=["inspectors", "xlsx"]))
        self.assertEqual(xlsx_rows(b"".join(response.streaming_content)), [specs.INSPECTOR.headers])
        response = self.client.get(reverse("import-template", args=["items", "csv"]))
        self.assertEqual(csv_rows(b"".join(response.streaming_content)), [specs.ITEM.headers])

    def test_roles_without_capability_get_403(self):
        self.login("inspector")
        self.assertEqual(self.client.get(reverse("import", args=["entities"])).status_code, 403)
        self.client.logout()
        self.login("business")  # 能改抽查事项，不能导入名录
        self.assertEqual(self.client.get(reverse("import", args=["entities"])).status_code, 403)
        self.assertEqual(self.client.get(reverse("import", args=["items"])).status_code, 200)
        self.client.logout()
        response = self.client.get(reverse("import", args=["entities"]))
        self.assertEqual(response.status_code, 302)  # 未登录转登录页

    def submit(self, kind, payload):
        """上传 → 转到后台任务页；工作进程（真的数据库后端）跑完后，任务页转到结果页。"""
        response = self.client.post(reverse("import", args=[kind]), payload)
        self.assertEqual(response.status_code, 302, response.content)
        self.assertIn("/jobs/", response["Location"])
        waiting = self.client.get(response["Location"])
        self.assertContains(waiting, "排队中")
        run_queued()
        return self.client.get(response["Location"], follow=True)

    def test_successful_upload(self):
        self.login("planner")
        data = csv_bytes([[uid("91350503MA0000101"), "页面导入有限公司", "35050301"]], HEADER)
        response = self.submit("entities", {"file": upload(data), "mode": "insert"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "导入成功")
        self.assertContains(response, "新增 1 条")
        self.assertTrue(Entity.objects.filter(name="页面导入有限公司").exists())

    def test_default_unit_from_form(self):
        self.login("planner")
        data = csv_bytes([[uid("91350503MA0000102"), "默认单位有限公司"]], HEADER[:2])
        response = self.submit(
            "entities", {"file": upload(data), "mode": "insert", "unit": self.station2.pk}
        )
        self.assertContains(response, "导入成功")
        self.assertEqual(Entity.objects.get(name="默认单位有限公司").unit, self.station2)
        response = self.client.post(
            reverse("import", args=["entities"]),
            {"file": upload(data), "mode": "insert", "unit": self.other_station.pk},
        )
        self.assertEqual(response.status_code, 400)  # 他县的单位不在选项里

    def test_failed_upload_shows_error_table_and_report(self):
        self.login("planner")
        bad = bad_check_digit(uid("91350503MA0000103"))
        data = csv_bytes(
            [[uid("91350503MA0000104"), "好", "35050301"], [bad, "坏", "35050301"]], HEADER
        )
        response = self.submit("entities", {"file": upload(data), "mode": "insert"})
        self.assertContains(response, "没有写入任何数据")
        self.assertContains(response, "第3行")
        self.assertContains(response, "下载错误报告（XLSX）")
        self.assertFalse(Entity.objects.filter(name="好").exists())
        token = response.context["token"]
        report = self.client.get(reverse("import-report", args=["entities", token]))
        self.assertEqual(report.status_code, 200)
        rows = xlsx_rows(b"".join(report.streaming_content))
        self.assertEqual(rows[0], ["行号", "列", "值", "原因"])
        self.assertEqual(rows[1][:3], [3, "统一社会信用代码", bad])
        self.assertIn("校验位错误", rows[1][3])
        self.client.logout()
        self.login("admin")  # 别人的报告看不到
        self.assertEqual(
            self.client.get(reverse("import-report", args=["entities", token])).status_code, 404
        )
        self.assertEqual(
            self.client.get(
                reverse("import-report", args=["entities", "..%2F..%2Fetc"])
            ).status_code,
            404,
        )

    @override_settings(IMPORT_MAX_BYTES=200)
    def test_oversize_upload_is_refused(self):
        self.login("planner")
        data = csv_bytes([[uid("91350503MA0000105"), "大" * 300, "35050301"]], HEADER)
        response = self.client.post(
            reverse("import", args=["entities"]), {"file": upload(data), "mode": "insert"}
        )
        self.assertEqual(response.status_code, 413)
        self.assertContains(response, "文件过大", status_code=413)
        self.assertEqual(Entity.objects.filter(name__startswith="大").count(), 0)

    def test_inspector_upload_page(self):
        self.login("admin")
        data = csv_bytes(
            [["35050300999", "页面人员", "35050301", "信用监管股"]],
            ["执法证号", "姓名", "所在单位", "所属部门"],
        )
        response = self.submit("inspectors", {"file": upload(data), "mode": "insert"})
        self.assertContains(response, "导入成功")
        self.assertEqual(Inspector.objects.get(badge_no="35050300999").department.code, "350503D01")


class ImportApiTests(BaseTestCase):
    def setUp(self):
        media = tempfile.TemporaryDirectory()
        override = override_settings(MEDIA_ROOT=media.name)
        override.enable()
        self.addCleanup(override.disable)
        self.addCleanup(media.cleanup)
        _, self.token = ApiToken.issue(self.user("planner"), "测试")

    def post(self, kind, data, token=None, **fields):
        return self.client.post(
            f"/api/import/{kind}",
            {"file": upload(data), **fields},
            headers={"Authorization": f"Bearer {token or self.token}"},
        )

    def test_counts_on_success(self):
        data = csv_bytes([[uid("91350503MA0000201"), "接口导入有限公司", "35050301"]], HEADER)
        response = self.post("entities", data, mode="insert")
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual((body["rows"], body["created"], body["updated"]), (1, 1, 0))
        response = self.post("entities", data, mode="upsert")
        self.assertEqual(response.json()["updated"], 1)

    def test_400_with_error_list(self):
        data = csv_bytes([[uid("91350503MA0000202"), "", "35050201"]], HEADER)
        response = self.post("entities", data)
        self.assertEqual(response.status_code, 400)
        body = response.json()
        self.assertEqual(body["total"], 2)
        self.assertEqual(
            [(e["row"], e["column"]) for e in body["errors"]], [(2, "名称"), (2, "所属单位")]
        )
        self.assertTrue(body["errors"][0]["message"].startswith("第2行 名称："))

    def test_items_and_permissions(self):
        data = csv_bytes(
            [["API-1", "接口事项", "5%", "一般"]], ["编号", "抽查事项名称", "抽查比例", "事项类别"]
        )
        self.assertEqual(self.post("items", data).status_code, 200)
        _, inspector_token = ApiToken.issue(self.user("inspector"), "测试")
        self.assertEqual(self.post("items", data, token=inspector_token).status_code, 403)
        self.assertEqual(
            self.client.post("/api/import/items", {"file": upload(data)}).status_code, 401
        )
        self.assertEqual(self.post("items", data, mode="replace").status_code, 422)
