"""数值与日期的范围：年度、日期在 2000–2100 年，比例在 0–1，户数、批次、人数不越界。
模型校验（页面、接口、导入、管理后台共用）加数据库约束兜底；越界的请求答 422/400，什么都不保存。
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string

from shuangsui.catalog.models import InspectionItem
from shuangsui.core.models import ApiToken
from shuangsui.directory.models import Entity
from shuangsui.draws import services as draws
from shuangsui.draws.models import Draw
from shuangsui.plans import services
from shuangsui.plans.models import AnnualPlan, RegionRules, Task

from .helpers import PlansTestCase, populate


class RangesTest(PlansTestCase):
    def setUp(self):
        _, raw = ApiToken.issue(self.user("planner"), "test")
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def post(self, path, body):
        return self.client.post(path, body, content_type="application/json", **self.auth)

    def assert_refused(self, response, status, phrase):
        self.assertEqual(response.status_code, status, response.content)
        self.assertIn(phrase, response.json()["detail"])

    def test_it_refuses_a_plan_of_year_0_and_the_county_keeps_working(self):
        for year in (0, 1999, 2101, 10000):
            response = self.post("/api/plans/plans", {"year": year})
            self.assert_refused(response, 422, "year")
            self.assertRegex(response.json()["detail"], "不能(小于 2000|大于 2100)")
        self.assertFalse(AnnualPlan.objects.exists())
        self.assertEqual(self.client.get("/api/plans/plans", **self.auth).status_code, 200)
        self.login("planner")
        self.assertEqual(self.client.get("/plans/").status_code, 200)

    def test_it_refuses_tasks_of_year_0_and_99999(self):
        body = {"items": ["FJSC-001"], "start_date": "2026-03-01", "deadline": "2026-06-30"}
        for year in (0, 99999):
            self.assert_refused(self.post("/api/plans/tasks", {**body, "year": year}), 422, "year")
        with self.assertRaisesMessage(ValidationError, "年度应在 2000 到 2100 年之间"):
            self.task(year=0)
        self.assertFalse(Task.objects.exists())

    def test_it_refuses_dates_batches_and_counts_out_of_range_with_a_chinese_reason(self):
        body = {
            "items": ["FJSC-001"],
            "class_ratios": {"B": "0.05"},
            "start_date": "1357-11-04",
            "deadline": "2026-06-30",
        }
        self.assert_refused(
            self.post("/api/plans/tasks", body), 400, "开始日期应在 2000 年到 2100 年之间"
        )
        body = {"items": ["FJSC-001"], "start_date": "2026-03-01", "deadline": "2026-06-30"}
        for field, value in [("batches", 0), ("inspectors_per_target", 11), ("base_count", -1)]:
            self.assert_refused(self.post("/api/plans/tasks", {**body, field: value}), 422, field)
        self.assert_refused(
            self.post("/api/plans/tasks", {**body, "class_counts": {"B": -5}}), 422, "class_counts"
        )
        self.assert_refused(
            self.post("/api/plans/plans", {"year": 2026, "deadline": "2999-01-01"}),
            400,
            "完成时限应在 2000 年到 2100 年之间",
        )
        self.assertFalse(Task.objects.exists())
        self.assertFalse(AnnualPlan.objects.exists())

    def test_the_model_guards_its_own_ranges(self):
        plan = AnnualPlan(unit=self.county, kind="annual", year=0, name="x", batches=0)
        with self.assertRaises(ValidationError) as caught:
            plan.full_clean()
        self.assertIn("年度应在 2000 到 2100 年之间", caught.exception.message_dict["year"])
        self.assertIn("批次应在 1 到 100 之间", caught.exception.message_dict["batches"])
        task = self.task()
        task.class_ratios = {"B": "5"}
        task.reserves = {"B": -1}
        with self.assertRaises(ValidationError) as caught:
            task.full_clean()
        self.assertIn("class_ratios", caught.exception.message_dict)
        self.assertIn("reserves", caught.exception.message_dict)
        entity = Entity(uid=self.entity.uid, established=datetime.date(1800, 1, 1))
        with self.assertRaises(ValidationError) as caught:
            entity.clean_fields(exclude=["unit", "name", "scope_path"])
        self.assertIn(
            "成立日期应在 1900 年到 2100 年之间", caught.exception.message_dict["established"]
        )
        rules = RegionRules(unit=self.county, annual_plan_due="02-30", cap_b=1000)
        with self.assertRaises(ValidationError) as caught:
            rules.full_clean()
        self.assertIn("annual_plan_due", caught.exception.message_dict)
        self.assertIn("cap_b", caught.exception.message_dict)

    def test_the_database_refuses_out_of_range_values_that_bypass_the_model(self):
        plan = services.create_plan(self.user("planner"), kind="annual", year=2026)
        task = self.task()
        item = InspectionItem.objects.filter(ratio_cap__isnull=False).first()
        for queryset, change in [
            (AnnualPlan.objects.filter(pk=plan.pk), {"year": 0}),
            (AnnualPlan.objects.filter(pk=plan.pk), {"ratio": Decimal("1.5")}),
            (Task.objects.filter(pk=task.pk), {"year": 10000}),
            (Task.objects.filter(pk=task.pk), {"inspectors_per_target": 0}),
            (Task.objects.filter(pk=task.pk), {"start_date": datetime.date(1999, 12, 31)}),
            (InspectionItem.objects.filter(pk=item.pk), {"ratio_cap": Decimal("2")}),
        ]:
            with self.subTest(change=change), self.assertRaises(IntegrityError):
                with transaction.atomic():
                    queryset.update(**change)

    def test_a_draw_never_selects_more_than_its_population(self):
        populate(self.station, 100, "BBBB")
        draw = draws.freeze(self.approved(), self.user("planner"))
        with self.assertRaises(IntegrityError), transaction.atomic():
            Draw.objects.filter(pk=draw.pk).update(selected_count=draw.population_count + 1)

    def test_pages_survive_a_plan_whose_due_date_cannot_be_computed(self):
        plan = AnnualPlan(unit=self.county, kind="annual", year=0, name="旧数据")
        self.assertIsNone(services.plan_due(plan))
        self.assertIsNone(services.filing_warning(plan))

    def test_the_error_page_does_not_claim_nothing_was_changed(self):
        page = render_to_string("500.html")
        self.assertNotIn("数据未被改动", page)
        self.assertIn("服务器出错", page)
