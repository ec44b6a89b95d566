"""一个动作一条审计事件：服务写自己的语义事件，且在其中记下全部改动；揭示失败也留痕。"""

from django.core.exceptions import ValidationError

from shuangsui.core.models import AuditEvent
from shuangsui.draws import services as draws
from shuangsui.draws.choices import DrawStatus
from shuangsui.inspections import services
from shuangsui.inspections.models import Inspection
from shuangsui.plans import services as plans
from shuangsui.plans.tests.helpers import SECRETS

from .helpers import MatchingTestCase


class OneActionOneEventTests(MatchingTestCase):
    def setUp(self):
        self.planner = self.user("planner")
        self.witness = self.user("witness")
        self.leader = self.user("leader")  # 职责分离：批准的是另一人
        self.mark = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()

    def since(self):
        events = list(AuditEvent.objects.filter(id__gt=self.mark).order_by("id"))
        if events:
            self.mark = events[-1].id
        return events

    def actions(self):
        return [e.action for e in self.since()]

    def test_it_writes_exactly_one_event_per_action(self):
        plan = plans.create_plan(
            self.planner, unit=self.county, kind="annual", year=2026, name="测试年度计划"
        )
        self.assertEqual(self.actions(), ["plan.created"])
        plans.update_plan(plan, self.planner, name="测试年度计划（调整）")
        self.assertEqual(self.actions(), ["plan.edited"])
        plans.file_plan(plan, self.planner)
        self.assertEqual(self.actions(), ["plan.filed"])

        task = self.new_task(approve=False)
        self.assertEqual(self.actions(), ["task.created"])
        task = plans.update_task(task, self.planner, note="补充说明")
        self.assertEqual(self.actions(), ["task.edited"])
        approve = dict(allow_duplicates=True, duplicate_note="测试用的另一任务")
        task = plans.approve_task(task, self.leader, **approve)
        self.assertEqual(self.actions(), ["task.approved"])
        task = plans.reopen_task(task, self.planner)
        self.assertEqual(self.actions(), ["task.reopened"])
        task = plans.approve_task(task, self.leader, **approve)
        self.assertEqual(self.actions(), ["task.approved"])

        draw = draws.freeze(task, self.planner)
        self.assertEqual(self.actions(), ["draw.frozen"])
        draws.commit(draw, self.planner, value=SECRETS["planner"])
        draws.commit(draw, self.witness, value=SECRETS["witness"])
        self.assertEqual(self.actions(), ["draw.committed", "draw.committed"])
        draws.reveal(draw, self.planner, SECRETS["planner"])
        draws.reveal(draw, self.witness, SECRETS["witness"])
        self.assertEqual(self.actions(), ["draw.revealed", "draw.revealed"])
        draw = draws.run(draw, self.planner)
        # 执行抽取一条；派发检查是检查实施这一层对抽取完成的反应，另记一条
        self.assertEqual(self.actions(), ["draw.completed", "inspection.dispatched"])

        inspection = Inspection.objects.filter(draw=draw).order_by("rank").first()
        member = inspection.assignments.filter(active=True).first().inspector
        services.reassign(inspection, self.planner, member, "因病住院")
        self.assertEqual(self.actions(), ["assignment.reassigned"])

        draws.request_void(draw, self.planner, "名单有误")
        self.assertEqual(self.actions(), ["draw.void_requested"])
        draws.approve_void(draw, self.user("admin"))
        self.assertEqual(self.actions(), ["draw.voided"])

    def test_the_one_event_keeps_every_change(self):
        task = self.new_task(approve=False)
        self.since()
        task = plans.approve_task(
            task, self.leader, allow_duplicates=True, duplicate_note="测试用的另一任务"
        )
        (event,) = self.since()
        self.assertEqual(event.before["status"], "draft")
        self.assertIsNone(event.before["approved_by_id"])
        self.assertEqual(event.after["status"], "approved")
        self.assertEqual(event.after["approved_by_id"], self.leader.pk)
        self.assertIsNotNone(event.after["approved_at"])
        self.assertEqual(event.after["duplicate_note"], "测试用的另一任务")
        self.assertIn("updated", event.after)  # 自动更新时间也算改动
        self.assertIn("ratio", event.after)

        plans.reopen_task(task, self.planner)
        (event,) = self.since()
        self.assertEqual(event.before["approved_by_id"], self.leader.pk)
        self.assertEqual(event.after, {**event.after, "status": "draft", "approved_by_id": None})

        task = plans.approve_task(
            task, self.leader, allow_duplicates=True, duplicate_note="测试用的另一任务"
        )
        draw = draws.freeze(task, self.planner)
        draws.commit(draw, self.planner, value=SECRETS["planner"])
        draws.commit(draw, self.witness, value=SECRETS["witness"])
        draws.reveal(draw, self.planner, SECRETS["planner"])
        draws.reveal(draw, self.witness, SECRETS["witness"])
        self.since()
        draw = draws.run(draw, self.planner)
        completed = self.since()[0]
        self.assertEqual(completed.action, "draw.completed")
        self.assertEqual(completed.before["task"]["status"], "approved")
        self.assertEqual(completed.after["task"]["status"], "drawn")

        draws.request_void(draw, self.planner, "名单有误")
        draws.approve_void(draw, self.user("admin"))
        voided = self.since()[-1]
        self.assertEqual(voided.action, "draw.voided")
        self.assertEqual(voided.after["task"]["status"], "approved")

    def test_a_failed_reveal_is_recorded_without_the_value(self):
        task = self.new_task()
        draw = draws.freeze(task, self.planner)
        draws.commit(draw, self.planner, value=SECRETS["planner"])
        draws.commit(draw, self.witness, value=SECRETS["witness"])
        self.since()
        with self.assertRaisesMessage(ValidationError, "揭示值与您的承诺不符"):
            draws.reveal(draw, self.witness, "不是承诺时的那个值")
        (event,) = self.since()
        self.assertEqual(event.action, "draw.reveal_failed")
        self.assertEqual(event.actor_id, self.witness.pk)
        self.assertEqual(event.object_id, str(draw.pk))
        self.assertNotIn("不是承诺时的那个值", str(event.after))
        draw.refresh_from_db()
        self.assertEqual(draw.status, DrawStatus.FROZEN)
        self.assertFalse(draw.parties.filter(revealed_at__isnull=False).exists())
        # 其余的拒绝（如重复揭示）不是“与承诺不符”，不另记
        draws.reveal(draw, self.witness, SECRETS["witness"])
        self.since()
        with self.assertRaises(ValidationError):
            draws.reveal(draw, self.witness, SECRETS["witness"])
        self.assertEqual(self.since(), [])
