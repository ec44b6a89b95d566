"""交换格式：公开接口（无需登录、限流、分页与增量拉取）、更正标记、CSV/XLSX/JSON 文件，只含公开的字段。"""

import csv
import datetime
import io
import json
import tempfile
from pathlib import Path

from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from shuangsui.plans.tests.helpers import PlansTestCase
from shuangsui.publicity import exchange
from shuangsui.publicity import services as publicity
from shuangsui.publicity.models import PublishedResult
from shuangsui.results import services as results
from shuangsui.results.tests.helpers import account

from .helpers import CREDIT_WORDS, MARKERS, UNPUBLISHED_TEXTS, build_public_world

URL = "/api/public/results"


def settle(minutes=5, rows=None):
    """把（刚写入的）公示行的更新时间往前挪：接口只给过了 SETTLE 的行。"""
    when = timezone.now() - datetime.timedelta(minutes=minutes)
    (rows if rows is not None else PublishedResult.objects.all()).update(updated_at=when)
    return when


class ExchangeTests(PlansTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.world = build_public_world(cls)

    def setUp(self):
        cache.clear()

    def pull(self, **params):
        response = self.client.get(URL, params)
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()

    def test_it_gives_every_published_row_without_login_in_the_documented_layout(self):
        settle()
        body = self.pull()
        self.assertEqual(body["layout"], exchange.LAYOUT)
        rows = {r["record_id"]: r for r in body["results"]}
        self.assertEqual(set(rows), set(PublishedResult.objects.values_list("pk", flat=True)))
        self.assertEqual(len(rows), 3)  # 更正前、更正后、撤回的；不予公示与待公示的不在其中
        for row in rows.values():
            self.assertEqual(list(row), exchange.KEYS)
        old = self.world["corrected"].published
        new = PublishedResult.objects.get(replaces=old)
        withdrawn = self.world["withdrawn"].published
        self.assertEqual(rows[old.pk]["correction"], "已更正")
        self.assertEqual(rows[old.pk]["marked_on"], old.corrected_on.isoformat())
        self.assertEqual(rows[new.pk]["correction"], "更正")
        self.assertEqual(rows[new.pk]["replaces"], old.pk)
        self.assertEqual(rows[withdrawn.pk]["correction"], "已撤回")
        task = self.world["task"]
        self.assertEqual(rows[new.pk]["task_code"], task.code)
        self.assertEqual(rows[new.pk]["task_name"], task.name)
        self.assertEqual(rows[new.pk]["uid"], self.world["corrected"].inspection.uid)
        self.assertEqual(rows[new.pk]["checked_on"], "2026-03-10")
        self.assertEqual(rows[new.pk]["result_codes"], ",".join(new.code_list))
        self.assertIn("B", rows[new.pk]["result_codes"].split(","))
        self.assertEqual(rows[new.pk]["result_text"], new.code_text)
        self.assertEqual(rows[new.pk]["followup"], "通报/移送其他部门")
        self.assertEqual(rows[withdrawn.pk]["followup"], "")
        self.assertEqual(rows[new.pk]["authority"], new.authority.name)

    def test_since_and_the_cursor_return_only_newer_rows_and_corrections_come_again(self):
        settle(minutes=10)
        first = self.pull()
        self.assertFalse(first["more"])
        self.assertEqual(len(first["results"]), 3)
        cursor = first["next"]
        self.assertEqual(self.pull(cursor=cursor)["results"], [])  # 没有新的
        self.assertEqual(self.pull(cursor=cursor)["next"], cursor)  # 空页交回原游标
        # 待公示的一户发布，再更正并发布：旧行带着“已更正”再出现，新行标“更正”
        pending = self.world["pending"]
        task = self.world["task"]
        planner, head = self.users["planner"], self.users["head"]
        publicity.publish(planner, task)
        settle(minutes=8, rows=PublishedResult.objects.filter(result=pending))
        second = self.pull(cursor=cursor)
        self.assertEqual([r["uid"] for r in second["results"]], [pending.inspection.uid])
        self.assertEqual(second["results"][0]["correction"], "现行")
        cursor = second["next"]
        user = account(pending.inspection.assignments.filter(active=True).first().inspector)
        new = results.correct(user, pending, "代码录错")
        results.submit(user, pending.inspection, pending.item, {"codes": ["1"]})
        results.approve(head, type(new).objects.get(pk=new.pk))
        publicity.publish(planner, task)
        settle(
            minutes=6, rows=PublishedResult.objects.filter(result__inspection=pending.inspection)
        )
        third = self.pull(cursor=cursor)
        marks = {r["correction"]: r for r in third["results"]}
        self.assertEqual(set(marks), {"已更正", "更正"})
        self.assertEqual(marks["更正"]["replaces"], marks["已更正"]["record_id"])
        # since：同样只给那个时间之后的
        since = (timezone.now() - datetime.timedelta(minutes=7)).isoformat()
        self.assertEqual(
            {r["record_id"] for r in self.pull(since=since)["results"]},
            {r["record_id"] for r in third["results"]},
        )

    def test_it_pages_with_the_cursor_and_holds_back_rows_still_being_written(self):
        settle()
        one = self.pull(limit=2)
        self.assertEqual(len(one["results"]), 2)
        self.assertTrue(one["more"])
        two = self.pull(limit=2, cursor=one["next"])
        self.assertEqual(len(two["results"]), 1)
        self.assertFalse(two["more"])
        ids = [r["record_id"] for r in one["results"] + two["results"]]
        self.assertEqual(len(set(ids)), 3)
        PublishedResult.objects.filter(pk=ids[0]).update(updated_at=timezone.now())
        self.assertEqual(self.pull(cursor=two["next"])["results"], [])  # 刚写入：还没给出

    def test_it_refuses_bad_input_in_chinese(self):
        response = self.client.get(URL, {"cursor": "不是游标"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("游标无法识别", response.json()["detail"])
        response = self.client.get(URL, {"since": "昨天"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("ISO 8601", response.json()["detail"])
        self.assertEqual(self.client.get(URL, {"limit": 0}).status_code, 422)
        self.assertEqual(self.client.get(URL, {"limit": 1001}).status_code, 422)

    def test_it_answers_429_after_60_requests_a_minute(self):
        self.assertEqual(self.client.get(URL).status_code, 200)
        for _ in range(publicity.SEARCH_LIMIT - 1):  # 同一分钟里同一来源的其余 59 次
            publicity.allow("127.0.0.1", bucket="api")
        response = self.client.get(URL)
        self.assertEqual(response.status_code, 429)
        self.assertIn("请求过于频繁", response.json()["detail"])

    def test_nothing_private_reaches_the_exchange(self):
        settle()
        for fmt in ("csv", "xlsx", "json"):
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / f"exchange.{fmt}"
                call_command("exchange", str(path), stdout=io.StringIO())
                if fmt == "xlsx":
                    book = load_workbook(path, read_only=True)
                    body = "\n".join(
                        "\t".join(str(c) for c in row if c is not None)
                        for row in book.active.iter_rows(values_only=True)
                    )
                else:
                    body = path.read_text(encoding="utf-8-sig")
            answer = json.dumps(self.client.get(URL).json(), ensure_ascii=False)
            bodies = [body, answer]
            for text in bodies:
                for field, marker in MARKERS.items():
                    self.assertNotIn(marker, text, f"{field} 出现在交换格式（{fmt}）")
                for unpublished in UNPUBLISHED_TEXTS:
                    self.assertNotIn(unpublished, text, fmt)
                for word in CREDIT_WORDS:
                    self.assertNotIn(word, text, fmt)
                self.assertIn("通报/移送其他部门", text)

    def test_the_files_have_the_documented_header_and_rows(self):
        settle()
        with tempfile.TemporaryDirectory() as tmp:
            out = io.StringIO()
            call_command("exchange", str(Path(tmp) / "x.csv"), stdout=out)
            self.assertIn("已导出 3 条", out.getvalue())
            rows = list(csv.reader(io.StringIO((Path(tmp) / "x.csv").read_text("utf-8-sig"))))
            self.assertEqual(rows[0], exchange.HEADERS)
            self.assertEqual(len(rows), 4)
            self.assertIn("任务编号", rows[0])
            self.assertIn("更正标记", rows[0])
            call_command("exchange", str(Path(tmp) / "x.json"), stdout=io.StringIO())
            data = json.loads((Path(tmp) / "x.json").read_text("utf-8"))
            self.assertEqual(data["layout"], exchange.LAYOUT)
            self.assertEqual([list(r) for r in data["rows"]], [exchange.KEYS] * 3)
            call_command("exchange", str(Path(tmp) / "x.xlsx"), stdout=io.StringIO())
            sheet = load_workbook(Path(tmp) / "x.xlsx", read_only=True).active
            self.assertEqual(list(next(sheet.iter_rows(values_only=True))), exchange.HEADERS)
            future = (timezone.now() + datetime.timedelta(days=1)).isoformat()
            out = io.StringIO()
            call_command("exchange", str(Path(tmp) / "y.csv"), "--since", future, stdout=out)
            self.assertIn("已导出 0 条", out.getvalue())
