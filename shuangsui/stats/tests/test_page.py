"""统计页：表格、筛选、下载按钮与完整性检查（附去处理的链接）。"""

import io
from decimal import Decimal

from django.urls import reverse
from openpyxl import load_workbook

from shuangsui.catalog.models import InspectionItem
from shuangsui.plans import services as plans
from shuangsui.plans.tests.helpers import new_task
from shuangsui.stats import services

from .test_tables import StatsTestCase


class PageTests(StatsTestCase):
    def test_it_renders_the_table_with_filters_and_downloads(self):
        self.login("planner")
        response = self.client.get(reverse("stats"), {"year": 2026})
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn('id="stats-table"', html)
        self.assertIn('data-unit="35050302"', html)
        self.assertIn('colspan="5" scope="colgroup">年度企业抽查比例', html)
        self.assertIn('<div class="scroll-x">', html)
        self.assertIn("3% 低于下限 3.5%", html)
        self.assertIn(reverse("stats-download", args=["xlsx"]) + "?year=2026", html)

    def test_it_links_the_page_from_the_nav_for_planners_and_heads_only(self):
        for name, shown in (("planner", True), ("head", True), ("inspector", False)):
            self.login(name)
            html = self.client.get(reverse("home")).content.decode()
            self.assertEqual(reverse("stats") in html, shown, name)

    def test_it_downloads_the_filtered_table(self):
        self.login("planner")
        response = self.client.get(
            reverse("stats-download", args=["xlsx"]), {"year": 2026, "unit": "35050301"}
        )
        self.assertEqual(response.status_code, 200)
        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        self.assertEqual(sheet["A2"].value, f"填报单位：{self.station.name}")
        self.assertEqual(sheet["C8"].value, 12)

    def test_it_explains_a_bad_filter(self):
        self.login("planner")
        response = self.client.get(reverse("stats"), {"year": "二〇二六"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("年度应为数字", response.content.decode())


class CompletenessTests(StatsTestCase):
    def test_it_lists_enforcement_accounts_without_an_inspector_record(self):
        found = services.missing_inspectors(self.user("planner"))
        self.assertEqual(len(found), 2)  # 所长 head 与检查员 inspector
        self.assertIn("账号 head", found[0].text + found[1].text)
        self.people["35050310001"].user = self.user("inspector")
        self.people["35050310001"].save()
        found = services.missing_inspectors(self.user("planner"))
        self.assertEqual([f.text.split("账号 ")[1] for f in found], ["head）没有检查人员记录"])
        self.assertEqual(
            services.missing_inspectors(self.user("planner_350502"))[0].url_name, "import"
        )

    def test_it_flags_an_approved_task_over_a_lowered_cap(self):
        task = new_task(
            self.user("planner"),
            self.county,
            ("FJSC-001",),
            quota_mode="ratio",
            stratify="none",
            ratio=Decimal("0.03"),
        )
        plans.approve_task(task, self.user("leader"), allow_duplicates=True, duplicate_note="测试")
        self.assertEqual(services.tasks_over_cap(self.user("planner"), 2026), [])
        InspectionItem.objects.filter(unit=self.county, code="FJSC-001").update(
            ratio_cap=Decimal("0.02")
        )
        found = services.tasks_over_cap(self.user("planner"), 2026)
        self.assertEqual(len(found), 1)
        self.assertIn("抽查比例 3% 超过一般事项", found[0].text)
        self.assertEqual(found[0].url_args, (task.pk,))
        self.assertEqual(services.tasks_over_cap(self.user("planner_350502"), 2026), [])
        self.login("planner")
        html = self.client.get(reverse("stats"), {"year": 2026}).content.decode()
        self.assertIn(reverse("task-detail", args=[task.pk]), html)
        self.assertIn(reverse("import", args=["inspectors"]), html)
