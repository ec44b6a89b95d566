"""演示数据：信用反馈的各种状态。

另立一项只抽东海所的小任务（一般事项上限 5%，演示数据抽中四户），由演示账号检查，都发现问题，所长审核通过。
主体保持抽中时的分类（统计、公示等演示按分类抽取，这里不改它们）；其中未分类、A、B 类的按规则 R1 得到
“调为 C 类”的建议，C、D 类的不产生建议（不是调整的调整不建议）：
- 第一户：先有一次上年度的省级分类导入（补上分类日期），检查后调为 C 类（planner 已确认），之后又导入
  一份分类日期早于这次反馈的省级分类——不改主体，分类历史里记为“未采用”；
- 第二户：planner 已驳回（写明理由）；
- 其余：待确认。
"""

import datetime

from django.utils import timezone

from shuangsui.catalog.models import InspectionItem
from shuangsui.core.models import User
from shuangsui.credit import services as credit
from shuangsui.credit.models import CreditProposal, ensure_rules
from shuangsui.inspections import services as inspections
from shuangsui.inspections.models import Inspection
from shuangsui.inspectors.models import Inspector
from shuangsui.plans import services as plans
from shuangsui.plans.choices import QuotaMode, Stratify, TargetKind
from shuangsui.results import services as results
from shuangsui.transfer.services import import_entities

from .checks import ceremony, colleague_of

PROBLEMS = [
    (
        ["2", "D"],
        "实际经营场所与登记住所不符，未办理变更登记。",
        "《市场主体登记管理条例》第二十四条",
    ),
    (["B"], "2025年度报告未公示对外投资信息。", "《企业信息公示暂行条例》第八条"),
    (["2", "C"], "年度报告公示的从业人数与社保记录明显不符。", "《企业信息公示暂行条例》第十条"),
    (["2", "D"], "未按规定公示行政许可变更信息。", "《企业信息公示暂行条例》第十条"),
    (["2", "D"], "未在经营场所显著位置悬挂营业执照。", "《市场主体登记管理条例》第三十六条"),
]


def seed_credit(task):
    """返回产生的调整建议数；没有演示任务或人员时什么都不做。

    `task` 是正在检查的演示任务（demo/checks.py）：另立一项只抽东海所五户的小任务（同一抽取仪式），
    不动那项任务里各种检查状态的演示。"""
    ensure_rules()
    if task is None:
        return 0
    planner = User.objects.get(username="planner")
    head = User.objects.get(username="head")
    me = Inspector.objects.filter(user__username="inspector").select_related("unit").first()
    if me is None:
        return 0
    colleague = colleague_of(me)
    item = InspectionItem.objects.get(unit=task.unit, code="FJSC-001")
    draw = _mini_draw(task, item, me.unit, planner)
    # 主体保持抽中时的分类（别的演示按分类抽取，不改它们）；C、D 类的不产生建议
    targets = list(
        Inspection.objects.filter(draw=draw, entity__isnull=False)
        .select_related("entity")
        .order_by("rank")[: len(PROBLEMS)]
    )
    light = [i for i in targets if i.entity.credit_class in ("U", "A", "B")]
    if len(light) < 3:
        return 0
    today = timezone.localdate()
    first = light[0].entity
    # 上年度的省级分类（分类不变、补上分类日期）：历史里记一条导入
    _import(
        planner,
        first,
        first.credit_class,
        today - datetime.timedelta(days=200),
        "省级信用风险分类（上年度）",
    )
    for i, (codes, facts, provisions) in zip(targets, PROBLEMS, strict=False):
        inspections.assign_directly(
            i, planner, [me.badge_no, colleague.badge_no], "演示：由演示账号检查"
        )
        data = dict(
            checked_from=today,
            checked_to=today,
            methods=["1", "2"],
            codes=codes,
            facts=facts,
            provisions=provisions,
            present=[me.pk, colleague.pk],
        )
        results.approve(head, results.submit(me.user, i, item, data))
    proposals = {
        p.entity_id: p
        for p in CreditProposal.objects.filter(entity__in=[t.entity_id for t in light])
    }
    confirmed = proposals[first.pk]
    credit.confirm(planner, confirmed, "检查发现登记事项与实际不符，按本局办法调为 C 类")
    credit.reject(
        planner,
        proposals[light[1].entity_id],
        "问题为年报信息漏填，已当场补正，不影响信用风险判断",
    )
    # 省里后来下发的分类，分类日期早于检查反馈：不改主体，历史里记为未采用
    _import(
        planner,
        first,
        confirmed.from_class,
        today - datetime.timedelta(days=30),
        "省级信用风险分类（本年度第三季度）",
    )
    return len(proposals)


def _mini_draw(task, item, station, planner):
    """东海所五户的小任务：与检查中的演示任务同一套创建、批准与抽取仪式。"""
    leader = User.objects.get(username="leader")
    witness = User.objects.get(username="witness")
    today = plans.today()
    mini = plans.create_task(
        planner,
        unit=task.unit,
        plan=task.plan,
        year=today.year,
        name=f"{task.unit.short_name or task.unit.name}{today.year}年东海所企业公示信息抽查（演示：信用反馈）",
        items=[item],
        regions=[station],
        lead_department=task.lead_department,
        target_kind=TargetKind.ENTITIES,
        entity_types=["enterprise", "coop", "individual"],
        statuses=["active"],
        stratify=Stratify.NONE,
        quota_mode=QuotaMode.RATIO,
        ratio="0.05",
        methods=["1", "2"],
        inspectors_per_target=2,
        start_date=today,
        deadline=today + datetime.timedelta(days=30),
        note="演示任务：检查发现问题，信用分类调整建议待确认、已确认、已驳回。",
    )
    mini = plans.approve_task(
        mini, leader, allow_duplicates=True, duplicate_note="演示：用于展示信用反馈"
    )
    return ceremony(mini, planner, witness)


def _import(user, entity, cls, date, name):
    """以 planner 身份导入一行省级分类（更新模式，与页面上的“导入”同一服务）。"""
    data = f"统一社会信用代码,信用风险分类,分类日期\n{entity.uid},{cls},{date.isoformat()}\n"
    import_entities(data.encode(), f"{name}.csv", user=user, mode="upsert")
