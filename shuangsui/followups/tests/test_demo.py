"""演示数据里有后续处置的每种状态：期限未到、逾期、复查后完结、有决定书文号的立案调查、线索移送、待处置。"""

import tempfile

from django.test import TestCase, override_settings
from django.utils import timezone

from shuangsui.core.models import User
from shuangsui.demo import data as demo
from shuangsui.followups import services
from shuangsui.followups.models import FollowUp


class DemoFollowUpTests(TestCase):
    def test_the_demo_shows_every_state_of_a_follow_up(self):
        with tempfile.TemporaryDirectory() as root, override_settings(DRAW_FILES_ROOT=root):
            demo.load(entities=2000, inspectors=60, checks=True)  # 与 make demo 相同的路径
        today = timezone.localdate()
        rows = {(f.measure.name, f.status, f.overdue()): f for f in FollowUp.objects.all()}
        self.assertEqual(
            set(rows),
            {
                ("责令改正", "open", False),
                ("责令改正", "open", True),
                ("责令改正", "closed", False),
                ("立案调查", "open", False),
                ("线索移送办案机构", "open", False),
            },
        )
        closed = rows[("责令改正", "closed", False)]
        self.assertEqual(closed.rechecks.get().outcome, "corrected")
        self.assertLess(closed.closed_on, today)
        head = User.objects.get(username="head")
        case = rows[("立案调查", "open", False)]
        self.assertEqual(
            [f.pk for f in services.search_decision(head, case.decision_no)], [case.pk]
        )
        waiting = services.pending(head).filter(inspection__task=case.inspection.task)
        self.assertEqual(waiting.count(), 1)  # 其他演示（列异、公示）另有发现问题的结果待处置
        self.assertEqual(services.overdue(head).count(), 1)
