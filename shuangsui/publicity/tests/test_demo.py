"""演示数据里有公示、更正、依法不予公示、待公示（期限还在走）与逾期未公示的结果。"""

import tempfile

from django.test import TestCase, override_settings

from shuangsui.demo import data as demo
from shuangsui.publicity import services
from shuangsui.publicity.models import Publication, PublishedResult, Withholding


class DemoPublicityTests(TestCase):
    def test_the_demo_shows_every_state_of_publication(self):
        with tempfile.TemporaryDirectory() as root, override_settings(DRAW_FILES_ROOT=root):
            demo.load(entities=2000, inspectors=60, checks=True)  # 与 make demo 相近
        self.assertEqual(Publication.objects.count(), 2)
        self.assertTrue(PublishedResult.objects.filter(corrected_on__isnull=False).exists())
        self.assertTrue(PublishedResult.objects.filter(replaces__isnull=False).exists())
        self.assertEqual(list(Withholding.objects.values_list("status", flat=True)), ["approved"])
        task = Publication.objects.first().task
        states = [c["state"] for _, _, _, c in services.pending_with_clock(task)]
        self.assertEqual(sorted(states), ["", "overdue"])
        self.assertTrue(services.public_tasks().filter(pk=task.pk).exists())  # 任务公告里有它
        page = self.client.get("/public/results/")
        self.assertContains(page, "2026年度第2号抽查任务检查结果公告")
