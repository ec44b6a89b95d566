"""信用反馈：按规则表把检查结果、列异、后续处置变成分类调整建议；计划管理人员确认或驳回。

建议在引起它的服务的事务里同步产生（接收者见 receivers.py）；同一原因（cause_key）只产生一次，
不是调整的（主体已至少同样严重）不产生。确认时改主体的分类、分类日期并记入分类历史，
下一次冻结抽取名单即按新分类分层。
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from shuangsui.core import audit, scope
from shuangsui.core.signals import own_event
from shuangsui.directory.choices import CreditSource
from shuangsui.directory.models import CreditHistory, Entity

from .choices import ProposalStatus, RuleEffect, RuleEvent
from .models import CreditProposal, CreditRule, ensure_rules, more_severe

CAPABILITY = "credit.confirm"


@dataclass
class Cause:
    """引起调整的一件事：哪个主体、唯一标识、给人看的说明，以及（有的话）检查结果与其代码。"""

    entity: Entity
    key: str
    text: str
    result: object = None
    codes: list = field(default_factory=list)


def result_cause(result):
    """检查结果（同一对象同一事项的各版本是同一原因，更正不再重复建议）。"""
    inspection = result.inspection
    if inspection.entity_id is None:
        return None  # 其他对象库的对象没有信用分类
    codes = result.code_list
    return Cause(
        entity=inspection.entity,
        key=f"{RuleEvent.RESULT_APPROVED}:{inspection.pk}:{result.item_id}",
        text=(
            f"检查结果：{inspection.task.code} · {result.item.code} {result.item.name}"
            f"（结果代码 {'、'.join(codes) or '—'}）"
        )[:255],
        result=result,
        codes=codes,
    )


def object_cause(event, obj):
    """列异、移出、后续处置等记录：主体取其 entity，或其检查对象的主体；结果取其 result。"""
    entity = getattr(obj, "entity", None)
    if entity is None and getattr(obj, "inspection", None) is not None:
        entity = obj.inspection.entity
    if entity is None:
        return None
    result = getattr(obj, "result", None)
    return Cause(
        entity=entity,
        key=cause_key(event, obj),
        text=f"{RuleEvent(event).label}：{obj}"[:255],
        result=result,
        codes=result.code_list if result is not None else [],
    )


def cause_key(event, obj):
    return f"{event}:{obj._meta.label_lower}:{obj.pk}"


def _target(rule, cause):
    """规则对这个主体建议的分类；不是调整时为 None。"""
    current = cause.entity.credit_class
    if rule.effect == RuleEffect.AT_LEAST:
        return rule.credit_class if more_severe(rule.credit_class, current) else None
    if rule.effect == RuleEffect.RESTORE:
        # 列入时确认过的调整之前的分类（移出的原因与列入是同一条列异记录）
        listed_key = cause.key.replace(RuleEvent.LISTING_REMOVED, RuleEvent.LISTING_APPROVED, 1)
        listed = CreditProposal.objects.filter(
            cause_key=listed_key, status=ProposalStatus.CONFIRMED
        ).first()
        if listed is None or listed.from_class == current:
            return None
        return listed.from_class
    return None


def propose(event, cause, user=None):
    """按规则表为一件事产生调整建议（至多一条）；返回建议或 None。"""
    if cause is None or CreditProposal.objects.filter(cause_key=cause.key).exists():
        return None  # 同一原因只建议一次
    ensure_rules()
    cause.entity = Entity.objects.get(pk=cause.entity.pk)  # 发出方手里的主体可能是旧的
    best = None
    for rule in CreditRule.objects.filter(event=event, active=True):
        if not rule.matches(cause.codes):
            continue
        to_class = _target(rule, cause)
        if to_class and (best is None or more_severe(to_class, best[1])):
            best = (rule, to_class)
    if best is None:
        return None
    rule, to_class = best
    entity = cause.entity
    # 建议是引起它的动作（审核通过、列入、移出……）的一部分：那个动作已记一条事件，这里不另记
    with own_event(CreditProposal):
        proposal = CreditProposal.objects.create(
            entity=entity,
            rule=rule,
            event=event,
            cause_key=cause.key,
            cause=cause.text,
            result=cause.result,
            from_class=entity.credit_class,
            from_date=entity.credit_date,
            to_class=to_class,
            reason=f"规则 {rule.code}“{rule.name}”：{rule.get_effect_display()}"
            + (f" {rule.credit_class} 类" if rule.credit_class else ""),
        )
    return proposal


def _state(p):
    return {
        "entity": p.entity.uid,
        "from": p.from_class,
        "to": p.to_class,
        "cause": p.cause,
        "result": p.result_id,
        "status": p.status,
        "note": p.decision_note,
    }


def proposals_for(user, status=None):
    """用户辖区内的调整建议（须有确认权限）。"""
    queryset = scope.scoped(CreditProposal.objects.all(), user, CAPABILITY)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.select_related("entity", "rule", "decided_by")


def get_proposal(user, pk):
    """按辖区取一条建议：不存在 404，辖区外或无权 403（说明原因）。"""
    return scope.get_scoped(
        CreditProposal.objects.select_related("entity", "entity__unit", "rule", "result"),
        user,
        CAPABILITY,
        pk=pk,
    )


def _decide(user, proposal, status, note):
    scope.check_write(user, CAPABILITY, proposal.scope_path)
    proposal = CreditProposal.objects.select_for_update().get(pk=proposal.pk)
    if not proposal.pending:
        raise ValidationError(f"这条建议已{proposal.get_status_display()[1:]}，不能再处理")
    before = _state(proposal)
    proposal.status = status
    proposal.decided_by = user
    proposal.decided_at = timezone.now()
    proposal.decision_note = note
    return proposal, before


def confirm(user, proposal, note=""):
    """确认：主体改为建议的分类（分类日期为今天），记入分类历史（理由与引起它的结果）。"""
    note = (note or "").strip()
    with transaction.atomic(), own_event(CreditProposal, Entity, CreditHistory):
        proposal, before = _decide(user, proposal, ProposalStatus.CONFIRMED, note)
        entity = (
            Entity.objects.select_for_update().select_related("unit").get(pk=proposal.entity_id)
        )
        current = entity.credit_class
        raising = more_severe(proposal.to_class, proposal.from_class)
        if current == proposal.to_class or (raising and more_severe(current, proposal.to_class)):
            raise ValidationError(
                f"主体现为{entity.get_credit_class_display()}，已不必调整为 {proposal.to_class} 类；"
                "请驳回并写明理由"
            )
        proposal.save()
        entry = entity.assign_credit(
            proposal.to_class,
            timezone.localdate(),
            source=CreditSource.FEEDBACK,
            reason=proposal.reason + (f"；{note}" if note else ""),
            cause=proposal.cause,
            user=user,
        )
        audit.log(
            "credit.confirmed",
            proposal,
            actor=user,
            before=before | {"entity_class": current},
            after=_state(proposal) | {"entity_class": entity.credit_class, "history": entry.pk},
            scope_path=proposal.scope_path,
        )
    return proposal


def reject(user, proposal, reason):
    """驳回：须写明理由；主体的分类不变。"""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "驳回须写明理由"})
    with transaction.atomic(), own_event(CreditProposal):
        proposal, before = _decide(user, proposal, ProposalStatus.REJECTED, reason)
        proposal.save()
        audit.log(
            "credit.rejected",
            proposal,
            actor=user,
            before=before,
            after=_state(proposal),
            scope_path=proposal.scope_path,
        )
    return proposal


def history(entity):
    """主体的分类历史（新的在前）。"""
    return CreditHistory.objects.filter(entity=entity).select_related("user")
