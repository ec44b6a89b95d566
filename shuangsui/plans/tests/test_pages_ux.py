"""任务页面的易用性：任务表单按配额方式分组、抽取仪式的秘密值确认与揭示进度、演示任务。"""

import io
import re

from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from shuangsui.core.models import User
from shuangsui.demo import data as demo
from shuangsui.draws import services as draws
from shuangsui.draws.choices import DrawStatus, TargetRole
from shuangsui.plans.choices import PlanStatus, TaskStatus
from shuangsui.plans.models import AnnualPlan, Task
from shuangsui.plans.tests.helpers import SECRETS, PlansTestCase, full_ceremony, item, populate


class DemoTaskTests(TestCase):
    def test_demo_load_seeds_a_filed_plan_and_an_approved_task_ready_to_draw(self):
        demo.load(entities=300, inspectors=20)
        plan = AnnualPlan.objects.get()
        year = timezone.localdate().year
        self.assertEqual(plan.name, f"丰泽区{year}年度“双随机、一公开”抽查计划")
        self.assertEqual(plan.status, PlanStatus.FILED)
        self.assertEqual(plan.unit.code, "350503")
        task = Task.objects.get()
        self.assertEqual(task.status, TaskStatus.APPROVED)
        self.assertEqual(task.plan, plan)
        self.assertEqual(task.unit.code, "350503")
        self.assertEqual([i.code for i in task.items.all()], ["FJSC-001"])
        self.assertEqual(task.quota_mode, "class_ratio")
        self.assertEqual(task.class_ratios, {"B": "0.03", "C": "0.05", "D": "0.1"})
        self.assertEqual(task.reserves, {"B": 2})
        self.assertTrue(task.is_differentiated)
        self.assertGreaterEqual((task.deadline - task.start_date).days, 55)
        self.assertFalse(task.draws.exists())  # 抽取留给用户
        planner = User.objects.get(username="planner")
        # 职责分离：planner 制定，另一人（leader）批准
        self.assertEqual(task.created_by, planner)
        self.assertEqual(task.approved_by, User.objects.get(username="leader"))
        population = draws.build_population(task, planner)
        self.assertGreater(population.count, 0)
        self.assertTrue(set(population.strata) <= {"B", "C", "D"})
        # 任务页上可以预览和冻结名单
        self.client.force_login(planner)
        page = self.client.get(reverse("task-detail", args=[task.pk])).content.decode()
        self.assertIn('id="btn-freeze"', page)
        self.assertIn(plan.name, page)
        page = self.client.get(reverse("task-list")).content.decode()
        self.assertIn(task.code, page)
        # 再次运行不再添加任务
        demo.load(entities=10, inspectors=0)
        self.assertEqual(Task.objects.count(), 1)
        self.assertEqual(AnnualPlan.objects.count(), 1)

    def test_demo_without_entities_seeds_no_task(self):
        out = io.StringIO()
        call_command("demo-data", entities=0, inspectors=0, stdout=out)
        self.assertIn("演示账号", out.getvalue())
        self.assertFalse(Task.objects.exists())
        self.assertFalse(AnnualPlan.objects.exists())


class TaskFormPageTests(PlansTestCase):
    def test_quota_inputs_are_grouped_by_mode(self):
        self.login("planner")
        page = self.client.get(reverse("task-create")).content.decode()
        for group, modes in (
            ("group-ratio", "ratio base_ratio"),
            ("group-base-count", "base_ratio"),
            ("group-class-ratios", "class_ratio"),
            ("group-class-counts", "class_count"),
        ):
            self.assertRegex(
                page, rf'id="{group}" data-modes="{modes}"|data-modes="{modes}" id="{group}"'
            )
        # 没有 JavaScript 时全部显示：服务端不隐藏、不停用任何输入项
        self.assertNotRegex(page, r"<fieldset[^>]*\b(hidden|disabled)\b")
        for name in ("ratio", "base_count", "ratio_B", "count_B", "reserve_B", "reserve_ALL"):
            self.assertIn(f'name="{name}"', page)
        self.assertIn('data-stratum="all"', page)
        self.assertEqual(len(re.findall(r'data-stratum="credit"', page)), 5)

    def test_hidden_groups_are_not_needed_server_side(self):
        """脚本停用的输入项不随表单提交：只提交所选方式的输入，任务照样保存。"""
        self.login("planner")
        data = {
            "year": "2026",
            "items": [item(self.county, "FJSC-001").pk],
            "target_kind": "entities",
            "statuses": ["active"],
            "stratify": "none",
            "quota_mode": "ratio",
            "ratio": "3",  # 百分数：3%
            "reserve_ALL": "3",
            "inspectors_per_target": "2",
            "match_inspectors": "on",
            "batches": "1",
            "start_date": "2026-03-01",
            "deadline": "2026-06-30",
        }
        response = self.client.post(reverse("task-create"), data)
        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
        task = Task.objects.get()
        self.assertEqual((task.quota_mode, task.reserves), ("ratio", {"ALL": 3}))
        self.assertEqual(str(task.ratio), "0.0300")


class CeremonyPageTests(PlansTestCase):
    codes = ("FJSC-011",)  # 重点事项：不设比例上限

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        populate(cls.station, 100, "BBBBBBBBBBCCCCCDDDDD")

    def page(self, task, user="planner"):
        self.login(user)
        return self.client.get(reverse("task-detail", args=[task.pk])).content.decode()

    def test_commit_form_asks_to_confirm_the_secret_is_kept(self):
        task = self.approved(class_ratios={"B": "0.2"})
        draws.freeze(task, self.user("planner"))
        page = self.page(task)
        for selector in (
            'id="id_commit_value"',
            'id="btn-random-secret"',
            'id="btn-compute-commitment"',
            'id="id_commitment"',
            'id="btn-commit"',
            'id="id_secret_saved"',
        ):
            self.assertIn(selector, page)
        self.assertIn("我已抄写并妥善保管秘密值", page)
        # 复选框不随表单提交；服务端对承诺的处理不变
        self.assertNotRegex(page, r'<input[^>]*name="[^"]*"[^>]*id="id_secret_saved"')

    def test_waiting_for_reveal_names_the_parties_still_to_reveal(self):
        planner, witness = self.user("planner"), self.user("witness")
        task = self.approved(class_ratios={"B": "0.2"})
        draw = draws.freeze(task, planner)
        draws.commit(draw, planner, value=SECRETS["planner"])
        draws.commit(draw, witness, value=SECRETS["witness"])
        self.assertNotIn("waiting-reveal", self.page(task))
        draws.reveal(draw, witness, SECRETS["witness"])
        draw.refresh_from_db()
        self.assertEqual(draw.status, DrawStatus.REVEALING)
        page = self.page(task, "witness")
        waiting = re.search(r'<p class="warn" id="waiting-reveal">(.*?)</p>', page).group(1)
        self.assertIn("等待：任务执行方", waiting)
        self.assertIn(planner.display_name, waiting)
        self.assertIn("operator", waiting)
        self.assertNotIn("witness", waiting)
        self.assertTrue(waiting.endswith("揭示"))
        draws.reveal(draw, planner, SECRETS["planner"])
        self.assertNotIn("waiting-reveal", self.page(task))

    def test_reserve_uids_link_to_the_entity_page(self):
        task = self.approved(class_ratios={"B": "0.2"}, reserves={"B": 2})
        draw = full_ceremony(task, self.user("planner"), self.user("witness"))
        reserve_uids = list(
            draw.targets.filter(role=TargetRole.RESERVE)
            .order_by("rank")
            .values_list("uid", flat=True)
        )
        self.assertEqual(len(reserve_uids), 2)
        page = self.page(task)
        table = page[page.index('id="reserve-table"') :]
        table = table[: table.index("</table>")]
        for uid in reserve_uids:
            self.assertIn(
                f'<a href="{reverse("entity-detail", args=[uid])}"><code>{uid}</code></a>', table
            )
