"""联合检查：一次上门、各部门录入本部门的事项；现场两名执法人员按这次上门合计，不是每个部门各两名。"""

from django.core.exceptions import PermissionDenied, ValidationError

from shuangsui.catalog.models import InspectionItem
from shuangsui.core.tests.base import make_inspector
from shuangsui.inspections.models import Inspection
from shuangsui.inspections.tests.helpers import FOOD, HEALTH
from shuangsui.plans import services as plans
from shuangsui.plans.tests.helpers import full_ceremony, new_task
from shuangsui.results import services
from shuangsui.results.choices import ResultStatus

from .helpers import ResultsTestCase, account


class JointTests(ResultsTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        for badge in HEALTH:
            account(
                make_inspector(
                    cls.health,
                    badge,
                    qualifications=FOOD,
                    department=cls.health,
                    regions=",35050301,35050302,",
                )
            )
        cls.health_item = InspectionItem.objects.create(
            unit=cls.county,
            code="WJ-001",
            name="公共场所卫生检查",
            department=cls.health,
            kind="key",
            methods="1",
            sub_items="卫生许可证\n从业人员健康证明",
        )
        planner = cls.users["planner"]
        task = new_task(
            planner,
            cls.county,
            ("FJSC-011", "WJ-001"),
            class_ratios={"B": "1"},
            lead_department=cls.food,
            departments=[cls.health],
            regions=[cls.station],
        )
        task = plans.approve_task(
            task, cls.users["leader"], allow_duplicates=True, duplicate_note="联合检查测试"
        )
        cls.jdraw = full_ceremony(task, planner, cls.users["witness"])

    def team_of(self, i, dept):
        return [
            a.inspector
            for a in i.assignments.filter(active=True, department=dept).select_related(
                "inspector__user"
            )
        ]

    def test_each_department_enters_its_own_items_and_the_visit_needs_two_officers(self):
        i = Inspection.objects.filter(draw=self.jdraw).order_by("rank").first()
        food = self.team_of(i, "350503D02")
        health = self.team_of(i, "350503D51")
        self.assertTrue(food and health)
        with self.assertRaisesMessage(PermissionDenied, "联合检查中各部门录入本部门的事项"):
            services.save_draft(food[0].user, i, self.health_item, self.data(i))
        self.assertFalse(services.may_enter(health[0].user, i, self.item))
        # 食品部门一人到场、卫健部门尚无记录：不足两名
        with self.assertRaisesMessage(ValidationError, "本次到场执法人员1人"):
            services.submit(food[0].user, i, self.item, self.data(i, present=[food[0].pk]))
        # 同一次上门卫健部门一人到场：合计两名，各部门都可以提交
        services.save_draft(
            health[0].user, i, self.health_item, self.data(i, present=[health[0].pk])
        )
        r = services.submit(food[0].user, i, self.item, self.data(i, present=[food[0].pk]))
        self.assertEqual(r.status, ResultStatus.SUBMITTED)
        h = services.submit(health[0].user, i, self.health_item, {})
        self.assertEqual(h.status, ResultStatus.SUBMITTED)
        # 卫健部门审核本部门的事项；全部事项审核后对象才算已检查
        services.approve(self.users["head"], r)
        i.refresh_from_db()
        self.assertEqual(i.status, "in_progress")
        services.approve(self.users["joint"], h)
        i.refresh_from_db()
        self.assertEqual(i.status, "completed")
