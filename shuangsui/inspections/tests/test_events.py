"""检查实施对抽取事件的反应（receivers.py）：派发在抽取完成的同一事务里，派发失败则抽取一并回滚。"""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from shuangsui.core.models import AuditEvent
from shuangsui.draws import services as draws
from shuangsui.draws.choices import DrawStatus
from shuangsui.inspections.models import Dispatch, Inspection
from shuangsui.plans.choices import TaskStatus
from shuangsui.plans.tests.helpers import SECRETS, PlansTestCase, populate


class DrawEventTests(PlansTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        populate(cls.station, 100, "BBBBBCCCCCDDDDD")

    def ready_draw(self):
        planner, witness = self.user("planner"), self.user("witness")
        draw = draws.freeze(self.approved(), planner)
        for user in (planner, witness):
            draws.commit(draw, user, value=SECRETS[user.username])
        for user in (planner, witness):
            draws.reveal(draw, user, SECRETS[user.username])
        draw.refresh_from_db()
        self.assertEqual(draw.status, DrawStatus.READY)
        return draw

    def test_it_dispatches_a_completed_draw(self):
        draw = draws.run(self.ready_draw(), self.user("planner"))
        self.assertTrue(Dispatch.objects.filter(draw=draw).exists())
        self.assertEqual(Inspection.objects.filter(draw=draw).count(), draw.selected_count)

    def test_it_rolls_the_draw_back_when_dispatch_fails(self):
        draw = self.ready_draw()
        # 已有一行派发：派发拒绝（“本次抽取已派发”），抽取也就不能算完成
        Dispatch.objects.create(draw=draw, task=draw.task, dispatched_at=timezone.now())
        with self.assertRaisesMessage(ValidationError, "本次抽取已派发"):
            draws.run(draw, self.user("planner"))
        draw.refresh_from_db()
        self.assertEqual(draw.status, DrawStatus.READY)
        self.assertEqual(draw.record_file, "")
        self.assertFalse(draw.targets.exists())
        self.assertEqual(draw.task.status, TaskStatus.APPROVED)
        self.assertFalse(Inspection.objects.filter(draw=draw).exists())
        self.assertFalse(AuditEvent.objects.filter(action="draw.completed").exists())
        folder = Path(settings.DRAW_FILES_ROOT) / draw.task.code / f"{draw.number:02d}"
        self.assertEqual(
            sorted(p.name for p in folder.iterdir()),
            [
                "inspector-pool.json",
                "population.csv",
            ],
        )
