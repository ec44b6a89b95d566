"""演示数据：后续处置的各种状态。

一项只抽东海所（inspector、head 所在的所）的企业公示信息抽查任务（比例 5%，抽取仪式由 planner 与
witness 完成），前六户由 inspector 与同事检查、发现问题、所长审核通过，然后：
第五户责令改正、期限未到；第六户责令改正、已逾期；第七户责令改正、经复查已改正（已完结）；
第八户立案调查，已作出行政处罚决定（有决定书文号，可按文号查找、生成“两张清单”“一书一函”）；
第九户线索移送办案机构（未完结）。另有一户（第十户）发现问题、尚待处置。
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from shuangsui.catalog.models import InspectionItem
from shuangsui.core.models import OrgUnit, User
from shuangsui.followups import services as followups
from shuangsui.inspections import services as inspections
from shuangsui.inspections.models import Inspection
from shuangsui.inspectors.models import Inspector
from shuangsui.plans import services as plans
from shuangsui.plans.choices import QuotaMode, Stratify, TargetKind
from shuangsui.results import services as results

from .checks import ceremony, colleague_of

PROBLEMS = [
    ("B", "2025年度报告未公示股东出资信息。", "《企业信息公示暂行条例》第八条、第九条"),
    ("B", "未按规定公示行政许可取得信息。", "《企业信息公示暂行条例》第十条"),
    ("D", "经营场所悬挂的营业执照与登记事项不一致。", "《市场主体登记管理条例》第三十六条"),
    ("C", "年度报告公示的从业人数、资产总额与实际明显不符。", "《企业信息公示暂行条例》第十七条"),
    ("D", "擅自变更经营场所未办理变更登记。", "《市场主体登记管理条例》第二十四条"),
    ("B", "未按规定公示知识产权出质登记信息。", "《企业信息公示暂行条例》第十条"),
]
DECISION = "泉丰市监罚〔{year}〕12号"


def _drawn_task(station, plan):
    """只抽本所的一项任务，抽取完成后返回它。"""
    planner, leader = User.objects.get(username="planner"), User.objects.get(username="leader")
    county = station.county
    task = plans.create_task(
        planner,
        unit=county,
        plan=plan,
        name=f"{county.short_name or county.name}{plans.today().year}年企业公示信息抽查（演示：后续处置）",
        items=[InspectionItem.objects.get(unit=county, code="FJSC-001")],
        lead_department=OrgUnit.objects.get(code=f"{county.code}D01"),
        regions=[station],
        target_kind=TargetKind.ENTITIES,
        entity_types=["enterprise", "individual", "coop"],
        statuses=["active"],
        stratify=Stratify.NONE,
        quota_mode=QuotaMode.RATIO,
        ratio=Decimal("0.05"),
        methods=["1", "2"],
        inspectors_per_target=2,
        start_date=plans.today() - datetime.timedelta(days=30),
        deadline=plans.today() + datetime.timedelta(days=30),
        note="演示任务：发现问题后的责令改正、复查、立案调查与线索移送。",
    )
    task = plans.approve_task(
        task, leader, allow_duplicates=True, duplicate_note="演示：用于展示后续处置"
    )
    ceremony(task, planner, User.objects.get(username="witness"))
    return task


def seed_followups(plan=None):
    """返回登记的措施数；演示主体或人员不够时返回 0（不抛错）。"""
    me = Inspector.objects.filter(user__username="inspector").first()
    head = User.objects.filter(username="head").first()
    if me is None or head is None:
        return 0
    colleague = colleague_of(me)
    if colleague is None:
        return 0
    today = timezone.localdate()

    def day(n):
        return today - datetime.timedelta(days=n)

    try:
        with transaction.atomic():
            task = _drawn_task(me.unit, plan)
            item = task.items.get()
            targets = list(Inspection.objects.filter(task=task).order_by("rank")[: len(PROBLEMS)])
            if len(targets) < len(PROBLEMS):
                raise ValidationError("演示对象不够")
            approved = []
            for n, (inspection, (code, facts, provisions)) in enumerate(
                zip(targets, PROBLEMS, strict=True)
            ):
                inspections.assign_directly(
                    inspection,
                    User.objects.get(username="planner"),
                    [me.badge_no, colleague.badge_no],
                    "演示：后续处置的各种状态",
                )
                r = results.submit(
                    me.user,
                    inspection,
                    item,
                    dict(
                        checked_from=day(25 - n),
                        checked_to=day(25 - n),
                        methods=["1"],
                        codes=[code],
                        facts=facts,
                        provisions=provisions,
                        present=[me.pk, colleague.pk],
                    ),
                )
                approved.append(results.approve(head, r))
            not_due, overdue, closed, case, referral = approved[:5]  # 第六条留作“待处置”
            followups.record(
                head,
                not_due,
                measure="03",
                decided_on=day(20),
                due_on=day(-10),
                details="十五日内补报2025年度报告中的股东出资信息",
            )
            followups.record(
                head,
                overdue,
                measure="03",
                decided_on=day(20),
                due_on=day(5),
                details="补充公示行政许可取得信息",
            )
            order = followups.record(
                head,
                closed,
                measure="03",
                decided_on=day(20),
                due_on=day(10),
                details="换领并悬挂与登记事项一致的营业执照",
            )
            followups.recheck(
                head,
                order,
                checked_on=day(8),
                checked_by=f"{me.name}、{colleague.name}",
                outcome="corrected",
                note="已换领营业执照并在经营场所悬挂",
            )
            filed = followups.record(
                head,
                case,
                measure="08",
                decided_on=day(18),
                details="年度报告弄虚作假，立案调查",
            )
            followups.set_decision(
                head, filed, decision_no=DECISION.format(year=today.year), decision_on=day(6)
            )
            followups.record(
                head,
                referral,
                measure="04",
                decided_on=day(15),
                receiver="泉州市丰泽区市场监督管理局执法稽查大队",
                details="涉嫌擅自变更经营场所，移送案件线索",
            )
    except ValidationError:
        return 0
    return 5
