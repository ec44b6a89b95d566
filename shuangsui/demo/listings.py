"""演示数据：经营异常名录的每种状态（本县东海所的主体，inspector 承办、head 审核、bureau 审批）。

待提醒负责人、待所长审核、待局审批、已列入、不予批准、个体工商户的经营异常状态、移出审批中，
以及一项期限中的责令限期公示。再次运行时已有演示列异则跳过。
"""

import datetime

from django.db import transaction

from shuangsui.core import scope
from shuangsui.core.models import User
from shuangsui.directory.models import Entity
from shuangsui.listings import services
from shuangsui.listings.choices import Cause
from shuangsui.listings.models import AbnormalListing

SOURCE = "演示："
UNREACHABLE_FACTS = "现场核查，登记住所已无该主体经营，周边商户称已搬离半年以上；电话无人接听。"
CONCEALED_FACTS = "2025年度报告填报的从业人数、资产总额与现场核查的账簿、社保缴纳记录明显不符。"


def seed_listings(county):
    """返回写入的列异条数；演示账号或主体不够时返回 0（不抛错）。"""
    suffix = "" if county.code == "350503" else f"_{county.code}"
    users = {
        u.username.split("_")[0]: u
        for u in User.objects.filter(
            username__in=[f"{n}{suffix}" for n in ("inspector", "head", "bureau")]
        )
    }
    if len(users) < 3 or users["head"].unit.level != "station":
        return 0
    inspector, head, bureau = users["inspector"], users["head"], users["bureau"]
    station = head.unit
    if AbnormalListing.objects.filter(
        scope.under(station.path), source__startswith=SOURCE
    ).exists():
        return 0
    taken = AbnormalListing.objects.values("entity_id")
    firms = list(
        Entity.objects.filter(unit=station, entity_type="enterprise", status="active")
        .exclude(pk__in=taken)
        .order_by("uid")[:7]
    )
    individual = (
        Entity.objects.filter(unit=station, entity_type="individual", status="active")
        .exclude(pk__in=taken)
        .order_by("uid")
        .first()
    )
    if len(firms) < 7 or individual is None:
        return 0
    today = services.today()
    day = datetime.timedelta(days=1)

    def propose(entity, cause, facts):
        listing, _ = services.propose(
            entity, cause, user=inspector, source=f"{SOURCE}检查结果（{cause.label}）", facts=facts
        )
        return listing

    def remind(listing, outcome="no_answer"):
        services.record_reminder(
            inspector,
            listing,
            method="phone",
            number=listing.entity.phone or "0595-22000000",
            person=listing.entity.legal_rep or "负责人",
            outcome=outcome,
        )

    with transaction.atomic():
        # 1 待提醒负责人（住所无法联系）
        propose(firms[0], Cause.UNREACHABLE, UNREACHABLE_FACTS)
        # 2 待所长审核（已电话提醒）
        remind(propose(firms[1], Cause.UNREACHABLE, UNREACHABLE_FACTS), outcome="reached")
        # 3 待局审批（弄虚作假，所长已审核）
        pending = propose(firms[2], Cause.CONCEALMENT, CONCEALED_FACTS)
        services.review(head, pending, approve=True, note="情况属实，拟列入")
        # 4 已列入
        listed = propose(firms[3], Cause.CONCEALMENT, CONCEALED_FACTS)
        services.review(head, listed, approve=True, note="情况属实")
        services.decide(bureau, listed, approve=True, note="同意列入", on=today - 30 * day)
        # 5 不予批准（所长）
        rejected = propose(firms[4], Cause.UNREACHABLE, UNREACHABLE_FACTS)
        remind(rejected, outcome="reached")
        rejected.refresh_from_db()
        services.review(
            head,
            rejected,
            approve=False,
            note="企业负责人已来所说明并办理住所变更登记，可以取得联系",
        )
        # 6 个体工商户：经营异常状态
        state = propose(individual, Cause.UNREACHABLE, UNREACHABLE_FACTS)
        remind(state, outcome="wrong_number")
        services.review(head, state, approve=True)
        services.decide(bureau, state, approve=True, on=today - 20 * day)
        # 7 移出审批中（信用修复）
        repaired = propose(firms[5], Cause.CONCEALMENT, CONCEALED_FACTS)
        services.review(head, repaired, approve=True)
        services.decide(bureau, repaired, approve=True, on=today - 60 * day)
        services.apply_removal(
            inspector,
            repaired,
            applicant=firms[5].legal_rep or "负责人",
            reason="已如实更正2025年度报告并重新公示，提交了更正说明与社保缴纳证明。",
            applied_on=today - 2 * day,
        )
        # 8 责令限期公示（代码 B），期限中
        services.order_publication(firms[6], inspector, ordered_on=today - 3 * day)
    return AbnormalListing.objects.filter(scope.under(station.path)).count()
