"""检查结果测试共用的场景：在检查实施的场景上，给检查组成员配上登录账号。"""

from django.utils import timezone

from shuangsui.catalog.models import InspectionItem
from shuangsui.core.choices import Role
from shuangsui.core.models import User
from shuangsui.inspections.models import Assignment, Inspection
from shuangsui.inspections.tests.helpers import AUX, EXP, MatchingTestCase
from shuangsui.inspectors.models import Inspector

TODAY = timezone.localdate()


def account(person, role=Role.INSPECTOR):
    if person.user_id:
        return person.user
    user = User.objects.create(
        username=f"u{person.badge_no}", role=role, unit=person.unit, first_name=person.name
    )
    Inspector.objects.filter(pk=person.pk).update(user=user)
    person.refresh_from_db()
    return user


class ResultsTestCase(MatchingTestCase):
    """FJSC-011 食品销售者检查（核查方式“1,4”：应当现场检查）。"""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.item = InspectionItem.objects.get(unit=cls.county, code="FJSC-011")
        for person in Inspector.objects.all():
            account(person)

    def target(self, entity=None):
        """东海所第一户（有两名执法人员）。"""
        entity = entity or self.here[1]
        return Inspection.objects.get(draw=self.draw, uid=entity.uid)

    def officers(self, inspection):
        return [
            a.inspector
            for a in Assignment.objects.filter(
                inspection=inspection, active=True, counts_as_officer=True
            ).select_related("inspector__user")
        ]

    def data(self, inspection, **over):
        people = self.officers(inspection)
        data = dict(
            checked_from=TODAY,
            checked_to=TODAY,
            methods=["1"],
            codes=["1"],
            facts="",
            provisions="",
            present=[p.pk for p in people],
        )
        data.update(over)
        return data

    def extra(self, inspection, badge):
        from shuangsui.inspections import services as inspections

        person = Inspector.objects.get(badge_no=badge)
        inspections.add_extra(inspection, self.users["planner"], person, "专业支持")
        return person


__all__ = ["AUX", "EXP", "TODAY", "ResultsTestCase", "account"]
