"""我的检查任务：一页 20 户（检查人员多用手机，每户一张卡片）、总数与翻页；检查组成员与
待处理问题的片段（工作清单与匹配结果共用）。"""

from unittest import mock

from django.db import connection
from django.test import SimpleTestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shuangsui.inspections import services, views
from shuangsui.inspections.templatetags.inspections import (
    problem_badges,
    sheet_items,
    team_members,
)

from .helpers import MatchingTestCase


class WorklistPagingTests(MatchingTestCase):
    def test_it_shows_twenty_cards_a_page(self):
        self.assertEqual(views.WORKLIST_PER_PAGE, 20)

    def test_it_pages_the_worklist_and_keeps_the_total(self):
        self.login("planner")
        order = list(services.worklist(self.user("planner")).values_list("uid", flat=True))
        self.assertEqual(len(order), 10)
        seen = []
        with mock.patch.object(views, "WORKLIST_PER_PAGE", 4):
            for number, rows in ((1, 4), (2, 4), (3, 2)):
                page = self.client.get(reverse("worklist"), {"page": number}).content.decode()
                self.assertIn('共 <b id="worklist-count">10</b> 户', page)
                self.assertEqual(page.count('class="inspection-link"'), rows)
                self.assertIn(f"第 {number} 页 / 共 3 页", page)
                seen += [uid for uid in order if f'data-uid="{uid}"' in page]
        self.assertEqual(sorted(seen), sorted(order))
        # 每行：住所与联系、检查事项与要点、检查人员
        page = self.client.get(reverse("worklist")).content.decode()
        self.assertIn("福建省泉州市丰泽区东海大街8号", page)
        self.assertIn("林志强", page)
        self.assertIn('href="tel:13905951234"', page)
        self.assertIn("FJSC-011", page)
        self.assertIn('class="member"', page)

    def test_it_reads_the_rows_of_the_first_page_once(self):
        self.login("planner")
        with mock.patch.object(views, "WORKLIST_PER_PAGE", 4):
            with CaptureQueriesContext(connection) as seen:
                self.client.get(reverse("worklist"))
        ordered = [
            q
            for q in seen.captured_queries
            if '"inspections_inspection"."deadline" ASC' in q["sql"]
        ]
        self.assertEqual(len(ordered), 1)

    def inspector_with_work(self):
        """把演示账号“inspector”绑定到指派最多的检查人员，登录；返回其待检查的户数。"""
        person = max(self.people.values(), key=lambda p: p.assignments.filter(active=True).count())
        person.user = self.user("inspector")
        person.save()
        self.login("inspector")
        return services.worklist(self.user("inspector")).count()

    def test_an_inspectors_total_comes_with_the_page(self):
        """检查人员的工作清单：总数与一页的行同一条查询取出（COUNT(*) OVER ()），不另数一次。"""
        total = self.inspector_with_work()
        self.assertGreaterEqual(total, 3)
        pages = -(-total // 2)
        with mock.patch.object(views, "WORKLIST_PER_PAGE", 2):
            for number in range(1, pages + 1):
                with CaptureQueriesContext(connection) as seen:
                    page = self.client.get(reverse("worklist"), {"page": number}).content.decode()
                self.assertIn(f'共 <b id="worklist-count">{total}</b> 户', page)
                self.assertIn(f"第 {number} 页 / 共 {pages} 页", page)
                counts = [q["sql"] for q in seen.captured_queries if "COUNT(" in q["sql"].upper()]
                self.assertEqual(len(counts), 1, counts)
                self.assertIn("OVER ()", counts[0])

    def test_odd_page_numbers_page_like_elsewhere(self):
        """超出末页、小于 1 或极大时为末页，不是数字时为首页（同 Django 的 get_page）。"""
        total = self.inspector_with_work()
        pages = -(-total // 2)
        with mock.patch.object(views, "WORKLIST_PER_PAGE", 2):
            for number, shown in (("99", pages), ("0", pages), ("-2", pages), ("x", 1)):
                page = self.client.get(reverse("worklist"), {"page": number})
                self.assertEqual(page.status_code, 200)
                text = page.content.decode()
                self.assertIn(f"第 {shown} 页 / 共 {pages} 页", text, number)
                self.assertIn(f'共 <b id="worklist-count">{total}</b> 户', text)
            page = self.client.get(reverse("worklist"), {"page": str(10**30)})
            self.assertIn(f"第 {pages} 页 / 共 {pages} 页", page.content.decode())


def member(name, badge, *, officer=True, source="matched", department="", kind="officer"):
    return {
        "name": name,
        "badge_no": badge,
        "counts_as_officer": officer,
        "source": source,
        "department": department,
        "kind": kind,
    }


class FragmentTests(SimpleTestCase):
    def test_team_members_show_badges_departments_extras_and_sources(self):
        team = [
            member("张三", "S1", department="D02"),
            member("李四", "S2", source="direct"),
            member("王五", "FZ1", officer=False, source="extra", kind="auxiliary"),
        ]
        self.assertEqual(
            team_members(team),
            '<span class="member" data-badge="S1">张三（S1）</span>、'
            '<span class="member" data-badge="S2">李四（S2） <small class="badge">直接指派</small>'
            '</span>、<span class="member extra" data-badge="FZ1">王五（FZ1） <small class="muted">'
            '辅助检查人员，不计入执法人员</small> <small class="badge">额外成员</small></span>',
        )
        self.assertIn('张三（S1） <small class="muted">D02</small>', team_members(team, True))
        self.assertEqual(team_members([]), '<span class="muted">—</span>')
        self.assertIn("&lt;b&gt;", team_members([member("<b>", "S9")]))

    def test_sheet_items_are_built_once_per_task(self):
        sheet = {
            "items": [
                {"code": "FJSC-011", "name": "食品<经营>", "points": "进货查验、索证索票"},
                {"code": "FJSC-001", "name": "公示信息", "points": ""},
            ]
        }
        html = sheet_items(sheet)
        self.assertEqual(
            html,
            "<li><code>FJSC-011</code> 食品&lt;经营&gt;：进货查验、索证索票</li>"
            "<li><code>FJSC-001</code> 公示信息</li>",
        )
        sheet["items"] = []  # 同一任务的其他行共用已拼好的片段
        self.assertIs(sheet_items(sheet), html)

    def test_problem_badges_show_labels(self):
        self.assertEqual(
            problem_badges(["unmatched", "new_kind"]),
            '<span class="badge credit-C problem">随机匹配人员不足，待直接指派或跨区域匹配</span> '
            '<span class="badge credit-C problem">new_kind</span> ',
        )
        self.assertEqual(problem_badges([]), "")
