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


class DraftSaveQueryTests(ResultsTestCase):
    """存草稿少查库：没有选的代码、方式与到场人员不去读代码表与检查组；留痕照写。"""

    def test_a_blank_draft_reads_no_code_tables(self):
        from shuangsui.core.models import AuditEvent

        i = self.target()
        one = self.officers(i)[0]
        blank = self.data(i, methods=[], codes=[], present=[], checked_from=None, checked_to=None)
        services.save_draft(one.user, i, self.item, blank)
        events = AuditEvent.objects.count()
        with CaptureQueriesContext(connection) as seen:
            result = services.save_draft(one.user, i, self.item, dict(blank, facts="店主不在"))
        sql = tables(seen)
        for table in ("catalog_resultcode", "catalog_checkmethod"):
            self.assertNotIn(table, sql)
        self.assertNotIn('SELECT "inspections_assignment"."inspector_id"', sql)  # 检查组名单
        # 留痕里的结果名称用已取出的事项，不再查事项表
        self.assertNotIn('FROM "catalog_inspectionitem"', sql)
        result.refresh_from_db()
        self.assertEqual((result.facts, result.methods, result.codes), ("店主不在", "", ""))
        self.assertEqual(AuditEvent.objects.count(), events + 2)  # 自动留痕与“存草稿”各一条
        self.assertIn(self.item.code, AuditEvent.objects.latest("id").object_repr)
        # 选了的照常校验、排序、补上级
        data = self.data(i, methods=["1"], codes=["1"])
        result = services.save_draft(one.user, i, self.item, data)
        self.assertEqual(result.method_list, ["1"])
        self.assertEqual(result.code_list, ["1"])
        self.assertEqual(result.present.count(), len(self.officers(i)))
