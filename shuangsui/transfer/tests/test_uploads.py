"""上传大小上限：导入页面与导入 API 同一个上限，同样提前拒绝（413，中文说明）。

- 声明的 Content-Length 超限：请求体一个字节也不读（用一个会记下读了多少的请求体来验证）；
- 长度在余量以内但文件超限：收到上限即停，同样 413，什么也不写。
"""

import io
import tempfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from shuangsui.core.models import ApiToken
from shuangsui.core.tests.base import BaseTestCase
from shuangsui.directory.models import Entity
from shuangsui.jobs.testing import run_queued

from .helpers import csv_bytes, uid

HEADER = ["统一社会信用代码", "名称", "所属单位"]
LIMIT = 4096
BOUNDARY = "----shuangsui-test-boundary"


class CountingBody(io.RawIOBase):
    """一个 `size` 字节的 multipart 请求体（文件内容是一行行合法的 CSV），记下被读走了多少。"""

    def __init__(self, size):
        self.head = (
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="file"; filename="big.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
            "统一社会信用代码,名称,所属单位\r\n"
        ).encode()
        self.size = size
        self.taken = 0

    def readable(self):
        return True

    def _bytes(self, n):
        start, end = self.taken, min(self.size, self.taken + n)
        self.taken = end
        out = bytearray()
        for pos in range(start, end, 65536):
            chunk_end = min(end, pos + 65536)
            if pos < len(self.head):
                piece = self.head[pos:chunk_end]
                out += piece + b"x" * (chunk_end - pos - len(piece))
            else:
                out += b"x" * (chunk_end - pos)
        return bytes(out)

    def read(self, n=-1):
        left = self.size - self.taken
        return self._bytes(left if n is None or n < 0 else min(n, left))

    def readline(self, n=-1):
        return self.read(n if n and n > 0 else 65536)


def upload(data, name="主体.csv"):
    return SimpleUploadedFile(name, data, content_type="text/csv")


def oversized_csv():
    rows = [[uid(f"91350503MA{n:07d}"), f"超限测试商行{n}", "35050301"] for n in range(1, 200)]
    data = csv_bytes(rows, HEADER)
    assert LIMIT < len(data) < LIMIT + 64 * 1024  # 声明的长度在余量以内：靠边收边数拦下
    return data


@override_settings(IMPORT_MAX_BYTES=LIMIT)
class UploadLimitTests(BaseTestCase):
    def setUp(self):
        media = tempfile.TemporaryDirectory()
        override = override_settings(MEDIA_ROOT=media.name)
        override.enable()
        self.addCleanup(override.disable)
        self.addCleanup(media.cleanup)
        _, self.token = ApiToken.issue(self.user("planner"), "测试")

    def send_declared(self, path, size, **extra):
        body = CountingBody(size)
        response = self.client.generic(
            "POST",
            path,
            b"",
            CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",
            CONTENT_LENGTH=str(size),
            **{"wsgi.input": body},
            **extra,
        )
        return response, body

    def test_the_api_refuses_a_declared_oversize_body_without_reading_it(self):
        size = 20 * 1024 * 1024
        response, body = self.send_declared(
            "/api/import/entities", size, HTTP_AUTHORIZATION=f"Bearer {self.token}"
        )
        self.assertEqual(response.status_code, 413)
        self.assertIn("文件过大", response.json()["detail"])
        self.assertIn("超过上限 4.0 KB", response.json()["detail"])
        self.assertEqual(body.taken, 0)

    def test_the_page_refuses_a_declared_oversize_body_without_reading_it(self):
        self.login("planner")
        size = 20 * 1024 * 1024
        response, body = self.send_declared(reverse("import", args=["entities"]), size)
        self.assertContains(response, "文件过大", status_code=413)
        self.assertContains(response, "请拆分后分批导入", status_code=413)
        self.assertEqual(body.taken, 0)

    def test_the_api_stops_an_undeclared_oversize_file_at_the_limit(self):
        response = self.client.post(
            "/api/import/entities",
            {"file": upload(oversized_csv()), "mode": "insert"},
            headers={"Authorization": f"Bearer {self.token}"},
        )
        self.assertEqual(response.status_code, 413, response.content)
        self.assertIn("文件过大", response.json()["errors"][0]["reason"])
        self.assertFalse(Entity.objects.filter(name__startswith="超限测试").exists())

    def test_the_page_stops_an_undeclared_oversize_file_at_the_limit(self):
        self.login("planner")
        response = self.client.post(
            reverse("import", args=["entities"]),
            {"file": upload(oversized_csv()), "mode": "insert"},
        )
        self.assertContains(response, "文件过大", status_code=413)
        self.assertFalse(Entity.objects.filter(name__startswith="超限测试").exists())

    def test_a_file_within_the_limit_is_imported_by_both(self):
        rows = [[uid("91350503MA0000301"), "限内商行", "35050301"]]
        response = self.client.post(
            "/api/import/entities",
            {"file": upload(csv_bytes(rows, HEADER)), "mode": "insert"},
            headers={"Authorization": f"Bearer {self.token}"},
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.login("planner")
        rows = [[uid("91350503MA0000302"), "限内商行二", "35050301"]]
        response = self.client.post(
            reverse("import", args=["entities"]),
            {"file": upload(csv_bytes(rows, HEADER)), "mode": "insert"},
        )
        self.assertEqual(response.status_code, 302)
        run_queued()
        response = self.client.get(response["Location"], follow=True)
        self.assertContains(response, "导入成功")

    def test_the_schema_declares_413(self):
        schema = self.client.get("/api/openapi.json").json()
        responses = schema["paths"]["/api/import/entities"]["post"]["responses"]
        self.assertIn("413", responses)
