"""平台写出的表格都经过同一个写出器（lib/exporters.py），且都不含会执行的公式。

一户主体名称是 `=HYPERLINK("http://x","y")`、住所和法定代表人也以公式字符开头时，
抽中名单 drawn.xlsx、检查组名单 groups.xlsx、名录导出（CSV、XLSX）、导入错误报告里，
它都只是文字。另有一个测试：除写出器外，任何模块都不得自己建 openpyxl 的 Workbook 或 csv.writer。
"""

import ast
import csv
import io
import re
import tempfile
from pathlib import Path

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import SimpleTestCase, override_settings
from django.urls import reverse

import shuangsui
from shuangsui.catalog.models import InspectionItem
from shuangsui.directory.models import Entity
from shuangsui.inspections.tests.helpers import MatchingTestCase, S
from shuangsui.inspectors.models import Inspector
from shuangsui.jobs.testing import run_queued
from shuangsui.lib import exporters

HYPERLINK = '=HYPERLINK("http://x","y")'
ADDRESS = "+cmd|' /C calc'!A0"
LEGAL_REP = " -2+3"  # 前导空格之后的公式
PHONE = "＝1+1"  # 全角等号
INSPECTOR = "@SUM(1+1)"
BASIS = "\t=1+1"

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def live(text):
    """表格软件会不会把这段文字当公式（与写出器的实现无关的独立判断）。"""
    if not isinstance(text, str) or not text:
        return False
    if text[0] in "\t\r\n":
        return True
    rest = text.lstrip(" \u3000\xa0")
    return rest[:1] in set("=+-@＝＋－＠") and not _NUMBER.fullmatch(rest)


class FormulaInjectionTests(MatchingTestCase):
    @classmethod
    def run_task(cls, **fields):
        # 抽取与派发之前把本所的主体、一名检查人员、事项依据改成“公式”
        Entity.objects.filter(pk__in=[e.pk for e in cls.here]).update(
            name=HYPERLINK, address=ADDRESS, legal_rep=LEGAL_REP, phone=PHONE
        )
        Inspector.objects.filter(badge_no__in=S).update(name=INSPECTOR)
        InspectionItem.objects.filter(code__in=cls.codes).update(legal_basis=BASIS)
        return super().run_task(**fields)

    def setUp(self):
        media = tempfile.TemporaryDirectory()  # 错误报告写到临时目录
        override = override_settings(MEDIA_ROOT=media.name)
        override.enable()
        self.addCleanup(override.disable)
        self.addCleanup(media.cleanup)

    def assert_inert_xlsx(self, data, expected):
        book = openpyxl.load_workbook(io.BytesIO(data))
        texts = []
        for sheet in book:
            for row in sheet.iter_rows():
                for cell in row:
                    self.assertNotEqual(cell.data_type, "f", (sheet.title, cell.coordinate))
                    self.assertFalse(live(cell.value), (sheet.title, cell.coordinate, cell.value))
                    if isinstance(cell.value, str):
                        texts.append(cell.value)
        for text in expected:  # 内容都在，只是前面多了一个单引号
            self.assertIn("'" + text, texts)
        return book

    def assert_inert_csv(self, data, expected):
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
        cells = [c for row in rows for c in row]
        self.assertEqual([c for c in cells if live(c)], [])
        for text in expected:
            self.assertIn("'" + text, cells)

    def body(self, response):
        self.assertEqual(response.status_code, 200)
        if response.streaming:
            return b"".join(response.streaming_content)
        return response.content

    def test_it_writes_no_live_formula_in_any_download(self):
        self.login("planner")
        drawn = self.body(self.client.get(reverse("draw-xlsx", args=[self.draw.pk])))
        book = self.assert_inert_xlsx(drawn, [HYPERLINK, ADDRESS])
        self.assertEqual(book.active["A3"].value, 1)  # 名次仍是数字
        groups = self.body(self.client.get(reverse("draw-groups-xlsx", args=[self.draw.pk])))
        self.assert_inert_xlsx(groups, [HYPERLINK, ADDRESS, LEGAL_REP, PHONE, BASIS])

        entities = reverse("export", args=["entities"])
        self.assert_inert_csv(
            self.body(self.client.get(entities)), [HYPERLINK, ADDRESS, LEGAL_REP, PHONE]
        )
        self.assert_inert_xlsx(
            self.body(self.client.get(entities, {"format": "xlsx"})),
            [HYPERLINK, ADDRESS, LEGAL_REP, PHONE],
        )
        people = reverse("export", args=["inspectors"])
        self.assert_inert_csv(self.body(self.client.get(people)), [INSPECTOR])
        self.assert_inert_xlsx(self.body(self.client.get(people, {"format": "xlsx"})), [INSPECTOR])

        # 导入错误报告：出错的值原样列出，也不能变成公式
        data = (
            "\ufeff统一社会信用代码,名称,所属单位\r\n"
            f'"{HYPERLINK.replace(chr(34), chr(34) * 2)}",好,35050301\r\n'
        ).encode()
        upload = SimpleUploadedFile("主体.csv", data, content_type="text/csv")
        response = self.client.post(
            reverse("import", args=["entities"]), {"file": upload, "mode": "insert"}
        )
        self.assertEqual(response.status_code, 302)  # 导入在后台运行
        run_queued()
        response = self.client.get(response["Location"], follow=True)
        report = self.client.get(
            reverse("import-report", args=["entities", response.context["token"]])
        )
        self.assert_inert_xlsx(self.body(report), [HYPERLINK])

    def test_it_keeps_numbers_and_plain_text(self):
        self.assertEqual(exporters.neutralise(-5), "-5")
        self.assertEqual(exporters.neutralise("-5"), "-5")
        self.assertEqual(exporters.neutralise("＝1"), "'＝1")
        self.assertEqual(exporters.neutralise("  =1"), "'  =1")
        self.assertEqual(exporters.neutralise("普通"), "普通")
        for text in (HYPERLINK, ADDRESS, LEGAL_REP, PHONE, BASIS, "-2+3"):
            self.assertEqual(exporters.unneutralise(exporters.neutralise(text)), text)


WRITER = Path(exporters.__file__).resolve()


def _output_writers(path):
    """文件里创建 openpyxl Workbook 或 csv.writer / csv.DictWriter 的地方：[(行号, 写法)]。"""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("openpyxl"):
            for alias in node.names:
                if alias.name in ("Workbook", "WriteOnlyCell"):
                    found.append((node.lineno, f"from {node.module} import {alias.name}"))
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute):
            owner = func.value.id if isinstance(func.value, ast.Name) else ""
            if func.attr == "Workbook" or (
                owner == "csv" and func.attr in ("writer", "DictWriter")
            ):
                found.append((node.lineno, f"{owner}.{func.attr}()"))
        elif isinstance(func, ast.Name) and func.id in ("Workbook", "DictWriter"):
            found.append((node.lineno, f"{func.id}()"))
    return found


class OneWriterTests(SimpleTestCase):
    def test_it_creates_workbooks_and_csv_writers_only_in_lib_exporters(self):
        root = Path(shuangsui.__file__).resolve().parent
        offenders = []
        for path in sorted(root.rglob("*.py")):
            if path == WRITER or "tests" in path.relative_to(root).parts:
                continue
            offenders += [
                f"{path.relative_to(root)}:{line} {what}" for line, what in _output_writers(path)
            ]
        self.assertEqual(offenders, [], "表格须经 shuangsui/lib/exporters.py 写出")
        # 检查本身管用：写出器自己就有这两种写法
        kinds = {what for _, what in _output_writers(WRITER)}
        self.assertIn("csv.writer()", kinds)
        self.assertIn("Workbook()", kinds)
