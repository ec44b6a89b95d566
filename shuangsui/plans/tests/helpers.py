"""计划、任务与抽取测试共用的工具：临时的抽取文件目录、建任务、建主体、走完抽取仪式。"""

import datetime
import shutil
import tempfile

from django.test import override_settings

from shuangsui.catalog.models import InspectionItem
from shuangsui.core.tests.base import BaseTestCase, make_entity
from shuangsui.draws import services as draws
from shuangsui.plans import services as plans

START = datetime.date(2026, 3, 1)
END = datetime.date(2026, 6, 30)
SECRETS = {"planner": "operator-secret-1234", "witness": "witness-secret-5678"}


class DrawFilesMixin:
    """每个测试类用自己的临时 DRAW_FILES_ROOT。"""

    @classmethod
    def setUpClass(cls):
        cls._draw_root = tempfile.mkdtemp(prefix="shuangsui-draws-")
        cls._draw_override = override_settings(DRAW_FILES_ROOT=cls._draw_root)
        cls._draw_override.enable()
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls._draw_override.disable()
        shutil.rmtree(cls._draw_root, ignore_errors=True)


def item(county, code):
    return InspectionItem.objects.get(unit=county, code=code)


def populate(station, start, classes, **fields):
    """在所里建一批主体：classes 为信用分类串，如 "BBBCCD"；返回主体列表。"""
    return [
        make_entity(station, start + i, credit_class=cls, **fields) for i, cls in enumerate(classes)
    ]


def new_task(user, county, codes=("FJSC-001",), **fields):
    defaults = dict(
        year=2026,
        start_date=START,
        deadline=END,
        quota_mode="class_ratio",
        class_ratios={"B": "0.05", "C": "0.05", "D": "0.05"},
        methods=["1", "2"],
    )
    defaults.update(fields)
    return plans.create_task(user, items=[item(county, c) for c in codes], **defaults)


def full_ceremony(task, operator, witness, *, public=None):
    """冻结、双方承诺、双方揭示、（可选公开随机值）、抽取；返回完成的抽取。"""
    draw = draws.freeze(task, operator)
    draws.commit(draw, operator, value=SECRETS.get(operator.username, "operator-secret-x"))
    draws.commit(draw, witness, value=SECRETS.get(witness.username, "witness-secret-x"))
    draws.reveal(draw, operator, SECRETS.get(operator.username, "operator-secret-x"))
    draws.reveal(draw, witness, SECRETS.get(witness.username, "witness-secret-x"))
    if public:
        draws.add_public_value(draw, operator, *public)
    return draws.run(draw, operator)


class PlansTestCase(DrawFilesMixin, BaseTestCase):
    """BaseTestCase 加上临时抽取目录与常用快捷方式。codes 为新任务默认的抽查事项。"""

    codes = ("FJSC-001",)

    def task(self, user="planner", codes=None, **fields):
        return new_task(self.user(user), self.county, codes or self.codes, **fields)

    def approved(self, **fields):
        task = self.task(**fields)
        return plans.approve_task(task, self.user("leader"))  # 职责分离：另一人批准
