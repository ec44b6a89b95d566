"""演示数据：让监管看板每张图都有内容，并有逾期与到期提醒。

- 另建一项只抽东海所 3 户 B 类企业的小任务（4%，在一般事项 5% 的上限之内），inspector 与同事检查、
  所长审核通过：发现问题已责令改正（A,2,B,E）、无法联系（A,2,6）、未发现问题（1）；任务已完成于
  8 天前——工作总结在完成后 10 日内报送，所以看板上有“工作总结”到期提醒，附预填的数字；
- 局领导、计划员、所长的账号填上示例邮箱，`shuangsui stats digest` 就有收件人（控制台邮件）。
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from shuangsui.catalog.models import InspectionItem
from shuangsui.core.models import OrgUnit, User
from shuangsui.inspections import services as inspections
from shuangsui.inspections.models import Inspection
from shuangsui.inspectors.models import Inspector
from shuangsui.plans import services as plans
from shuangsui.plans.choices import QuotaMode, Stratify, TargetKind
from shuangsui.plans.models import Task
from shuangsui.results import services as results

from .checks import _result, ceremony, colleague_of

CODES = [
    (["A", "2", "B", "E"], "2025年度报告未公示对外投资信息，已责令改正。"),
    (["A", "2", "6"], "通过登记的住所无法联系。"),
    (["1"], ""),
]


def _check(me, colleague, head, planner, item, inspection, codes, facts):
    inspections.assign_directly(
        inspection, planner, [me.badge_no, colleague.badge_no], "演示：由演示账号检查"
    )
    data = _result(inspection, me.user, [me, colleague], codes=codes, facts=facts)
    if facts and "A" in codes:
        data["provisions"] = "《企业信息公示暂行条例》第八条"
    results.approve(head, results.submit(me.user, inspection, item, data))


def seed_stats(county, checking):
    """checking 为 demo/checks.py 建的任务（没有时说明演示人员不够）；返回小任务，条件不够时 None。"""
    if checking is None:
        return None
    planner = User.objects.get(username="planner")
    leader = User.objects.get(username="leader")
    witness = User.objects.get(username="witness")
    head = User.objects.get(username="head")
    me = Inspector.objects.get(user__username="inspector")
    station = me.unit
    colleague = colleague_of(me)
    item = InspectionItem.objects.get(unit=county, code="FJSC-001")
    for user in (leader, planner, head):
        User.objects.filter(pk=user.pk, email="").update(email=f"{user.username}@example.org")
    small = None
    try:
        with transaction.atomic():
            today = plans.today()
            small = plans.create_task(
                planner,
                unit=county,
                year=today.year,
                name=f"{county.short_name or county.name}{today.year}年东海片区企业公示信息抽查（演示：已完成）",
                items=[item],
                lead_department=OrgUnit.objects.get(code=f"{county.code}D01"),
                target_kind=TargetKind.ENTITIES,
                entity_types=["enterprise"],
                statuses=["active"],
                stratify=Stratify.CREDIT,
                quota_mode=QuotaMode.CLASS_COUNT,
                class_counts={"B": len(CODES)},
                methods=["1", "2"],
                inspectors_per_target=2,
                start_date=today,
                deadline=today + datetime.timedelta(days=20),
                regions=[station],
                note="演示任务：三户都已检查、审核，任务已完成，待报送工作总结。",
            )
            small = plans.approve_task(
                small, leader, allow_duplicates=True, duplicate_note="演示：已完成的任务"
            )
            draw = ceremony(small, planner, witness)
            for inspection, (codes, facts) in zip(
                Inspection.objects.filter(draw=draw).order_by("rank"), CODES, strict=False
            ):
                _check(me, colleague, head, planner, item, inspection, codes, facts)
            # 演示：任务 8 天前已完成（工作总结 10 日内报送，看板上因此有到期提醒）
            done = today - datetime.timedelta(days=8)
            Task.objects.filter(pk=small.pk).update(
                start_date=done - datetime.timedelta(days=20), completed_on=done
            )
    except ValidationError:
        return None
    return small
