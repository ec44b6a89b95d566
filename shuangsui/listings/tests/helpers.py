"""列异测试共用的场景：检查结果的场景（东海所、城东所的一次抽取），加上城东所所长与局审批人。"""

import datetime

from shuangsui.core.choices import Role
from shuangsui.core.models import User
from shuangsui.notices import services as notices
from shuangsui.results import services as results
from shuangsui.results.tests.helpers import ResultsTestCase

D = datetime.date
MAY4 = D(2026, 5, 4)


class ListingsTestCase(ResultsTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.head2 = User.objects.create(
            username="head_cd", role=Role.STATION_HEAD, unit=cls.station2, first_name="城东所长"
        )
        cls.bureau = cls.users["bureau"]
        cls.bureau2 = User.objects.create(
            username="bureau_b", role=Role.BUREAU_APPROVER, unit=cls.county, first_name="审批人乙"
        )

    def approved(self, inspection, codes, facts="检查发现的事实。", provisions=""):
        """检查组录入、提交，所长审核通过：返回审核通过的结果。"""
        people = self.officers(inspection)
        data = self.data(inspection, codes=codes, facts=facts, provisions=provisions)
        result = results.submit(people[0].user, inspection, self.item, data)
        return results.approve(self.user("head"), result)

    def returned_twice(self, inspection, user=None, first=MAY4):
        user = user or self.user("planner")
        one = notices.record_mailing(
            inspection, user, method="registered", sent_on=first, tracking_no="XA100"
        )
        notices.record_outcome(
            one,
            user,
            outcome="returned",
            outcome_on=first + datetime.timedelta(days=6),
            return_reason="查无此单位",
        )
        two = notices.record_mailing(
            inspection,
            user,
            method="ems",
            sent_on=first + datetime.timedelta(days=16),
            tracking_no="EMS200",
        )
        return notices.record_outcome(
            two,
            user,
            outcome="returned",
            outcome_on=first + datetime.timedelta(days=20),
            return_reason="原址已拆迁",
        )
