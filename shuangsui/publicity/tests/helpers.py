"""公开门户测试共用：一项按信用分类分层、完成抽取（并有一次作废）的任务，各种不应公开的字段里埋入标记。"""

import datetime
import re
from decimal import Decimal
from urllib.parse import urljoin, urlsplit

from shuangsui.catalog.models import InspectionItem
from shuangsui.core.tests.base import make_entity
from shuangsui.draws import services as draws
from shuangsui.inspectors.models import Inspector
from shuangsui.listings.models import AbnormalListing
from shuangsui.plans import services as plans
from shuangsui.plans.models import AnnualPlan, Task
from shuangsui.plans.tests.helpers import full_ceremony, new_task

# 标记：出现在任何公开回答里都说明泄露了
MARKERS = {
    "entity.phone": "MARKPHONE13900001111",
    "entity.legal_rep": "MARKLEGALREP",
    "inspector.phone": "MARKINSPPHONE",
    "inspector.qualifications": "MARKQUALIF",
    "inspector.expertise": "MARKEXPERT",
    "user.phone": "MARKUSERPHONE",
    "item.note": "MARKITEMNOTE",
    "item.inactive": "MARKINACTIVEITEM",
    "plan.note": "MARKPLANNOTE",
    "plan.draft": "MARKDRAFTPLAN",
    "task.note": "MARKTASKNOTE",
    "task.duplicate_note": "MARKDUPNOTE",
    "task.draft": "MARKDRAFTTASK",
    "result.facts": "MARKFACTS",
    "result.provisions": "MARKPROVISIONS",
    "result.correction_reason": "MARKCORRECTION",
    "result.return_note": "MARKRETURNNOTE",
    "withholding.basis": "MARKWBASIS",
    "withholding.reason": "MARKWREASON",
    "withholding.decision_note": "MARKWNOTE",
    "listing.facts": "MARKLISTFACTS",
    "listing.review_note": "MARKLISTREVIEW",
    "listing.draft_cause": "MARKDRAFTLISTING",
    "followup.details": "MARKFUDETAILS",
    "followup.receiver": "MARKFURECEIVER",
    "followup.closing_note": "MARKFUCLOSING",
}
# 未公示的结果（待公示、申请了不予公示）用的结果代码文字：出现在公开回答里说明泄露了
UNPUBLISHED_TEXTS = [
    "未发现开展本次抽查涉及的经营活动",
    "不配合检查情节严重",
    "公示信息隐瞒真实情况、弄虚作假",  # 审批中的列异提请的事由
]
CREDIT_WORDS = ["A类", "B类", "C类", "D类", "信用风险分类为", "credit_class", '"stratum"']

HREF = re.compile(r'href="([^"#]+)"')


def build_public_world(case):
    """在 PlansTestCase 的数据上：主体、人员、事项、计划与任务里埋标记；完成一次抽取并作废，再抽一次。"""
    county, station = case.county, case.station
    planner, leader, witness = (case.users[n] for n in ("planner", "leader", "witness"))
    for n, cls in enumerate("BBBBCCCDDU", start=500):
        make_entity(
            station,
            n,
            credit_class=cls,
            phone=MARKERS["entity.phone"],
            legal_rep=MARKERS["entity.legal_rep"],
        )
    Inspector.objects.update(
        phone=MARKERS["inspector.phone"],
        qualifications=f",企业公示,{MARKERS['inspector.qualifications']},",
        expertise=MARKERS["inspector.expertise"],
    )
    type(planner).objects.update(phone=MARKERS["user.phone"])
    InspectionItem.objects.filter(unit=county, code="FJSC-001").update(note=MARKERS["item.note"])
    InspectionItem.objects.create(  # 比例上限 100%，少量主体也能抽
        unit=county,
        code="T-PUB",
        name="企业公示信息抽查（测试）",
        kind="general",
        ratio_cap=Decimal("1"),
        note=MARKERS["item.note"],
    )
    InspectionItem.objects.create(
        unit=county, code="X-OLD", name=MARKERS["item.inactive"], kind="general", active=False
    )
    plan = plans.create_plan(
        planner,
        unit=county,
        kind="annual",
        year=2026,
        name="丰泽区2026年度抽查计划",
        note=MARKERS["plan.note"],
    )
    plans.file_plan(plan, planner)
    plans.create_plan(planner, unit=county, kind="joint", year=2026, name=MARKERS["plan.draft"])
    fields = dict(
        quota_mode="class_count",
        class_counts={"B": 2, "C": 1, "D": 1, "U": 1},
        inspectors_per_target=1,
        note=MARKERS["task.note"],
    )
    task = new_task(planner, county, ("T-PUB",), name="丰泽区2026年度企业公示信息抽查", **fields)
    task = plans.approve_task(
        task, leader, allow_duplicates=True, duplicate_note=MARKERS["task.duplicate_note"]
    )
    first = full_ceremony(task, planner, witness)
    draws.request_void(first, planner, "名单范围设错，重新抽取")
    draws.approve_void(first, leader)
    task.refresh_from_db()
    second = full_ceremony(task, planner, witness)
    new_task(planner, county, ("T-PUB",), name=MARKERS["task.draft"], **fields)  # 草稿：不公开
    frozen = new_task(planner, county, ("T-PUB",), name="冻结未抽的任务", **fields)
    frozen = plans.approve_task(frozen, leader, allow_duplicates=True, duplicate_note="测试")
    frozen_draw = draws.freeze(frozen, planner)  # 冻结未抽：任务公开，抽取不公开
    published = publish_some(case, second)
    return {
        **published,
        "frozen": frozen_draw,
        "task": Task.objects.get(pk=task.pk),
        "voided": first,
        "draw": second,
        "plan": AnnualPlan.objects.get(pk=plan.pk),
    }


def crawl(client, start="/public/"):
    """从门户首页出发，沿 /public/ 下的链接走遍所有页面与下载；返回 {地址: 回答}。"""
    seen, queue = {}, [start]
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        response = client.get(url)
        seen[url] = response
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for href in HREF.findall(response.content.decode()):
            target = urljoin(url, href.replace("&amp;", "&"))
            if urlsplit(target).path.startswith("/public/") and target not in seen:
                queue.append(target)
    return seen


def publish_some(case, draw):
    """抽中的前四户：一户公示后更正再公示（旧版本“已更正”），一户公示后撤回，一户依法不予公示（已批准），
    一户审核通过待公示；事实、条款、退回意见、更正原因与不予公示的依据、理由里埋标记。"""
    from shuangsui.publicity import services as publicity
    from shuangsui.results import services as results
    from shuangsui.results.tests.helpers import account

    planner, leader, head = (case.users[n] for n in ("planner", "leader", "head"))
    task = draw.task
    item = task.items.get()
    inspections = list(
        draw.inspections.filter(role="selected", station=case.station).order_by("rank")[:4]
    )
    user = account(inspections[0].assignments.filter(active=True).first().inspector)

    def approved(inspection, codes, facts=""):
        data = dict(
            checked_from=datetime.date(2026, 3, 10),
            checked_to=datetime.date(2026, 3, 10),
            methods=["2"],
            codes=codes,
            facts=facts,
            provisions=MARKERS["result.provisions"],
        )
        result = results.submit(user, inspection, item, data)
        results.return_result(head, result, MARKERS["result.return_note"])
        result = results.submit(user, inspection, item, {})
        return results.approve(head, result)

    first = approved(inspections[0], ["1"])
    withdrawn = approved(inspections[1], ["1"])
    publicity.publish(planner, task)
    new = results.correct(user, first, MARKERS["result.correction_reason"])
    results.submit(user, inspections[0], item, {"codes": ["B"], "facts": MARKERS["result.facts"]})
    results.approve(head, type(new).objects.get(pk=new.pk))
    publicity.publish(planner, task)
    publicity.withdraw(planner, withdrawn.published, "对象认定有误")
    held = approved(inspections[2], ["8"], MARKERS["result.facts"])
    hold = publicity.request_withholding(
        planner, held, MARKERS["withholding.basis"], MARKERS["withholding.reason"]
    )
    publicity.decide_withholding(leader, hold, True, MARKERS["withholding.decision_note"])
    pending = approved(inspections[3], ["F"], MARKERS["result.facts"])
    listed = inspections[0].entity
    AbnormalListing.objects.create(  # 已批准的列入：公开事由与日期，不公开检查情况与审批意见
        entity=listed,
        inspection=inspections[0],
        cause="unreachable",
        station=case.station,
        source="检查结果代码 6",
        facts=MARKERS["listing.facts"],
        review_note=MARKERS["listing.review_note"],
        stage="approved",
        listed_on=datetime.date(2026, 4, 1),
    )
    AbnormalListing.objects.create(  # 审批中的提请：不公开
        entity=inspections[1].entity,
        cause="concealment",
        station=case.station,
        source=MARKERS["listing.draft_cause"],
        facts=MARKERS["listing.facts"],
    )
    # 后续处置：交换格式只给措施名称，处置情况、接收单位与完结情况不公开
    from shuangsui.followups import services as followups
    from shuangsui.followups.models import FollowUp

    followups.ensure_measures()
    FollowUp.objects.create(
        inspection=inspections[0],
        result=first,
        measure=followups.measures().get(code="05"),
        decided_on=datetime.date(2026, 3, 20),
        details=MARKERS["followup.details"],
        receiver=MARKERS["followup.receiver"],
        status="closed",
        closed_on=datetime.date(2026, 3, 25),
        closing_note=MARKERS["followup.closing_note"],
    )
    return {"corrected": first, "withdrawn": withdrawn, "withheld": held, "pending": pending}
