"""检查对象页与结果录入页少查库：从未有结果审核通过时不查后续处置；第 1 版没有旧版本可查，
更正后表单页列出旧版本；结果代码按层级缩进（停用的上级也算一层）。"""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shuangsui.catalog.models import ResultCode
from shuangsui.results import services
from shuangsui.results.views import _code_rows

from .helpers import ResultsTestCase


def tables(seen):
    return " ".join(q["sql"] for q in seen.captured_queries)


class PageQueryTests(ResultsTestCase):
    def test_the_target_page_reads_follow_ups_only_after_an_approval(self):
        i = self.target()
        one = self.officers(i)[0]
        self.client.force_login(one.user)
        url = reverse("result-target", args=[i.pk])
        with CaptureQueriesContext(connection) as seen:
            self.assertEqual(self.client.get(url).status_code, 200)
        self.assertNotIn("followups_followup", tables(seen))
        data = self.data(i, codes=["3"], facts="未查验进货票据")
        result = services.submit(one.user, i, self.item, data)
        with CaptureQueriesContext(connection) as seen:
            self.client.get(url)
        self.assertNotIn("followups_followup", tables(seen))
        services.approve(self.users["head"], result)
        page = self.client.get(url)
        self.assertContains(page, 'id="followup-needed"')
        # 更正后现行版本是草稿，旧版本的后续处置仍要显示
        services.correct(one.user, result, "检查日期录错")
        with CaptureQueriesContext(connection) as seen:
            self.assertContains(self.client.get(url), "后续处置")
        self.assertIn("followups_followup", tables(seen))

    def test_the_entry_page_lists_earlier_versions_after_a_correction(self):
        i = self.target()
        one = self.officers(i)[0]
        self.client.force_login(one.user)
        url = reverse("result-form", args=[i.pk, self.item.pk])
        result = services.submit(one.user, i, self.item, self.data(i))
        with CaptureQueriesContext(connection) as seen:
            page = self.client.get(url)
        self.assertNotContains(page, "历史版本")
        versions = [
            q for q in seen.captured_queries if '"results_result"."version" DESC' in q["sql"]
        ]
        self.assertEqual(versions, [])
        services.approve(self.users["head"], result)
        services.correct(one.user, result, "检查日期录错")
        page = self.client.get(url)
        self.assertContains(page, "历史版本")
        self.assertContains(page, 'class="dl result-view" data-version="1"')
        self.assertContains(page, "第 2 版")


class CodeRowTests(ResultsTestCase):
    def test_codes_are_indented_by_their_parents(self):
        rows = {code: (depth, parent) for code, _name, depth, parent in _code_rows()}
        self.assertEqual(rows["A"], (0, ""))
        self.assertEqual(rows["2"], (1, "A"))
        self.assertEqual(rows["B"], (2, "2"))
        ResultCode.objects.filter(code="2").update(active=False)
        rows = {code: (depth, parent) for code, _name, depth, parent in _code_rows()}
        self.assertNotIn("2", rows)
        self.assertEqual(rows["B"], (1, "2"))
