"""测试基类：两个县（区）的组织单元、每个角色的用户、少量市场主体和检查人员。"""

import datetime

from django.test import TestCase

from shuangsui.core.models import OrgUnit
from shuangsui.demo import data as demo
from shuangsui.directory import uscc
from shuangsui.directory.models import Entity
from shuangsui.inspectors.models import Inspector

PASSWORD = demo.DEMO_PASSWORD
ROLES = ["admin", "planner", "business", "head", "inspector", "joint", "witness", "bureau"]


def make_uid(n, region="350503", kind="1"):
    return uscc.make(f"9{kind}{region}{n:09d}")


def make_entity(unit, n, **fields):
    county = unit.county
    defaults = dict(
        name=f"测试企业{n}有限公司",
        entity_type="enterprise",
        region_code=county.code,
        industry_code="F51",
        status="active",
        credit_class="B",
        established=datetime.date(2020, 1, 1),
    )
    defaults.update(fields)
    return Entity.objects.create(uid=make_uid(n, county.code), unit=unit, **defaults)


def make_inspector(unit, badge, **fields):
    defaults = dict(name=f"检查员{badge}", kind="officer", qualifications=",企业公示,")
    defaults.update(fields)
    return Inspector.objects.create(badge_no=badge, unit=unit, **defaults)


class BaseTestCase(TestCase):
    """丰泽区（350503）为本县，鲤城区（350502）为他县；用户名见 demo.build_users。"""

    @classmethod
    def setUpTestData(cls):
        counties = demo.build_org()
        cls.county, cls.other_county = counties["350503"], counties["350502"]
        cls.users = {}
        for county in counties.values():
            demo.build_items(county)
            for user in demo.build_users(county):
                cls.users[user.username] = user
        cls.station = OrgUnit.objects.get(code="35050301")
        cls.station2 = OrgUnit.objects.get(code="35050302")
        cls.other_station = OrgUnit.objects.get(code="35050201")
        cls.entity = make_entity(cls.station, 1, name="泉州鑫源贸易有限公司", credit_class="A")
        cls.entity2 = make_entity(
            cls.station2, 2, name="丰泽区刺桐小吃店", entity_type="individual"
        )
        cls.other_entity = make_entity(cls.other_station, 3, name="鲤城开元商行有限公司")
        cls.inspector = make_inspector(cls.station, "35050300001")
        cls.other_inspector = make_inspector(cls.other_station, "35050200001")

    def user(self, name):
        return self.users[name]

    def assertRefused(self, response, reason="不在您的辖区内"):
        """存在但不许看：403，并说明原因（页面或 API 的 detail）。"""
        self.assertEqual(response.status_code, 403, response)
        if response.get("Content-Type", "").startswith("application/json"):
            self.assertIn(reason, response.json()["detail"])
        else:
            self.assertIn(reason, response.content.decode())

    def login(self, name):
        self.client.force_login(self.users[name])
        return self.users[name]
