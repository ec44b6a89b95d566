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
结果（事项 FJSC-011）：城东已检查的一户“A,2,6”（无法联系、发现问题）按时；东海 T1 另四户：
“1”已审核但检查晚于时限一天、“A,2,D,E”已审核（发现问题、责令整改）、“1”待审核、“1”草稿。
手算：
- 已检查 东海 2、城东 1、合计 3；待检查 东海 9、城东 11、合计 20；
- 无法联系 城东 1；未发现问题 东海 1；发现问题 东海 1、城东 1、合计 2；责令整改 东海 1；
- 已录入（已提交或已审核）东海 3、城东 1、合计 4；录入率 东海 3/11、合计 4/23；
- 按时完成 东海 1、城东 1 → 按时完成率 东海 1/11、合计 2/23；问题发现率 东海 1/2、合计 2/3；
- 已检查企业 东海 2、城东 1、合计 3 → 检查比例 合计 3/300 = 1%；
- T3 为三部门联合检查：联合检查户数 城东 4，减少上门 8 次；
- 后续处置：城东那户线索移送（未完结）→ 移送 城东 1；东海“A,2,D,E”那户立案调查、已完结 → 立案
  东海 1，后续处置已完结 东海 1、合计 1；后续处置率 东海 1/1、城东 0/1、合计 1/2；
- 列异：城东那户已列入 → 列入经营异常名录 城东 1；
- 公示：城东那户按时公示，东海“1”那户逾期公示 → 已公示 东海 1、城东 1、合计 2，按时公示 城东 1；
  公示率（÷ 已检查）东海 1/2、城东 1/1、合计 2/3。
"""

import csv
import datetime
import io
import tempfile
from decimal import Decimal
from pathlib import Path

from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from shuangsui.draws import services as draws
from shuangsui.followups import services as followups
from shuangsui.inspections.models import Dispatch, Inspection
from shuangsui.inspections.tests.helpers import MatchingTestCase
from shuangsui.lib import exporters
from shuangsui.listings.models import AbnormalListing
from shuangsui.plans.models import AnnualPlan
from shuangsui.plans.tests.helpers import full_ceremony
from shuangsui.publicity import services as publicity
from shuangsui.publicity.models import PublishedResult
from shuangsui.results.models import Result
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
        # 结果（见模块说明“结果”）：东海 T1 的另外四户，城东已检查的一户
        cls.item = cls.draw.task.items.get()
        east2, east3, east4, east5 = list(
            valid.filter(draw=cls.draw, station=cls.station).exclude(pk=east.pk)[:4]
        )
        day = datetime.timedelta(days=1)
        made = []
        for inspection, status, codes, late in (
            (west, "approved", ",A,2,6,", False),
            (east2, "approved", ",1,", True),
            (east3, "approved", ",A,2,D,E,", False),
            (east4, "submitted", ",1,", False),
            (east5, "draft", ",1,", False),
        ):
            if status == "approved":
                Inspection.objects.filter(pk=inspection.pk).update(status="completed")
            made.append(
                Result.objects.create(
                    inspection=inspection,
                    item=cls.item,
                    status=status,
                    codes=codes,
                    checked_to=inspection.deadline + day if late else inspection.deadline - day,
                )
            )
        r_west, r_east2, r_east3 = made[:3]
        planner = cls.users["planner"]
        # 后续处置：城东那户线索移送（未完结），东海“A,2,D,E”那户立案调查（已完结）
        followups.record(
            planner, r_west, measure="04", decided_on=r_west.checked_to, receiver="执法大队"
        )
        case = followups.record(
            planner,
            r_east3,
            measure="08",
            decided_on=r_east3.checked_to,
            decision_no="泉丰市监处罚〔2026〕1号",
        )
        followups.close(planner, case, closed_on=r_east3.checked_to + day)
        # 列异：城东那户（无法联系）已列入
        AbnormalListing.objects.create(
            entity=west.entity,
            inspection=west,
            result=r_west,
            cause="unreachable",
            station=west.station,
            source="检查结果代码 6",
            stage="approved",
            listed_on=r_west.checked_to + day,
        )
        # 公示：城东那户按时、东海“1”那户逾期（按时与否写在公示行上，这里直接定下）
        for result, on_time in ((r_west, True), (r_east2, False)):
            publicity.publish(planner, result.inspection.task, [result])
            PublishedResult.objects.filter(result=result).update(on_time=on_time)
        # T3（城东 4 户）为三个部门的联合检查：每户减少 2 次上门
        Dispatch.objects.filter(draw__task=cls.t3).update(
            departments=["350503D02", "350503D51", "350503D03"]
        )

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
        self.assertEqual((total["dispatched"], total["pending"]), (23, 20))
        self.assertEqual((east["dispatched"], east["pending"]), (11, 9))
        self.assertEqual((west["dispatched"], west["pending"]), (12, 11))

    def test_it_counts_the_results_by_hand(self):
        rows = self.by_unit(self.table())
        east, west, total = rows["35050301"], rows["35050302"], rows["合计"]
        keys = ("checked", "pending", "unreachable", "no_problem", "problem", "ordered", "entered")
        self.assertEqual([east[k] for k in keys], [2, 9, 0, 1, 1, 1, 3])
        self.assertEqual([west[k] for k in keys], [1, 11, 1, 0, 1, 0, 1])
        self.assertEqual([total[k] for k in keys], [3, 20, 1, 1, 2, 1, 4])
        self.assertEqual(east["entry_rate"], Decimal(3) / 11)
        self.assertEqual(total["entry_rate"], Decimal(4) / 23)
        self.assertEqual(east["on_time_rate"], Decimal(1) / 11)
        self.assertEqual(total["on_time_rate"], Decimal(2) / 23)
        self.assertEqual(east["problem_rate"], Decimal("0.5"))
        self.assertEqual(total["problem_rate"], Decimal(2) / 3)
        self.assertEqual(
            [total[k] for k in ("checked_enterprises", "checked_ratio")], [3, Decimal("0.01")]
        )
        self.assertEqual((west["joint"], west["visits_saved"]), (4, 8))
        self.assertEqual((east["joint"], total["visits_saved"]), (0, 8))
        keys = ("listed", "filed", "referred", "published", "published_on_time", "followup_done")
        self.assertEqual([east[k] for k in keys], [0, 1, 0, 1, 0, 1])
        self.assertEqual([west[k] for k in keys], [1, 0, 1, 1, 1, 0])
        self.assertEqual([total[k] for k in keys], [1, 1, 1, 2, 1, 1])
        self.assertEqual((east["publish_rate"], west["publish_rate"]), (Decimal("0.5"), 1))
        self.assertEqual(total["publish_rate"], Decimal(2) / 3)
        self.assertEqual((east["followup_rate"], west["followup_rate"]), (1, 0))
        self.assertEqual(total["followup_rate"], Decimal("0.5"))

    def test_it_breaks_the_figures_down_by_task_group_department_and_item(self):
        user = self.user("planner")
        by_task = services.breakdown_table(user, 2026, "task")
        lines = {line.label.split()[0]: line.figures for line in by_task.lines}
        t1 = self.draw.task.code
        self.assertEqual([lines[t1][k] for k in ("dispatched", "checked", "problem")], [9, 3, 2])
        self.assertEqual([lines[self.t3.code][k] for k in ("dispatched", "joint")], [4, 4])
        self.assertNotIn(self.t4.code, lines)  # 作废的抽取不算
        self.assertEqual(lines["合计"]["dispatched"], 23)
        by_item = services.breakdown_table(user, 2026, "item")
        self.assertEqual(
            [line.label for line in by_item.lines], [f"{self.item.code} {self.item.name}", "合计"]
        )
        self.assertEqual(by_item.lines[0].figures["checked"], 3)
        self.assertEqual(by_item.lines[0].figures["entered"], 4)
        by_dept = services.breakdown_table(user, 2026, "department")
        self.assertEqual(by_dept.lines[-1].figures["problem"], 2)
        by_group = services.breakdown_table(user, 2026, "group")
        self.assertEqual(sum(line.figures["dispatched"] for line in by_group.lines[:-1]), 23)
        station = services.breakdown_table(self.user("head"), 2026, "task")
        self.assertEqual(station.lines[-1].figures["checked"], 2)  # 所只看本所
        with self.assertRaisesMessage(services.StatsError, "分组应为"):
            services.breakdown_table(user, 2026, "inspector")

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
        self.assertEqual(
            merged,
            {"A6:A7", "B6:C6", "D6:F6", "G6:M6", "N6:Q6", "R6:V6", "W6:AA6", "AB6:AD6", "AE6:AF6"},
        )
        self.assertEqual(sheet["A6"].value, "单位")
        self.assertEqual(sheet["G6"].value, "检查结果")
        self.assertEqual(sheet["W6"].value, "年度企业抽查比例")
        self.assertEqual(
            [c.value for c in sheet[7]][1:5], ["抽查任务数", "抽取户数", "已派发", "已检查"]
        )
        values = {row[0]: row for row in sheet.iter_rows(min_row=8, values_only=True)}
        self.assertEqual(values[self.station.name][1:6], (2, 12, 11, 2, 9))
        self.assertEqual(
            values["合计"][1:],
            # fmt: off
            (
                3,
                24,
                23,
                3,
                20,  # 任务、户数、已派发、已检查、待检查
                1,
                1,
                2,
                1,
                1,
                1,
                1,  # 无法联系 … 移送
                4,
                2,
                1,
                1,  # 已录入、已公示、按时公示、后续处置已完结
                "17.39%",
                "66.67%",
                "8.7%",
                "50%",
                "66.67%",
                9,
                300,
                "3%",
                3,
                "1%",
                14,
                10,
                "71.43%",
                4,
                8,
            ),
            # fmt: on
        )

    def test_it_writes_csv_with_grouped_header(self):
        data = exporters.to_bytes(StatsExporter(self.table(), self.user("planner")), "csv")
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        self.assertEqual(rows[5][:6], ["", "抽查情况", "", "检查进度", "", ""])
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

    def test_it_exports_a_breakdown_from_the_command_line(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "stats.csv"
            call_command(
                "stats", "export", "--year", "2026", "--by", "task", "--user", "planner",
                "--out", str(out), stdout=io.StringIO(),
            )  # fmt: skip
            rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
        self.assertEqual(rows[6][:3], ["任务", "抽查任务数", "抽取户数"])
        self.assertEqual(rows[-1][:6], ["合计", "3", "24", "23", "3", "20"])
