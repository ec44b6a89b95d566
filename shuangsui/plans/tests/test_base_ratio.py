"""基数比例按信用分类加权：计划的基数快照、任务沿用计划基数、批准前的分类户数、抽取记录、差异化占比、
页面上的百分数与字段旁的错误。"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.urls import reverse

from shuangsui.core.tests.base import make_entity
from shuangsui.draws import reports
from shuangsui.draws.choices import TargetRole
from shuangsui.plans import services
from shuangsui.plans.choices import PlanKind
from shuangsui.plans.models import RegionRules
from shuangsui.plans.tests.helpers import PlansTestCase, full_ceremony, item, populate

BASE_DATE = datetime.date(2025, 12, 31)


class BaseRatioTests(PlansTestCase):
    codes = ("FJSC-011",)  # 重点事项：不设比例上限

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # 名单：B 40、C 20、D 4（均为存续企业，成立于 2020 年），加上 BaseTestCase 的一户 B 类个体户
        populate(cls.station, 100, "B" * 40 + "C" * 20 + "D" * 4)
        # 不计入基数：基数日期之后成立、已注销、个体工商户；计入：未年报的存续企业
        make_entity(cls.station, 300, established=datetime.date(2026, 2, 1), credit_class="U")
        make_entity(cls.station, 301, status="cancelled")
        make_entity(cls.station, 302, entity_type="individual", credit_class="U")
        make_entity(cls.station, 303, annual_report="not_reported", credit_class="U")

    def logged_in(self, name):
        self.login(name)
        return self.client

    def plan(self, **fields):
        defaults = dict(kind=PlanKind.ANNUAL, year=2026, ratio=Decimal("0.035"))
        defaults.update(fields)
        return services.create_plan(self.user("planner"), unit=self.county, **defaults)

    def test_it_counts_the_base_from_the_directory_at_the_base_date(self):
        plan = self.plan(base_date=BASE_DATE)
        # 64 户，加上未年报的 1 户与 BaseTestCase 的一户 A 类企业
        self.assertEqual(plan.base_snapshot, 66)
        self.assertIsNotNone(plan.base_snapshot_at)
        self.assertEqual(plan.base, 66)
        # 官方实有数填写后以它为准，名录统计数仍保存
        plan = services.update_plan(
            plan, self.user("planner"), base_count=2000, base_source="市局通报"
        )
        self.assertEqual((plan.base, plan.base_snapshot), (2000, 66))
        make_entity(self.station, 304)
        plan = services.snapshot_base(plan, self.user("planner"))
        self.assertEqual(plan.base_snapshot, 67)
        page = self.logged_in("planner").get(reverse("plan-detail", args=[plan.pk]))
        text = page.content.decode()
        self.assertIn("名录统计：<strong>67</strong> 户", text)
        self.assertIn("官方实有数：<strong>2000</strong> 户（来源：市局通报）", text)

    def test_it_splits_base_times_ratio_by_weight_before_approval_and_in_the_record(self):
        plan = self.plan(base_count=1000, base_source="统计年报")
        task = self.task(
            plan=plan,
            quota_mode="base_ratio",
            ratio="0.035",
            class_weights={"B": "1", "C": "3", "D": "5"},
            class_ratios={},
        )
        self.assertIsNone(task.base_count)
        self.assertEqual(services.task_base(task), 1000)
        check = services.check_task(task, self.user("planner"))
        # 35 户；分值 B 41、C 60、D 20：D 应得 5.8 户超过 4 户，取满；
        # 其余 31 户按 41 : 60 分给 B、C → 12.58 / 18.42 → 12 + 18，余 1 户给余数大的 B
        rows = {c.label: (c.size, c.weight, c.quota) for c in check.classes}
        self.assertEqual(
            rows, {"B": (41, "1", 13), "C": (20, "3", 18), "D": (4, "5", 4), "U": (3, "0", 0)}
        )
        self.assertEqual(check.total, 35)
        self.assertTrue(any("D类" in n and "全部抽取" in n for n in check.notes))
        self.assertEqual(check.base_ratio_text, "3.5%")
        # 名单 68 户：B 41、C 20、D 4 与未分类 3 户（未设权重即 0，不抽）
        self.assertEqual(check.population_ratio_text, "51.47%")
        self.assertEqual(check.problems, [])
        task = services.approve_task(task, self.user("leader"))  # 职责分离
        draw = full_ceremony(task, self.user("planner"), self.user("witness"))
        self.assertEqual(draw.quotas, {"B": 13, "C": 18, "D": 4, "U": 0})
        self.assertEqual(draw.quota_rule, {})
        got = {}
        for t in draw.targets.filter(role=TargetRole.SELECTED):
            got[t.stratum] = got.get(t.stratum, 0) + 1
        self.assertEqual(got, {"B": 13, "C": 18, "D": 4})
        share = reports.differentiated_share(self.user("planner"), year=2026)
        self.assertEqual((share.total, share.differentiated), (35, 35))

    def test_it_takes_region_default_weights_when_the_planner_sets_none(self):
        RegionRules.objects.create(
            unit=self.county, weight_b=Decimal("2"), weight_c=Decimal("2"), weight_d=Decimal("0")
        )
        task = self.task(quota_mode="base_ratio", ratio="0.2", base_count=50, class_ratios={})
        self.assertEqual(task.class_weights, {"A": "0.5", "B": "2", "C": "2", "D": "0", "U": "1"})
        check = services.check_task(task, self.user("planner"))
        quotas = {c.label: c.quota for c in check.classes}
        # 10 户；分值 B 82、C 40、D 0、U 3 → 6.56 / 3.2 / 0 / 0.24 → 6 + 3，余 1 户给 B
        self.assertEqual(quotas, {"B": 7, "C": 3, "D": 0, "U": 0})

    def test_it_needs_a_base(self):
        with self.assertRaises(ValidationError) as caught:
            self.task(quota_mode="base_ratio", ratio="0.035", class_ratios={})
        self.assertEqual(
            caught.exception.message_dict,
            {"base_count": ["基数比例方式须填写比例基数，或选择已填基数的计划"]},
        )

    def test_task_page_shows_both_ratios_and_class_quotas(self):
        plan = self.plan(base_date=BASE_DATE)
        task = self.task(plan=plan, quota_mode="base_ratio", ratio="0.2", class_ratios={})
        text = self.logged_in("planner").get(reverse("task-detail", args=[task.pk])).content
        text = text.decode()
        self.assertIn("任务抽查比例（对基数）", text)
        self.assertIn("对可抽名单", text)
        self.assertIn('id="class-quotas"', text)
        self.assertIn("基数 66 户 × 20%", text)
        self.assertIn("所属计划按名录统计的 2025年12月31日 存续企业数", text)

    def test_form_takes_percentages_and_shows_errors_beside_fields(self):
        client = self.logged_in("planner")
        data = {
            "year": "2026",
            "items": [item(self.county, "FJSC-011").pk],
            "target_kind": "entities",
            "statuses": ["active"],
            "stratify": "credit",
            "quota_mode": "base_ratio",
            "ratio": "3.5",
            "weight_B": "1",
            "weight_C": "3",
            "weight_D": "5",
            "inspectors_per_target": "2",
            "batches": "1",
            "start_date": "2026-03-01",
            "deadline": "2026-06-30",
        }
        response = client.post(reverse("task-create"), data)  # 没有基数
        self.assertEqual(response.status_code, 200)
        text = response.content.decode()
        self.assertIn('id="errors-base_count"', text)
        self.assertIn("基数比例方式须填写比例基数", text)
        response = client.post(reverse("task-create"), data | {"industries": "F28"})
        self.assertIn('id="errors-industries"', response.content.decode())
        self.assertIn("行业代码“F28”不在 GB/T 4754-2017 中", response.content.decode())
        response = client.post(reverse("task-create"), data | {"ratio": "abc"})
        self.assertIn('id="errors-ratio"', response.content.decode())
        self.assertIn("请输入百分数", response.content.decode())
        response = client.post(reverse("task-create"), data | {"base_count": "2000"})
        self.assertEqual(response.status_code, 302)
        task = services.tasks_for(self.user("planner")).get()
        self.assertEqual(task.ratio, Decimal("0.035"))
        self.assertEqual(task.class_weights, {"B": "1", "C": "3", "D": "5"})
        # 修改页把小数显示回百分数
        form = client.get(reverse("task-edit", args=[task.pk])).content.decode()
        self.assertIn('name="ratio" value="3.5"', form)

    def test_api_takes_decimals_and_weights(self):
        from shuangsui.core.models import ApiToken

        _, raw = ApiToken.issue(self.user("planner"), "test")
        auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        response = self.client.post(
            "/api/plans/plans",
            {
                "year": 2026,
                "ratio": "0.035",  # 接口里比例仍是小数
                "base_count": 1000,
                "base_source": "统计年报",
                "base_date": "2025-12-31",
            },
            content_type="application/json",
            **auth,
        )
        self.assertEqual(response.status_code, 200, response.content)
        plan = response.json()
        self.assertEqual((plan["base_count"], plan["base_snapshot"]), (1000, 66))
        body = {
            "plan": plan["id"],
            "items": ["FJSC-011"],
            "quota_mode": "base_ratio",
            "ratio": "0.035",
            "class_weights": {"B": "1", "C": "3", "D": "5"},
            "start_date": "2026-04-01",
            "deadline": "2026-06-30",
        }
        response = self.client.post(
            "/api/plans/tasks", body, content_type="application/json", **auth
        )
        self.assertEqual(response.status_code, 200, response.content)
        task = response.json()
        self.assertEqual(task["class_weights"], {"B": "1", "C": "3", "D": "5"})
        check = self.client.get(f"/api/plans/tasks/{task['code']}/check", **auth).json()
        self.assertEqual((check["base"], check["total"]), (1000, 35))
        quotas = {c["label"]: c["quota"] for c in check["classes"]}
        self.assertEqual(quotas, {"B": 13, "C": 18, "D": 4, "U": 0})
