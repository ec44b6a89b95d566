"""演示数据：一项已抽取、正在检查的任务，让新来的人看到检查结果的每种状态。

本县（区）的企业公示信息抽查：抽取仪式由 planner 与 witness
完成（服务调用，与页面相同），派发后由计划管理直接指派 inspector 与一名同事到东海所（inspector、head 所在的所）前四户（写明原因），
然后：第一户结果已审核（已检查），第二户被所长退回（写明原因），第三户待审核，第四户是草稿；
其余对象待检查。任务的完成时限设为前天，所以未完成的对象显示为逾期。
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from shuangsui.catalog.models import InspectionItem
from shuangsui.core.choices import UnitLevel
from shuangsui.core.models import OrgUnit, User
from shuangsui.draws import services as draws
from shuangsui.inspections import services as inspections
from shuangsui.inspections.models import Inspection
from shuangsui.inspectors.models import Inspector
from shuangsui.plans import services as plans
from shuangsui.plans.choices import QuotaMode, Stratify, TargetKind
from shuangsui.plans.models import Task
from shuangsui.results import services as results

SECRETS = {"planner": "演示-执行方秘密值-2026", "witness": "演示-见证方秘密值-2026"}


def ceremony(task, planner, witness):
    """演示的抽取仪式：冻结、双方承诺、揭示、执行；返回完成的抽取。"""
    draw = draws.freeze(task, planner)
    for user in (planner, witness):
        draws.commit(draw, user, value=SECRETS[user.username.split("_")[0]])
    for user in (planner, witness):
        draws.reveal(draw, user, SECRETS[user.username.split("_")[0]])
    draw.refresh_from_db()
    return draws.run(draw, planner)


def colleague_of(me):
    """同所另一位在岗的执法人员（按执法证号取第一位）：演示的检查组是“我”和他；没有时返回 None。"""
    return (
        Inspector.objects.filter(unit=me.unit, kind="officer", on_duty=True)
        .exclude(pk=me.pk)
        .order_by("badge_no")
        .first()
    )


def _result(inspection, user, team, **over):
    data = dict(
        checked_from=timezone.localdate(),
        checked_to=timezone.localdate(),
        methods=["1", "2"],
        codes=["1"],
        facts="",
        provisions="",
        present=[p.pk for p in team],
    )
    data.update(over)
    return data


def seed_checks(county, plan=None):
    """返回任务；演示主体或人员不够时返回 None（不抛错）。"""
    suffix = "" if county.code == "350503" else f"_{county.code}"
    planner = User.objects.get(username=f"planner{suffix}")
    leader = User.objects.get(username=f"leader{suffix}")
    witness = User.objects.get(username=f"witness{suffix}")
    head = User.objects.get(username=f"head{suffix}")
    me = Inspector.objects.filter(user__username=f"inspector{suffix}").first()
    if me is None:
        return None
    station = me.unit
    if station.level != UnitLevel.STATION:
        return None
    colleague = colleague_of(me)
    if colleague is None:
        return None
    item = InspectionItem.objects.get(unit=county, code="FJSC-001")
    credit_dept = OrgUnit.objects.get(code=f"{county.code}D01")
    today = plans.today()
    try:
        with transaction.atomic():
            task = plans.create_task(
                planner,
                unit=county,
                plan=plan,
                year=today.year,
                name=f"{county.short_name or county.name}{today.year}年企业公示信息专项抽查（演示：检查中）",
                items=[item],
                lead_department=credit_dept,
                target_kind=TargetKind.ENTITIES,
                entity_types=["enterprise", "coop"],
                statuses=["active"],
                stratify=Stratify.CREDIT,
                quota_mode=QuotaMode.CLASS_RATIO,
                class_ratios={"B": "0.03", "C": "0.05", "D": "0.05"},
                reserves={"B": 1},
                methods=["1", "2"],
                inspectors_per_target=2,
                start_date=today,
                deadline=today + datetime.timedelta(days=30),
                note="演示任务：已抽取，部分对象已检查、被退回、待审核，其余逾期未检查。",
            )
            task = plans.approve_task(
                task,
                leader,
                allow_duplicates=True,
                duplicate_note="演示：用于展示检查结果的各种状态",
            )
            draw = ceremony(task, planner, witness)
            targets = list(
                Inspection.objects.filter(draw=draw, station=station).order_by("rank")[:4]
            )
            for i in targets:
                inspections.assign_directly(
                    i, planner, [me.badge_no, colleague.badge_no], "演示：由演示账号检查"
                )
            team = [me, colleague]
            if len(targets) >= 1:
                r = results.submit(me.user, targets[0], item, _result(targets[0], me.user, team))
                results.approve(head, r)
            if len(targets) >= 2:
                r = results.submit(
                    me.user,
                    targets[1],
                    item,
                    _result(
                        targets[1],
                        me.user,
                        team,
                        codes=["B"],
                        facts="2025年度报告未公示对外投资信息。",
                        provisions="《企业信息公示暂行条例》第八条",
                    ),
                )
                results.return_result(head, r, "请补充现场笔录，并注明责令改正的期限")
            if len(targets) >= 3:
                results.submit(me.user, targets[2], item, _result(targets[2], me.user, team))
            if len(targets) >= 4:
                results.save_draft(
                    me.user, targets[3], item, _result(targets[3], me.user, team, codes=[])
                )
            past = today - datetime.timedelta(days=2)
            Task.objects.filter(pk=task.pk).update(
                start_date=today - datetime.timedelta(days=40), deadline=past
            )
            Inspection.objects.filter(draw=draw).update(deadline=past)
    except ValidationError:
        return None
    return task
