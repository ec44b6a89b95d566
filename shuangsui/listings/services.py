"""列入经营异常名录：提请（由检查结果与邮寄退回的事件触发）、责令限期公示与逾期、列异前提醒、
所长审核与局审批、移出（信用修复）。页面、接口与命令都调用这里的函数。

规则（000 §四(一)(二)(四)；003 二(七)；004 (十一)）：
- 应列尽列：结果代码 6 或同一轮两次邮寄均被退回 → 以“住所无法联系”提请；代码 C → 以“弄虚作假”提请；
  代码 B → 责令限期公示（期限按地区的列异规则，默认 10 个工作日），期满仍未公示才提请。
  同一主体同一事由只有一条审批中或列入中的记录，重复的事件不再提请。
- 无法联系的，列异前须以电话或短信提醒负责人并登记（谁、何时、号码、结果），否则不能报所长审核。
- 推送到主体所属的所；所长审核，再由局审批人审批；提请人不能审核或审批自己的提请，审核人不能再审批；
  不予批准须写明理由。个体工商户标记为经营异常状态。
- 移出：主体纠正后申请（工作人员登记或经接口网上申请），同样经所长审核、局审批；记录保留。
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from shuangsui.core import audit, scope, workdays
from shuangsui.core.choices import Role
from shuangsui.core.signals import own_event
from shuangsui.directory.choices import EntityType
from shuangsui.notices.services import returned_twice

from . import signals, sms
from .choices import (
    CODE_CONCEALMENT,
    CODE_NOT_PUBLISHED,
    CODE_UNREACHABLE,
    DEFAULT_PROVISIONS,
    INDIVIDUAL_PROVISIONS,
    OPEN_STAGES,
    Cause,
    Mark,
    OrderStatus,
    ReminderMethod,
    ReminderOutcome,
    RemovalChannel,
    Stage,
)
from .models import AbnormalListing, ListingRules, PublishOrder, Reminder, Removal

MODELS = (AbnormalListing, Reminder, PublishOrder, Removal)


def today():
    return timezone.localdate()


def rules_for(unit):
    """该单元适用的列异规则：本单元或最近的上级设定的一份；都没有时为默认值（未保存）。"""
    if unit is None:
        return ListingRules()
    found = (
        ListingRules.objects.filter(scope_path__in=unit.ancestor_paths())
        .order_by("-scope_path")
        .first()
    )
    return found or ListingRules()


def station_of(entity):
    """推送的承办单位：主体所属的所（主体的登记/管辖单位），不论哪个所检查的。"""
    return entity.unit


# ---------------------------------------------------------------- 提请


def live(entity, cause):
    """同一主体同一事由审批中或列入中的记录。"""
    return (
        AbnormalListing.objects.filter(entity=entity, cause=cause)
        .filter(stage__in=[*OPEN_STAGES, Stage.APPROVED], removed_on=None)
        .first()
    )


def _snapshot(listing):
    return {
        "entity": listing.entity.uid,
        "cause": listing.cause,
        "mark": listing.mark,
        "station": listing.station.code,
        "stage": listing.stage,
        "source": listing.source,
    }


def propose(
    entity,
    cause,
    *,
    user=None,
    inspection=None,
    result=None,
    source="",
    facts="",
    provisions="",
    action="listing.proposed",
):
    """提请列异（幂等）：已有同一事由审批中或列入中的记录时返回它，不再新建。返回 (记录, 是否新建)。"""
    with transaction.atomic(), own_event(*MODELS):
        existing = live(entity, cause)
        if existing is not None:
            return existing, False
        mark = AbnormalListing.mark_for(entity)
        if not provisions.strip():
            provisions = INDIVIDUAL_PROVISIONS if mark == Mark.STATE else DEFAULT_PROVISIONS[cause]
        listing = AbnormalListing(
            entity=entity,
            inspection=inspection,
            result=result,
            cause=cause,
            mark=mark,
            station=station_of(entity),
            source=source[:200],
            facts=facts,
            provisions=provisions,
            stage=Stage.REMINDER if cause == Cause.UNREACHABLE else Stage.HEAD,
            proposed_by=user,
        )
        try:
            with transaction.atomic():
                listing.save()
        except IntegrityError:  # 并发的同一事件：另一事务已经提请
            return live(entity, cause), False
        audit.log(action, listing, actor=user, after=_snapshot(listing))
    return listing, True


def react_to_result(result, user):
    """检查结果审核通过：代码 6、C 提请列异，代码 B 责令限期公示。返回新建的记录。"""
    inspection = result.inspection
    entity = inspection.entity
    if entity is None:
        return []
    codes = set(result.code_list)
    proposer = result.entered_by or user
    made = []
    for code, cause in (
        (CODE_UNREACHABLE, Cause.UNREACHABLE),
        (CODE_CONCEALMENT, Cause.CONCEALMENT),
    ):
        if code in codes:
            listing, created = propose(
                entity,
                cause,
                user=proposer,
                inspection=inspection,
                result=result,
                source=f"检查结果代码 {code}（{inspection.task.code}）",
                facts=result.facts,
                provisions=result.provisions,
            )
            if created:
                made.append(listing)
    if CODE_NOT_PUBLISHED in codes:
        order = order_publication(entity, proposer, result=result, inspection=inspection)
        if order is not None:
            made.append(order)
    return made


def react_to_mailing(mailing, user):
    """同一轮两次邮寄均被退回：以“住所无法联系”提请列异（待提醒负责人）。"""
    inspection = mailing.inspection
    if inspection.entity is None or not returned_twice(inspection):
        return None
    pair = list(inspection.mailings.filter(round=mailing.round).order_by("sequence"))
    facts = "；".join(
        f"{m.get_sequence_display()}（{m.get_method_display()} {m.tracking_no}，"
        f"{m.sent_on:%Y-%m-%d} 寄出）于 {m.outcome_on:%Y-%m-%d} 被退回：{m.return_reason}"
        for m in pair
    )
    listing, created = propose(
        inspection.entity,
        Cause.UNREACHABLE,
        user=user,
        inspection=inspection,
        source=f"告知书两次邮寄均被退回（{inspection.task.code}）",
        facts=f"按登记的住所两次邮寄抽查告知书均被退回，无法取得联系。{facts}。",
    )
    return listing if created else None


# ---------------------------------------------------------------- 责令限期公示


def publish_deadline(station, ordered_on):
    rules = rules_for(station)
    return workdays.deadline(ordered_on, rules.publish_days, working=rules.publish_working)


def order_publication(entity, user, *, result=None, inspection=None, ordered_on=None):
    """结果代码 B：责令限期公示（该主体已有期限中的责令或同一事由的列异时不再新建）。"""
    if PublishOrder.objects.filter(entity=entity, status=OrderStatus.OPEN).exists():
        return None
    if live(entity, Cause.NOT_PUBLISHED) is not None:
        return None
    ordered_on = ordered_on or today()
    station = station_of(entity)
    with transaction.atomic(), own_event(*MODELS):
        order = PublishOrder.objects.create(
            entity=entity,
            inspection=inspection,
            result=result,
            station=station,
            ordered_on=ordered_on,
            deadline=publish_deadline(station, ordered_on),
            created_by=user,
        )
        audit.log(
            "publish_order.issued",
            order,
            actor=user,
            after={"entity": entity.uid, "ordered_on": ordered_on, "deadline": order.deadline},
        )
    return order


def fulfil_order(user, order, fulfilled_on):
    """登记主体已在期限内公示。"""
    check_handle(user, order.scope_path)
    with transaction.atomic(), own_event(*MODELS):
        order = PublishOrder.objects.select_for_update().get(pk=order.pk)
        if order.status != OrderStatus.OPEN:
            raise ValidationError("这项责令已经了结")
        if fulfilled_on > order.deadline:
            raise ValidationError(
                f"公示日期 {fulfilled_on:%Y-%m-%d} 已过期限 {order.deadline:%Y-%m-%d}，不能算按期公示"
            )
        if fulfilled_on < order.ordered_on:
            raise ValidationError("公示日期不能早于责令日期")
        order.status = OrderStatus.FULFILLED
        order.fulfilled_on = fulfilled_on
        order.save()
        audit.log(
            "publish_order.fulfilled", order, actor=user, after={"fulfilled_on": fulfilled_on}
        )
    return order


def check_deadlines(on=None):
    """每日运行：期限已过（不含期限当日）仍未公示的责令，提请列异。返回新提请的记录。"""
    on = on or today()
    made = []
    overdue = PublishOrder.objects.filter(status=OrderStatus.OPEN, deadline__lt=on)
    for order in overdue.select_related("entity", "result", "inspection__task", "created_by"):
        with transaction.atomic(), own_event(*MODELS):
            locked = PublishOrder.objects.select_for_update().get(pk=order.pk)
            if locked.status != OrderStatus.OPEN:
                continue
            result = order.result
            listing, created = propose(
                order.entity,
                Cause.NOT_PUBLISHED,
                user=order.created_by,
                inspection=order.inspection,
                result=result,
                source=f"责令 {order.deadline:%Y-%m-%d} 前公示，逾期未公示",
                facts=(result.facts if result else "")
                + f"（{order.ordered_on:%Y-%m-%d} 责令限期公示，期限 {order.deadline:%Y-%m-%d}，逾期未公示。）",
                provisions=result.provisions if result else "",
                action="publish_order.overdue",
            )
            locked.status = OrderStatus.OVERDUE
            locked.proposal = listing
            locked.save()
            if created:
                made.append(listing)
    return made


# ---------------------------------------------------------------- 权限与查询


def visible(user):
    return scope.scoped(
        AbnormalListing.objects.select_related("entity", "station"), user, "listings.view"
    )


def get_listing(user, pk):
    return scope.get_scoped(
        AbnormalListing.objects.select_related("entity", "station", "result", "inspection"),
        user,
        "listings.view",
        pk=pk,
    )


def may_handle(user, scope_path):
    return scope.can(user, "listings.handle") and scope.in_scope(user, scope_path)


def check_handle(user, scope_path):
    if not may_handle(user, scope_path):
        raise PermissionDenied("只有主体所属的所（或本局）的工作人员可以办理")


def _check_step(user, obj, stage):
    """obj 是列异或移出申请；stage 是它应处的环节。"""
    if stage == Stage.HEAD:
        if user.role != Role.STATION_HEAD or not scope.can(user, "listings.review"):
            raise PermissionDenied("只有所长可以审核")
        if not scope.in_scope(user, obj.scope_path):
            raise PermissionDenied("只有主体所属的所的所长可以审核")
    else:
        if not scope.can(user, "listings.approve") or not scope.in_scope(user, obj.scope_path):
            raise PermissionDenied("只有本局的审批人可以审批")
    if obj.proposed_by_id == user.pk:
        raise PermissionDenied("不能审核或审批自己提请的事项")
    if stage == Stage.BUREAU and obj.reviewed_by_id == user.pk:
        raise PermissionDenied("审核过的人不能再审批同一事项")
    if obj.stage != stage:
        if obj.stage == Stage.REMINDER:
            raise ValidationError("尚未登记对负责人的电话或短信提醒，不能报审")
        if stage == Stage.BUREAU and obj.stage == Stage.HEAD:
            raise ValidationError("须先经所长审核，才能由局审批")
        raise ValidationError(f"这一事项现在是“{obj.get_stage_display()}”，不能办理这一步")


def may_step(user, obj):
    if obj.stage not in (Stage.HEAD, Stage.BUREAU):
        return False
    try:
        _check_step(user, obj, obj.stage)
    except (PermissionDenied, ValidationError):
        return False
    return True


# ---------------------------------------------------------------- 提醒


def reminder_text(listing):
    entity = listing.entity
    return (
        f"【{listing.station.name}】{entity.name}：市场监管部门按登记的住所无法与贵单位取得联系，"
        f"请负责人尽快与{listing.station.name}联系并履行相关义务，"
        "逾期将依法列入经营异常名录（个体工商户标记为经营异常状态）。"
    )


def record_reminder(
    user, listing, *, method, number, person="", contacted_at=None, outcome="", note=""
):
    """登记列异前的电话或短信提醒；短信经可替换的发送器发出，结果以发送器的回答为准。
    登记后提请报所长审核。"""
    check_handle(user, listing.scope_path)
    with transaction.atomic(), own_event(*MODELS):
        listing = AbnormalListing.objects.select_for_update().get(pk=listing.pk)
        if listing.cause != Cause.UNREACHABLE:
            raise ValidationError("只有住所无法联系的主体需要列异前提醒")
        if listing.stage not in (Stage.REMINDER, Stage.HEAD):
            raise ValidationError("这一事项已经报局审批或已了结，不再登记提醒")
        number = (number or "").strip()
        if not number:
            raise ValidationError({"number": "请填写电话号码"})
        reminder = Reminder(
            listing=listing,
            method=method,
            person=(person or listing.entity.legal_rep or "负责人").strip(),
            number=number,
            contacted_at=contacted_at or timezone.now(),
            outcome=outcome,
            note=(note or "").strip(),
            recorded_by=user,
        )
        if method == ReminderMethod.SMS:
            ok, detail = sms.send(number, reminder_text(listing))
            reminder.outcome = ReminderOutcome.SENT if ok else ReminderOutcome.FAILED
            if detail:
                reminder.note = "；".join(x for x in (reminder.note, str(detail)) if x)
        reminder.full_clean(exclude=["listing"])
        reminder.save()
        before = listing.stage
        if listing.stage == Stage.REMINDER:
            listing.stage = Stage.HEAD
            listing.save()
        audit.log(
            "listing.reminded",
            listing,
            actor=user,
            before={"stage": before},
            after={
                "stage": listing.stage,
                "method": reminder.method,
                "person": reminder.person,
                "number": reminder.number,
                "contacted_at": reminder.contacted_at,
                "outcome": reminder.outcome,
            },
        )
    return reminder


# ---------------------------------------------------------------- 审核与审批（列异、移出共用）


def _lock(obj):
    return type(obj).objects.select_for_update().get(pk=obj.pk)


def _reject(obj, user, reason):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "不予批准须写明理由"})
    obj.stage = Stage.REJECTED
    obj.rejected_by = user
    obj.rejected_at = timezone.now()
    obj.reject_reason = reason


def _event(obj, verb):
    prefix = "listing" if isinstance(obj, AbnormalListing) else "removal"
    return f"{prefix}.{verb}"


def review(user, obj, *, approve, note=""):
    """所长审核：同意则报局审批，不同意须写明理由（了结）。obj 为列异或移出申请。"""
    with transaction.atomic(), own_event(*MODELS):
        obj = _lock(obj)
        _check_step(user, obj, Stage.HEAD)
        if approve:
            obj.stage = Stage.BUREAU
            obj.reviewed_by = user
            obj.reviewed_at = timezone.now()
            obj.review_note = (note or "").strip()
        else:
            _reject(obj, user, note)
        obj.save()
        audit.log(
            _event(obj, "reviewed" if approve else "rejected"),
            obj,
            actor=user,
            before={"stage": Stage.HEAD},
            after={"stage": obj.stage, "note": (note or "").strip()},
        )
    return obj


def decide(user, obj, *, approve, note="", on=None):
    """局审批：批准则列入（或移出），不批准须写明理由。obj 为列异或移出申请。"""
    on = on or today()
    with transaction.atomic(), own_event(*MODELS):
        obj = _lock(obj)
        _check_step(user, obj, Stage.BUREAU)
        if not approve:
            _reject(obj, user, note)
            obj.save()
            audit.log(
                _event(obj, "rejected"),
                obj,
                actor=user,
                before={"stage": Stage.BUREAU},
                after={"stage": obj.stage, "note": obj.reject_reason},
            )
            return obj
        obj.stage = Stage.APPROVED
        obj.approved_by = user
        obj.approved_at = timezone.now()
        obj.approval_note = (note or "").strip()
        if isinstance(obj, AbnormalListing):
            obj.listed_on = on
            obj.save()
            audit.log(
                "listing.approved",
                obj,
                actor=user,
                before={"stage": Stage.BUREAU},
                after={"stage": obj.stage, "listed_on": on, "mark": obj.mark},
            )
            signals.listing_approved.send(sender=AbnormalListing, listing=obj, user=user)
            return obj
        obj.save()
        listing = AbnormalListing.objects.select_for_update().get(pk=obj.listing_id)
        listing.removed_on = on
        listing.removed_reason = obj.reason
        listing.save()
        audit.log(
            "removal.approved",
            obj,
            actor=user,
            before={"stage": Stage.BUREAU},
            after={"stage": obj.stage, "listing": listing.pk, "removed_on": on},
        )
        signals.listing_removed.send(sender=AbnormalListing, listing=listing, user=user)
    return obj


# ---------------------------------------------------------------- 移出（信用修复）


def apply_removal(
    user, listing, *, applicant, reason, applied_on=None, channel=RemovalChannel.COUNTER
):
    """登记移出申请（窗口由工作人员登记，或经接口网上申请），报所长审核。"""
    check_handle(user, listing.scope_path)
    applicant, reason = (applicant or "").strip(), (reason or "").strip()
    errors = {}
    if not applicant:
        errors["applicant"] = "请填写申请人"
    if not reason:
        errors["reason"] = "请写明已纠正的情况"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(), own_event(*MODELS):
        listing = AbnormalListing.objects.select_for_update().get(pk=listing.pk)
        if not listing.in_force:
            raise ValidationError("只有已列入（标记）且尚未移出的主体可以申请移出")
        if listing.removals.filter(stage__in=OPEN_STAGES).exists():
            raise ValidationError("已有一项审批中的移出申请")
        removal = Removal(
            listing=listing,
            applicant=applicant,
            reason=reason,
            applied_on=applied_on or today(),
            channel=channel,
            proposed_by=user,
        )
        removal.full_clean(exclude=["listing"])
        removal.save()
        audit.log(
            "removal.applied",
            removal,
            actor=user,
            after={
                "listing": listing.pk,
                "applicant": applicant,
                "applied_on": removal.applied_on,
                "channel": channel,
            },
        )
    return removal


def open_removal(listing):
    return listing.removals.filter(stage__in=OPEN_STAGES).first()


def entity_listings(user, entity):
    """主体页上的列异：已列入与已移出的（批准过的），按列入日期。"""
    return (
        (
            scope.scoped(AbnormalListing.objects.filter(entity=entity), user, "listings.view")
            if scope.can(user, "listings.view")
            else AbnormalListing.objects.none()
        )
        .filter(stage=Stage.APPROVED)
        .order_by("-listed_on")
    )


def is_individual(entity):
    return entity.entity_type == EntityType.INDIVIDUAL


def steps(listing):
    """页面与审批表上的经过：每一步谁、何时。"""
    out = [("提请", listing.proposed_by, listing.proposed_at, listing.source)]
    for r in listing.reminders.all():
        out.append(
            (
                f"{r.get_method_display()}提醒",
                r.recorded_by,
                r.contacted_at,
                f"{r.person} {r.number}：{r.get_outcome_display()}",
            )
        )
    out += _chain_steps(listing)
    for removal in listing.removals.order_by("proposed_at", "id"):
        out.append(
            (
                "移出申请",
                removal.proposed_by,
                removal.proposed_at,
                f"{removal.applicant}（{removal.get_channel_display()}）：{removal.reason}",
            )
        )
        out += [(f"移出·{name}", *rest) for name, *rest in _chain_steps(removal)]
    return out


def _chain_steps(obj):
    out = []
    if obj.reviewed_at:
        out.append(("所长审核同意", obj.reviewed_by, obj.reviewed_at, obj.review_note))
    if obj.approved_at:
        out.append(("局审批批准", obj.approved_by, obj.approved_at, obj.approval_note))
    if obj.rejected_at:
        out.append(("不予批准", obj.rejected_by, obj.rejected_at, obj.reject_reason))
    return out


def date_of(value):
    return value if isinstance(value, datetime.date) else None
