"""演示数据里有已检查、被退回、待审核与逾期的检查。"""

import tempfile

from django.test import TestCase, override_settings
from django.utils import timezone

from shuangsui.demo import data as demo
from shuangsui.inspections.models import Inspection
from shuangsui.results.models import Result


class DemoChecksTests(TestCase):
    def test_the_demo_shows_every_state_of_a_check(self):
        with tempfile.TemporaryDirectory() as root, override_settings(DRAW_FILES_ROOT=root):
            out = demo.load(entities=2000, inspectors=60, checks=True)  # 与 make demo 相同
        task = out["checking"]
        self.assertIsNotNone(task)
        states = set(Result.objects.filter(inspection__task=task).values_list("status", flat=True))
        self.assertLessEqual({"approved", "returned", "submitted"}, states)
        self.assertTrue(Inspection.objects.filter(task=task, status="completed").exists())
        overdue = Inspection.objects.filter(
            task=task, status="pending", deadline__lt=timezone.localdate()
        )
        self.assertTrue(overdue.exists())
        returned = Result.objects.get(inspection__task=task, status="returned")
        self.assertTrue(returned.review_note)
