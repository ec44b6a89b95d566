"""演示数据：结果公示的每种状态，让门户“抽查结果公告”有内容、工作页面“结果公示”有期限可看。

另建一项东海所六户的小任务（与“检查中”的演示任务同一计划，见 demo/checks.py）并完成抽取，
各户直接指派给 inspector 与同事，检查、审核通过后：
- 一户今天公示（第 2 号公告）；
- 一户 12 天前按时公示（第 1 号公告），随后更正（结果代码改为“未按规定公示应当公示的信息”），
  更正后的版本与上面那户一起公示，旧版本仍公开、标“已更正”；
- 一户依法不予公示（planner 申请、leader 批准）；
- 一户 40 天前检查完毕，待公示，已逾期；一户 3 天前检查完毕，待公示，期限还在走。
东海所主体不够、抽中的户数少时少做几种（按上面的顺序），不抛错。
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from shuangsui.core.models import User
from shuangsui.inspections import services as inspections
from shuangsui.inspections.models import Inspection
from shuangsui.inspectors.models import Inspector
from shuangsui.plans import services as plans
from shuangsui.plans.choices import QuotaMode, Stratify, TargetKind
from shuangsui.publicity import services as publicity
from shuangsui.publicity.models import Publication
from shuangsui.results import services as results
from shuangsui.results.models import Result

from .checks import ceremony, colleague_of


def seed_publicity(task):
    """返回发布的公告数；task 为 None（没有建“检查中”的任务）时什么都不做。"""
    if task is None:
        return 0
    county = task.unit.county
    suffix = "" if county.code == "350503" else f"_{county.code}"
    planner, leader, head = (
        User.objects.get(username=f"{name}{suffix}") for name in ("planner", "leader", "head")
    )
    me = Inspector.objects.get(user__username=f"inspector{suffix}")
    colleague = colleague_of(me)
    item = task.items.order_by("code").first()
    today = plans.today()
    try:
        with transaction.atomic():
            task = _drawn_task(task, me.unit, planner, leader, item)
    except ValidationError:  # 东海所的主体太少，任务通不过批准前检查
        return 0
    targets = list(
        Inspection.objects.filter(task=task, station=me.unit, role="selected").order_by("rank")
    )
    if colleague is None or not targets:
        return 0

    def day(n):
        return today - datetime.timedelta(days=n)

    def approved(target, checked, codes=("1",), facts=""):
        inspections.assign_directly(
            target, planner, [me.badge_no, colleague.badge_no], "演示：由演示账号检查"
        )
        data = dict(
            checked_from=checked,
            checked_to=checked,
            methods=["1", "2"],
            codes=list(codes),
            facts=facts,
            provisions="",
            present=[me.pk, colleague.pk],
        )
        return results.approve(head, results.submit(me.user, target, item, data))

    def correct(target):
        old = approved(target, day(30))
        publicity.publish(planner, task, [old], today=day(12))  # 第 1 号公告，按时
        new = results.correct(me.user, old, "演示：结果代码录错，应为未按规定公示应当公示的信息")
        results.submit(
            me.user, target, item, {"codes": ["B"], "facts": "2025年度报告未公示股东出资信息。"}
        )
        return results.approve(head, Result.objects.get(pk=new.pk))

    def withhold(target):
        held = approved(target, day(20), codes=["8"], facts="拒不配合检查，已移送立案。")
        request = publicity.request_withholding(
            planner,
            held,
            "《中华人民共和国政府信息公开条例》第十四条",
            "涉及正在调查的案件，公开可能危及调查",
        )
        publicity.decide_withholding(leader, request, True, "同意：立案调查终结后再行公示")

    with transaction.atomic():
        batch = [approved(targets.pop(0), day(15))]
        steps = [
            correct,
            withhold,
            lambda t: approved(t, day(40)),  # 待公示，已逾期
            lambda t: approved(t, day(3)),  # 待公示，期限还在走
        ]
        for target, step in zip(targets, steps, strict=False):
            made = step(target)
            if step is correct:
                batch.append(made)
        publicity.publish(planner, task, batch)  # 第 2 号公告（含更正），今天
    return Publication.objects.filter(task=task).count()


def _drawn_task(checking, station, planner, leader, item):
    """本所五、六户的一项小任务（按户数分层），走完抽取仪式；返回任务。

    别的演示任务已抽过的主体受年度频次上限约束，名单变小时户数依次减少，抽查比例不超过事项的上限。"""
    for counts in ({"B": 4, "C": 1, "D": 1}, {"B": 3, "C": 1, "D": 1}, {"B": 2, "C": 1, "D": 1}):
        try:
            with transaction.atomic():
                return _ceremony(checking, station, planner, leader, item, counts)
        except ValidationError:
            continue
    raise ValidationError("东海所的主体太少")


def _ceremony(checking, station, planner, leader, item, counts):
    today = plans.today()
    task = plans.create_task(
        planner,
        unit=checking.unit,
        plan=checking.plan,
        year=today.year,
        name=f"{station.county.short_name}{today.year}年企业公示信息抽查（演示：结果公示）",
        items=[item],
        lead_department=checking.lead_department,
        target_kind=TargetKind.ENTITIES,
        entity_types=["enterprise", "coop", "individual"],
        statuses=["active"],
        stratify=Stratify.CREDIT,
        quota_mode=QuotaMode.CLASS_COUNT,
        class_counts=counts,
        methods=["1", "2"],
        inspectors_per_target=2,
        start_date=today - datetime.timedelta(days=45),
        deadline=today + datetime.timedelta(days=15),
        note="演示任务：检查结果分批公示、更正、依法不予公示、待公示与逾期。",
        regions=[station],
    )
    task = plans.approve_task(
        task, leader, allow_duplicates=True, duplicate_note="演示：用于展示结果公示的各种状态"
    )
    ceremony(
        task, planner, User.objects.get(username=planner.username.replace("planner", "witness"))
    )
    return task
