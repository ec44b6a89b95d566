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


class DashboardTests(StatsTestCase):
    def test_it_shows_each_chart_with_its_table(self):
        self.login("planner")
        response = self.client.get(reverse("dashboard"), {"year": 2026})
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn("vendor/echarts/echarts.min.js", html)
        self.assertNotIn("cdn", html.lower())
        for key in ("plan", "stations", "codes", "credit", "overdue"):
            self.assertIn(f'id="chart-{key}"', html)
            self.assertIn(f'id="table-{key}"', html)
        charts = {c["id"]: c for c in response.context["chart_data"]}
        stations = charts["stations"]
        self.assertEqual(stations["categories"][:2], [self.station.name, self.station2.name])
        self.assertEqual(
            [s["data"][:2] for s in stations["series"]], [[11, 12], [2, 1], [3, 1], [1, 1]]
        )
        codes = dict(
            zip(charts["codes"]["categories"], charts["codes"]["series"][0]["data"], strict=True)
        )
        self.assertEqual(codes["A 发现问题待后续处理"], 2)
        self.assertEqual(codes["6 通过登记的住所（经营场所）无法联系"], 1)
        self.assertEqual(codes["1 未发现问题"], 1)
        credit = charts["credit"]["series"][0]["data"]
        self.assertEqual(credit[1], 100.0)  # 抽中的企业都是 B 类
        self.assertIn("完整性检查", html)
        self.assertIn(reverse("import", args=["inspectors"]), html)

    def test_a_station_head_sees_only_their_station(self):
        self.login("head")
        response = self.client.get(reverse("dashboard"), {"year": 2026})
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertNotIn(self.station2.name, html)
        charts = {c["id"]: c for c in response.context["chart_data"]}
        self.assertEqual(charts["stations"]["categories"], [self.station.name])
        self.assertEqual(charts["stations"]["series"][0]["data"], [11])

    def test_other_counties_and_inspectors_are_refused(self):
        self.login("inspector")
        self.assertEqual(self.client.get(reverse("dashboard")).status_code, 403)
        self.login("planner_350502")
        html = self.client.get(reverse("dashboard"), {"year": 2026}).content.decode()
        self.assertNotIn(self.station.name, html)
        response = self.client.get(reverse("dashboard"), {"year": 2026, "unit": "350503"})
        self.assertEqual(response.status_code, 400)

    def test_the_task_summary_page_prefills_the_figures(self):
        self.login("planner")
        response = self.client.get(reverse("stats-summary", args=[self.draw.task_id]))
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn("本次抽查抽查户数 10，已检查 3，发现问题 2", html)
        self.login("planner_350502")
        response = self.client.get(reverse("stats-summary", args=[self.draw.task_id]))
        self.assertEqual(response.status_code, 404)

    def test_the_statistics_page_breaks_down_by_task(self):
        self.login("planner")
        response = self.client.get(reverse("stats"), {"year": 2026, "by": "task"})
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn(self.t3.code, html)
        self.assertNotIn("年度企业抽查比例</th>", html)
        response = self.client.get(
            reverse("stats-download", args=["csv"]), {"year": 2026, "by": "item"}
        )
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        self.assertIn("FJSC-011", text)
