"""演示数据：再检查（质量复查）的两种状态。

在“检查中”的演示任务里，另一个所再检查完四户（该所两名执法人员录入、该所所长审核，都经结果服务；
这两个账号没有密码，不能登录），加上东海所已检查的一户，然后：
- 一次已完成的交叉检查抽样：planner 与 witness 走完仪式，再检查人员来自另一个所，第一户“有问题未发现”
  （原结果须更正），第二户“与原检查结果一致”，其余待再检查；
- 一次仪式中的再检查抽样：名单已冻结，planner 已承诺，等监督见证方承诺。
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from shuangsui.catalog.models import InspectionItem
from shuangsui.core.choices import Role
from shuangsui.core.models import OrgUnit, User
from shuangsui.inspections import services as inspections
from shuangsui.inspections.models import Inspection
from shuangsui.inspectors.models import Inspector
from shuangsui.rechecks import services as rechecks
from shuangsui.rechecks.choices import Outcome
from shuangsui.results import services as results

SECRETS = {"planner": "演示-再检查-执行方秘密值", "witness": "演示-再检查-见证方秘密值"}
MORE_CHECKS = 4  # 另一个所检查完几户，让抽样有两个所可抽


def _staff(username, role, unit, name):
    """另一个所的在编人员账号（不能登录：没有密码），只为以本人身份录入、审核演示结果。"""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, role=role, unit=unit, first_name=name)
        user.set_unusable_password()
        user.save()
    return user


def _complete_more(task, county, planner):
    """另一个所（演示任务里待检查最多的所）再检查完几户：两名执法人员检查、录入，所长审核。"""
    item = InspectionItem.objects.get(unit=county, code="FJSC-001")
    pending = (
        Inspection.objects.filter(task=task, status="pending")
        .exclude(station__code__startswith=f"{county.code}01")
        .values("station")
        .annotate(n=Count("pk"))
        .order_by("-n", "station__code")
        .first()
    )
    if pending is None:
        return
    station = OrgUnit.objects.get(pk=pending["station"])
    team = list(
        Inspector.objects.filter(unit=station, kind="officer", on_duty=True).order_by("badge_no")[
            :2
        ]
    )
    if len(team) < 2:
        return
    if team[0].user_id is None:
        team[0].user = _staff(f"demo-{team[0].badge_no}", Role.INSPECTOR, station, team[0].name)
        team[0].save()
    head = _staff(f"demo-head-{station.code}", Role.STATION_HEAD, station, f"{station.name}所长")
    today = timezone.localdate()
    todo = Inspection.objects.filter(task=task, station=station, status="pending").order_by("rank")
    for i in todo[:MORE_CHECKS]:
        inspections.assign_directly(
            i, planner, [p.badge_no for p in team], "演示：由本所两名执法人员检查"
        )
        data = dict(
            checked_from=today,
            checked_to=today,
            methods=["1", "2"],
            codes=["1"],
            facts="",
            provisions="",
            present=[p.pk for p in team],
        )
        results.approve(head, results.submit(team[0].user, i, item, data))


def seed_rechecks(county, task):
    """返回 (已完成的抽样, 仪式中的抽样)；演示任务不在时返回 None（不抛错）。"""
    if task is None:
        return None
    suffix = "" if county.code == "350503" else f"_{county.code}"
    planner = User.objects.get(username=f"planner{suffix}")
    witness = User.objects.get(username=f"witness{suffix}")
    me = Inspector.objects.filter(user__username=f"inspector{suffix}").first()
    first = Inspection.objects.filter(task=task, station=me.unit, status="completed").first()
    if first is None:
        return None
    try:
        with transaction.atomic():
            _complete_more(task, county, planner)
            done = rechecks.freeze(
                planner,
                county,
                task.year,
                cross_check=True,
                note="演示：区局对东海所已检查的对象交叉检查",
            )
            for user in (planner, witness):
                rechecks.commit(done, user, value=SECRETS[user.username.split("_")[0]])
            for user in (planner, witness):
                rechecks.reveal(done, user, SECRETS[user.username.split("_")[0]])
            done = rechecks.run(done, planner)
            items = list(done.items.order_by("rank"))
            for n, item in enumerate(items[:2]):
                people = list(rechecks.eligible_checkers(item)[:2])
                rechecks.assign(item, planner, people)
                if n == 0:
                    rechecks.record_outcome(
                        item,
                        planner,
                        Outcome.MISSED,
                        missed="年度报告中的对外投资信息与实际不一致，原检查未发现",
                        correction_needed=True,
                        remark="演示：复查时调取了投资协议",
                    )
                else:
                    rechecks.record_outcome(item, planner, Outcome.CONSISTENT)
            pending = rechecks.freeze(planner, county, task.year, note="演示：等待监督见证方承诺")
            rechecks.commit(pending, planner, value=SECRETS["planner"])
    except ValidationError:
        return None
    return done, pending
