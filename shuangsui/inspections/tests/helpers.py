"""检查实施测试共用的场景：两个所的主体与检查人员，一次走完的抽取。

东海所（35050301）：执法人员 S1–S4（食品安全，食品安全监管股）、申报回避第一户的 CON、
不在岗的 OFF、只有“企业公示”资质的基类人员 35050300001、辅助人员 AUX、专家 EXP。
城东所（35050302）：只有一名执法人员 T1，所以那里的对象随机匹配人员不足。
"""

import json

from shuangsui.core.models import OrgUnit
from shuangsui.core.tests.base import make_inspector
from shuangsui.draws import services as draws
from shuangsui.draws.choices import FileKind
from shuangsui.plans import services as plans
from shuangsui.plans.tests.helpers import PlansTestCase, full_ceremony, new_task, populate

FOOD = ",食品安全,企业公示,"
S = ["35050310001", "35050310002", "35050310003", "35050310004"]
CON, OFF, T1 = "35050310006", "35050310005", "35050320001"
AUX, EXP = "FZ35050310001", "ZJ35050310001"
HEALTH = ["35050351001", "35050351002", "35050351003"]


class MatchingTestCase(PlansTestCase):
    codes = ("FJSC-011",)  # 食品销售者检查：重点事项，资质“食品安全”，实地检查

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.food = OrgUnit.objects.get(code="350503D02")
        cls.health = OrgUnit.objects.get(code="350503D51")
        contact = dict(
            address="福建省泉州市丰泽区东海大街8号", legal_rep="林志强", phone="13905951234"
        )
        cls.here = populate(cls.station, 100, "BBBBBB", **contact)
        cls.there = populate(cls.station2, 200, "BBB", **contact) + [cls.entity2]
        people = {}
        for badge in S:
            people[badge] = make_inspector(
                cls.station, badge, qualifications=FOOD, department=cls.food
            )
        people[CON] = make_inspector(cls.station, CON, qualifications=FOOD, department=cls.food)
        people[CON].conflicts.add(cls.here[0])
        people[OFF] = make_inspector(
            cls.station, OFF, qualifications=FOOD, department=cls.food, on_duty=False
        )
        people[AUX] = make_inspector(cls.station, AUX, qualifications=FOOD, kind="auxiliary")
        people[EXP] = make_inspector(cls.station, EXP, qualifications=FOOD, kind="expert")
        people[T1] = make_inspector(cls.station2, T1, qualifications=FOOD, department=cls.food)
        cls.people = people
        cls.draw = cls.run_task()

    @classmethod
    def new_task(cls, *, approve=True, allow_neighbouring=False, **fields):
        defaults = dict(class_ratios={"B": "1"})
        defaults.update(fields)
        planner = cls.users["planner"]
        task = new_task(planner, cls.county, cls.codes, **defaults)
        if allow_neighbouring:
            type(task).objects.filter(pk=task.pk).update(allow_neighbouring=True)
        if approve:
            task = plans.approve_task(
                task, cls.users["leader"], allow_duplicates=True, duplicate_note="测试用的另一任务"
            )
        return task

    @classmethod
    def run_task(cls, **fields):
        task = cls.new_task(**fields)
        return full_ceremony(task, cls.users["planner"], cls.users["witness"])

    def pool(self, draw=None):
        return json.loads(draws.read_file(draw or self.draw, FileKind.POOL))
