"""后续处置测试共用的场景：东海所第一户有一条审核通过、发现问题（代码 D）的结果，第二户未发现问题。"""

import datetime

from shuangsui.inspections.models import Inspection
from shuangsui.results import services as results
from shuangsui.results.tests.helpers import TODAY, ResultsTestCase

DAY = datetime.timedelta(days=1)
CHECKED = TODAY - 20 * DAY  # 检查日期：20 天前
FACTS = "未按规定建立食品进货查验记录"


class FollowUpTestCase(ResultsTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.problem_target = Inspection.objects.get(draw=cls.draw, uid=cls.here[1].uid)
        cls.clean_target = Inspection.objects.get(draw=cls.draw, uid=cls.here[2].uid)
        cls.problem = cls.approved(
            cls.problem_target, codes=["D"], facts=FACTS, provisions="《食品安全法》第五十三条"
        )
        cls.clean = cls.approved(cls.clean_target, codes=["1"])

    @classmethod
    def approved(cls, inspection, **over):
        team = [
            a.inspector for a in inspection.assignments.filter(active=True, counts_as_officer=True)
        ]
        data = dict(
            checked_from=CHECKED,
            checked_to=CHECKED,
            methods=["1"],
            codes=["1"],
            facts="",
            provisions="",
            present=[p.pk for p in team],
        )
        data.update(over)
        r = results.submit(team[0].user, inspection, cls.item, data)
        return results.approve(cls.users["head"], r)


__all__ = ["CHECKED", "DAY", "FACTS", "TODAY", "FollowUpTestCase"]
