"""名单的资格规则（登记状态、A类无事不扰、年度频次上限）与配额计算。"""

from decimal import Decimal

from shuangsui.catalog.models import InspectionItem
from shuangsui.core.tests.base import make_entity
from shuangsui.draws import services as draws
from shuangsui.draws.choices import ExclusionCode
from shuangsui.plans import services as plans
from shuangsui.plans.models import RegionRules
from shuangsui.plans.tests.helpers import PlansTestCase, full_ceremony, new_task, populate

EVERYONE = {"A": 99, "B": 99, "C": 99, "D": 99, "U": 99}


class EligibilityTests(PlansTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        for n in (1, 2):  # 比例上限 100% 的一般事项，便于把某一类全部抽中
            InspectionItem.objects.create(
                unit=cls.county,
                code=f"T-GEN{n}",
                name=f"测试一般事项{n}",
                kind="general",
                ratio_cap=Decimal("1"),
            )
        cls.bs = populate(cls.station, 100, "BBB")
        cls.cs = populate(cls.station, 110, "CC")
        cls.ds = populate(cls.station, 120, "DD")
        cls.cancelled = make_entity(cls.station, 130, status="cancelled", credit_class="B")

    def setUp(self):
        self.planner, self.witness = self.user("planner"), self.user("witness")

    def drawn(self, code, **fields):
        """用事项 code 建一个把各类全部抽中的任务并完成抽取。"""
        fields.setdefault("quota_mode", "class_count")
        fields.setdefault("class_counts", EVERYONE)
        task = new_task(self.planner, self.county, (code,), **fields)
        task = plans.approve_task(
            task, self.user("leader"), allow_duplicates=True, duplicate_note="测试"
        )
        return full_ceremony(task, self.planner, self.witness)

    def population(self, code, **fields):
        fields.setdefault("quota_mode", "class_count")
        fields.setdefault("class_counts", EVERYONE)
        task = new_task(self.planner, self.county, (code,), **fields)
        return draws.build_population(task, self.planner)

    def reasons(self, population):
        return {e.uid: e.reason for e in population.excluded}

    def test_status_and_a_class_exclusions(self):
        pop = self.population("T-GEN1")
        reasons = self.reasons(pop)
        self.assertEqual(reasons[self.cancelled.uid], "状态：注销")
        self.assertEqual(reasons[self.entity.uid], "A类无事不扰")
        self.assertNotIn("A", pop.strata)
        self.assertNotIn(self.other_entity.uid, {c.uid for c in pop.candidates})
        codes = {e.code for e in pop.excluded}
        self.assertEqual(codes, {ExclusionCode.STATUS, ExclusionCode.A_UNDISTURBED})
        # 明确纳入 A 类（如重点事项）时 A 类进入名单
        pop = self.population("FJSC-011", include_a=True)
        self.assertEqual(pop.strata.get("A"), 1)
        self.assertNotIn(self.entity.uid, self.reasons(pop))

    def test_frequency_caps_in_general_domains(self):
        first = self.drawn("T-GEN1")
        self.assertEqual(first.selected_count, 3 + 2 + 2 + 1)  # B 3 + entity2(B) 1, C 2, D 2
        pop = self.population("T-GEN2")
        reasons = self.reasons(pop)
        for entity in self.bs:
            self.assertEqual(reasons[entity.uid], "B类本年度已检查1次")
        for entity in self.cs + self.ds:
            self.assertNotIn(entity.uid, reasons)  # C 上限 2 次，D 按需
        # 第二个任务把 C、D 都抽中后，C 也到了上限
        self.drawn("T-GEN2")
        pop = self.population("T-GEN1")
        reasons = self.reasons(pop)
        for entity in self.cs:
            self.assertEqual(reasons[entity.uid], "C类本年度已检查2次")
        for entity in self.ds:
            self.assertNotIn(entity.uid, reasons)
        self.assertEqual(set(pop.strata), {"D"})
        # 重点领域按法定频次，不受一般领域上限约束；别的年度也不算
        self.assertEqual(self.reasons(self.population("FJSC-011")).get(self.bs[0].uid), None)
        self.assertNotIn(self.bs[0].uid, self.reasons(self.population("T-GEN1", year=2027)))

    def test_voided_draws_do_not_count(self):
        draw = self.drawn("T-GEN1")
        draws.request_void(draw, self.planner, "测试")
        draws.approve_void(draw, self.user("admin"))
        pop = self.population("T-GEN2")
        self.assertNotIn(self.bs[0].uid, self.reasons(pop))

    def test_caps_are_configurable_per_region(self):
        self.drawn("T-GEN1")
        RegionRules.objects.create(unit=self.county, cap_b=2, a_undisturbed=False)
        pop = self.population("T-GEN2")
        reasons = self.reasons(pop)
        self.assertNotIn(self.bs[0].uid, reasons)
        self.assertNotIn(self.entity.uid, reasons)  # 本地区不执行 A 类无事不扰
        # 下级（所）没有设定时沿用县（区）的设定
        self.assertEqual(plans.rules_for(self.station).cap_b, 2)
        self.assertEqual(plans.rules_for(self.other_county).cap_b, 1)

    def test_exclusions_are_stored_with_the_draw(self):
        draw = draws.freeze(
            plans.approve_task(
                new_task(self.planner, self.county, ("T-GEN1",), quota_mode="ratio", ratio="0.5"),
                self.user("leader"),
            ),
            self.planner,
        )
        stored = {e.uid: (e.code, e.reason) for e in draw.exclusions.all()}
        self.assertEqual(stored[self.cancelled.uid], (ExclusionCode.STATUS, "状态：注销"))
        self.assertEqual(draw.excluded_count, 2)
        self.assertEqual(draw.quota_rule, {"B": "0.5", "C": "0.5", "D": "0.5"})


class QuotaTests(PlansTestCase):
    def quotas(self, strata, **fields):
        task = self.task(**fields)
        return draws.compute_quotas(task, strata)

    def test_ratio_modes(self):
        q = self.quotas({"B": 100, "C": 10}, quota_mode="ratio", ratio="0.035")
        self.assertEqual(q.quotas, {"B": 4, "C": 1})
        self.assertEqual(q.quota_rule, {"B": "0.035", "C": "0.035"})
        q = self.quotas(
            {"B": 100, "C": 10, "U": 5}, class_ratios={"B": "0.02", "C": "0.1"}, reserves={"B": 3}
        )
        self.assertEqual(q.quotas, {"B": 2, "C": 1})
        self.assertEqual(q.reserves, {"B": 3})
        self.assertIn("未分类未设定比例，本次不抽取", q.notes)

    def test_counts_are_clamped(self):
        q = self.quotas(
            {"B": 5, "D": 2},
            quota_mode="class_count",
            class_counts={"B": 3, "D": 9},
            reserves={"B": 9},
        )
        self.assertEqual(q.quotas, {"B": 3, "D": 2})
        self.assertEqual(q.reserves, {"B": 2})
        self.assertTrue(any("超过名单" in n for n in q.notes))

    def test_base_ratio_is_apportioned_by_size_times_weight(self):
        strata = {"B": 700, "C": 200, "D": 100}
        base = dict(quota_mode="base_ratio", ratio="0.035", base_count=2000, stratify="credit")
        # 权重相同：按人数分配
        q = self.quotas(strata, class_weights={"B": "1", "C": "1", "D": "1"}, **base)
        self.assertEqual(q.quotas, {"B": 49, "C": 14, "D": 7})
        self.assertEqual(q.quota_rule, {})
        # 未设定权重：用本地区的默认权重（B 1、C 3、D 5），分值 700 : 600 : 500
        task = self.task(**base)
        self.assertEqual(task.class_weights, {"A": "0.5", "B": "1", "C": "3", "D": "5", "U": "1"})
        q = draws.compute_quotas(task, strata)
        self.assertEqual(q.quotas, {"B": 27, "C": 23, "D": 20})
        self.assertTrue(task.is_differentiated)
        self.assertIn("基数 2000 户 × 比例 3.5% = 70 户", q.notes[0])
        # 不分层：只有一层，全部给它
        q = self.quotas({"ALL": 1000}, **(base | {"stratify": "none"}))
        self.assertEqual(q.quotas, {"ALL": 70})


class LibraryTests(PlansTestCase):
    codes = ("FJSC-031",)

    def test_object_library_draw(self):
        from shuangsui.directory.models import ObjectLibrary, TargetObject

        library = ObjectLibrary.objects.create(
            unit=self.county, code="PROD", name="工业产品库", kind="product"
        )
        for n in range(12):
            TargetObject.objects.create(
                library=library, code=f"P{n:03d}", name=f"产品{n}", active=n != 5
            )
        task = self.approved(
            target_kind="library", library=library, quota_mode="ratio", ratio="0.25"
        )
        draw = full_ceremony(task, self.user("planner"), self.user("witness"))
        self.assertEqual(draw.strata, {"ALL": 11})
        self.assertEqual(draw.quotas, {"ALL": 3})
        self.assertEqual(draw.exclusions.get().reason, "对象已失效")
        self.assertEqual(draws.verify_stored(draw), [])
        targets = list(draw.targets.order_by("rank"))
        self.assertTrue(all(t.uid.startswith("PROD:") and t.target_object_id for t in targets))
        self.assertFalse(draw.credit_strata)
