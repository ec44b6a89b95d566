"""演示数据有信用反馈的每一种状态：待确认、已确认、已驳回，以及被更新的反馈取代的导入分类。"""

import tempfile

from django.test import TestCase, override_settings

from shuangsui.core import scope
from shuangsui.core.models import User
from shuangsui.credit.models import CreditProposal
from shuangsui.demo import data as demo
from shuangsui.directory.models import CreditHistory


class DemoCreditTests(TestCase):
    def test_the_demo_shows_every_state_of_credit_feedback(self):
        with tempfile.TemporaryDirectory() as root, override_settings(DRAW_FILES_ROOT=root):
            demo.load(entities=2000, inspectors=60, checks=True)  # 与 make demo 相同
        states = sorted(CreditProposal.objects.values_list("status", flat=True))
        # 其他演示（后续处置、列异）审核通过的问题结果另有待确认的建议
        self.assertEqual(sorted(set(states)), ["confirmed", "pending", "rejected"])
        self.assertEqual((states.count("confirmed"), states.count("rejected")), (1, 1))
        confirmed = CreditProposal.objects.get(status="confirmed")
        self.assertIsNotNone(confirmed.result)
        history = list(
            CreditHistory.objects.filter(entity=confirmed.entity)
            .order_by("recorded_at", "id")
            .values_list("source", "superseded", "credit_class")
        )
        was = confirmed.from_class  # 演示不改主体抽中时的分类
        self.assertEqual(
            history, [("import", False, was), ("feedback", False, "C"), ("import", True, was)]
        )
        confirmed.entity.refresh_from_db()
        self.assertEqual(confirmed.entity.credit_class, "C")
        # 计划管理的工作台列出待确认的建议（本县的）
        planner = User.objects.get(username="planner")
        self.client.force_login(planner)
        pending = CreditProposal.objects.filter(
            status="pending", scope_path__startswith=scope.root_path(planner)
        ).count()
        self.assertGreater(pending, 0)
        home = self.client.get("/").content.decode()
        self.assertIn(f"待确认的信用风险分类调整建议 {pending} 项", home)
