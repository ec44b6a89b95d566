"""统计表：手算的答案、期间与单位的筛选、辖区、导出（XLSX 合并表头、CSV）、命令行与页面。

场景（丰泽区 350503，年度 2026；事项 FJSC-011 为重点事项，不受比例上限）：
- 东海所（35050301）：6 户 B 类企业（here），另有 1 户 A 类企业（A 类无事不扰，不进名单）；
- 城东所（35050302）：3 户 B 类企业（there），1 户 B 类个体工商户（entity2）。
任务：
- T1（基类 setUpTestData 的抽取）：分类比例 B=100%，差异化 → 东海 6 户，城东 4 户；
- T2：专业领域，不分层、统一比例 100% → 东海 6 户，城东 4 户（不计差异化占比）；
- T3：只抽城东所，不分层、统一比例 100% → 城东 4 户（计入占比，但不是差异化）；
- T4：同 T3，抽取后作废 → 一户也不算。
手算：
- 抽查任务数：东海 2（T1、T2），城东 3（T1、T2、T3），合计 3；
- 抽取户数：东海 12，城东 12，合计 24；
- 抽查企业数（去重、不含个体）：东海 6，城东 3，合计 9；
- 企业基数（2025 年末名录）：东海 7，城东 3；县以年度计划的基数 300 为准；
- 抽查比例：东海 6/7，城东 3/3，合计 9/300 = 3% < 3.5%（告警）；
- 差异化：东海 6/6；城东 4/8 = 50%；合计 10/14（低于 85%，告警）；
- 检查：城东一户改为已检查、东海一户已取消 → 已派发 东海 11、城东 12、合计 23，
  待检查 东海 11、城东 11、合计 22（有效抽取共 24 户）。
"""

import csv
import io
import tempfile
from decimal import Decimal
from pathlib import Path

from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from shuangsui.draws import services as draws
from shuangsui.inspections.models import Inspection
from shuangsui.inspections.tests.helpers import MatchingTestCase
from shuangsui.lib import exporters
from shuangsui.plans.models import AnnualPlan
from shuangsui.plans.tests.helpers import full_ceremony
from shuangsui.stats import services
from shuangsui.stats.exporters import StatsExporter

ONE = {"stratify": "none", "quota_mode": "ratio", "ratio": Decimal("1")}


class StatsTestCase(MatchingTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        planner, witness = cls.users["planner"], cls.users["witness"]
        cls.t2 = cls.new_task(professional=True, **ONE)
        full_ceremony(cls.t2, planner, witness)
        cls.t3 = cls.new_task(regions=[cls.station2], **ONE)
        full_ceremony(cls.t3, planner, witness)
        cls.t4 = cls.new_task(regions=[cls.station2], **ONE)
        voided = full_ceremony(cls.t4, planner, witness)
        draws.approve_void(draws.request_void(voided, planner, "测试作废"), cls.users["leader"])
        AnnualPlan.objects.create(
            unit=cls.county, kind="annual", year=2026, name="2026年度抽查计划", base_count=300
        )
        valid = Inspection.objects.filter(draw__status="completed").order_by("id")
        west = valid.filter(station=cls.station2).first()
        east = valid.filter(station=cls.station).first()
        Inspection.objects.filter(pk=west.pk).update(status="completed")
        Inspection.objects.filter(pk=east.pk).update(status="cancelled")

    def table(self, user="planner", **kwargs):
        return services.yearly_table(self.user(user), 2026, **kwargs)

    @staticmethod
    def by_unit(table):
        return {"合计" if row.total else row.unit.code: row.figures for row in table.all_rows}


class FigureTests(StatsTestCase):
    def test_it_counts_every_figure_by_hand(self):
        rows = self.by_unit(self.table())
        east, west, total = rows["35050301"], rows["35050302"], rows["合计"]
        self.assertEqual(
            [east[k] for k in ("tasks", "targets", "enterprises", "base")], [2, 12, 6, 7]
        )
        self.assertEqual(
            [west[k] for k in ("tasks", "targets", "enterprises", "base")], [3, 12, 3, 3]
        )
        self.assertEqual(
            [total[k] for k in ("tasks", "targets", "enterprises", "base")], [3, 24, 9, 300]
        )
        self.assertEqual(east["ratio"], Decimal(6) / 7)
        self.assertEqual(west["ratio"], 1)
        self.assertEqual(total["ratio"], Decimal("0.03"))
        self.assertEqual((east["share_total"], east["share_diff"]), (6, 6))
        self.assertEqual(
            (west["share_total"], west["share_diff"], west["share"]), (8, 4, Decimal("0.5"))
        )
        self.assertEqual((total["share_total"], total["share_diff"]), (14, 10))
        self.assertEqual((total["dispatched"], total["pending"]), (23, 22))
        self.assertEqual((east["dispatched"], east["pending"]), (11, 11))
        self.assertEqual((west["dispatched"], west["pending"]), (12, 11))

    def test_it_warns_under_the_region_minimums(self):
        warnings = self.table().warnings
        self.assertIn("合计：年度企业抽查比例 3% 低于下限 3.5%", warnings)
        self.assertTrue(any(w.startswith("合计：差异化抽查户数占比") for w in warnings))
        self.assertTrue(
            any(w.startswith(f"{self.station2.name}：差异化抽查户数占比 50") for w in warnings)
        )
        self.assertFalse(any(w.startswith(self.station.name) for w in warnings))

    def test_it_uses_the_directory_count_without_a_plan_base(self):
        AnnualPlan.objects.update(base_count=None)
        self.assertEqual(self.by_unit(self.table())["合计"]["base"], 10)

    def test_it_filters_by_period(self):
        completed = Inspection.objects.first().draw.completed_at
        quarter = f"Q{(completed.month - 1) // 3 + 1}"
        other = "Q1" if quarter != "Q1" else "Q2"
        self.assertEqual(self.by_unit(self.table(period=quarter))["合计"]["targets"], 24)
        empty = self.by_unit(self.table(period=other))["合计"]
        self.assertEqual((empty["tasks"], empty["targets"], empty["dispatched"]), (0, 0, 0))
        self.assertEqual(empty["enterprises"], 9)  # 年度企业抽查比例总按全年
        with self.assertRaisesMessage(services.StatsError, "统计期间"):
            self.table(period="Q5")

    def test_it_filters_by_unit(self):
        table = self.table(unit_code="35050302")
        self.assertEqual([r.label for r in table.all_rows], ["合计"])
        self.assertEqual(table.total.figures["targets"], 12)
        self.assertEqual(table.total.figures["base"], 3)


class ScopeTests(StatsTestCase):
    def test_it_shows_a_station_only_itself(self):
        table = self.table("head")
        self.assertEqual(table.unit, self.station)
        self.assertEqual(table.total.figures["targets"], 12)
        self.assertEqual(table.total.figures["enterprises"], 6)
        with self.assertRaisesMessage(services.StatsError, "不在您的辖区内"):
            self.table("head", unit_code="35050302")

    def test_it_never_shows_another_county(self):
        table = self.table("planner_350502")
        self.assertEqual(table.total.figures["targets"], 0)
        self.assertEqual(table.total.figures["tasks"], 0)
        with self.assertRaisesMessage(services.StatsError, "不在您的辖区内"):
            self.table("planner_350502", unit_code="35050301")
        self.login("planner_350502")
        response = self.client.get(reverse("stats"), {"year": 2026, "unit": "350503"})
        self.assertEqual(response.status_code, 400)
        self.assertNotIn(self.station.name, response.content.decode())

    def test_it_shows_a_city_its_counties_side_by_side(self):
        from shuangsui.core.models import User

        city = self.county.parent
        user = User.objects.create(username="city", role="planner", unit=city)
        rows = self.by_unit(services.yearly_table(user, 2026))
        self.assertEqual(set(rows), {"350503", "350502", "合计"})
        self.assertEqual(rows["350503"]["targets"], 24)
        self.assertEqual(rows["350502"]["targets"], 0)
        self.assertEqual(rows["350503"]["base"], 300)
        self.assertEqual(rows["合计"]["base"], 300 + rows["350502"]["base"])

    def test_it_refuses_roles_that_neither_plan_nor_lead(self):
        self.login("inspector")
        self.assertEqual(self.client.get(reverse("stats")).status_code, 403)
        with self.assertRaises(services.StatsError):
            self.table("inspector")


class ExportTests(StatsTestCase):
    def test_it_writes_xlsx_with_title_and_merged_header(self):
        table = self.table()
        data = exporters.to_bytes(StatsExporter(table, self.user("planner")), "xlsx")
        sheet = load_workbook(io.BytesIO(data)).active
        self.assertEqual(sheet["A1"].value, "2026年“双随机、一公开”抽查统计表")
        self.assertEqual(sheet["A2"].value, f"填报单位：{self.county.name}")
        self.assertEqual(sheet["A3"].value, "统计期间：2026年全年")
        self.assertTrue(sheet["A4"].value.startswith("填报人："))
        self.assertTrue(sheet["A5"].value.startswith("填报日期："))
        merged = {str(r) for r in sheet.merged_cells.ranges}
        self.assertEqual(merged, {"A6:A7", "B6:C6", "D6:E6", "F6:H6", "I6:K6"})
        self.assertEqual(sheet["A6"].value, "单位")
        self.assertEqual(sheet["F6"].value, "年度企业抽查比例")
        self.assertEqual([c.value for c in sheet[7]][1:4], ["抽查任务数", "抽取户数", "已派发"])
        values = {row[0]: row for row in sheet.iter_rows(min_row=8, values_only=True)}
        self.assertEqual(values[self.station.name][1:5], (2, 12, 11, 11))
        self.assertEqual(values["合计"][1:], (3, 24, 23, 22, 9, 300, "3%", 14, 10, "71.43%"))

    def test_it_writes_csv_with_grouped_header(self):
        data = exporters.to_bytes(StatsExporter(self.table(), self.user("planner")), "csv")
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        self.assertEqual(rows[5][:4], ["", "抽查情况", "", "检查进度"])
        self.assertEqual(rows[6][:3], ["单位", "抽查任务数", "抽取户数"])
        self.assertEqual(rows[-1][:3], ["合计", "3", "24"])

    def test_it_exports_from_the_command_line(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "stats.xlsx"
            call_command(
                "stats",
                "export",
                "--year",
                "2026",
                "--unit",
                "35050301",
                "--user",
                "planner",
                "--out",
                str(out),
                stdout=io.StringIO(),
            )
            sheet = load_workbook(out).active
        self.assertEqual(sheet["A2"].value, f"填报单位：{self.station.name}")
        self.assertEqual(sheet["A8"].value, "合计")
        self.assertEqual(sheet["C8"].value, 12)
