"""后续处置：从审核通过、发现问题的检查结果登记措施，责令改正的复查，完结，按处罚决定书文号查找，逾期。

规则（002“抽查发现问题后续处置率100%”；004 (六)(十)(十一)）：
- 只有审核通过的现行结果、且结果代码不只是“1 未发现问题”时，才能登记后续处置。
- 责令改正有改正期限，经复查完结：已改正即完结；未改正即完结并须转入下一项措施（同一操作）。
- 其他措施登记完结日期即完结；立案调查完结时须有行政处罚决定书文号。
- 能登记的人：参与检查的检查人员、本所所长、本辖区的抽查操作人员（与邮寄登记相同）。
- 每个操作一条审计事件；完结时发出 `followup_closed`（信用反馈在其上接收）。
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from shuangsui.catalog.models import FollowUpMeasure
from shuangsui.core import audit, scope
from shuangsui.core.signals import own_event
from shuangsui.inspections import services as inspections
from shuangsui.inspections.models import Inspection
from shuangsui.results.choices import NO_PROBLEM, ResultStatus
from shuangsui.results.models import Result

from . import signals
from .choices import MEASURES, FollowUpStatus, RecheckOutcome
from .models import FollowUp, Recheck

RECORDING_CAPS = {"work.own", "work.station", "draws.operate"}

# ---------------------------------------------------------------- 发现问题的结果


def has_problems(result):
    """结果代码中有“1 未发现问题”以外的代码（发现问题或对象状态异常）。"""
    codes = result.code_list
    return bool(codes) and any(c != NO_PROBLEM for c in codes)


def _problem_filter():
    return (
        Q(status=ResultStatus.APPROVED, current=True) & ~Q(codes="") & ~Q(codes=f",{NO_PROBLEM},")
    )


def problem_results(inspection):
    """该对象审核通过、发现问题的现行结果。"""
    return list(
        Result.objects.filter(_problem_filter(), inspection=inspection)
        .select_related("item")
        .order_by("item__code")
    )


def check_source(result):
    if result.status != ResultStatus.APPROVED or not result.current:
        raise ValidationError("只有审核通过的现行检查结果可以登记后续处置")
    if not has_problems(result):
        raise ValidationError("该检查结果未发现问题，不需要后续处置")


# ---------------------------------------------------------------- 读取与权限


def _on_visible_inspection(user):
    """条件：该行的检查对象用户可见。写成逐行核对的 EXISTS：待办只数少数几行，而 IN 子查询在
    SQLite 上要先列出辖区内全部的检查对象（百万户的县里上万个，工作台每次要多花约 20 ms）。"""
    return Exists(inspections.visible(user).filter(pk=OuterRef("inspection_id")))


def visible(user):
    """用户可见的后续处置：其可见的检查对象上的（检查人员是本人参与的，所长本所的，其他按辖区）。"""
    rows = FollowUp.objects.filter(_on_visible_inspection(user))
    if scope.participation_only(user):
        rows = scope.only_participating(rows, user)
    return rows.select_related("inspection", "inspection__task", "measure", "result__item")


def get_followup(user, pk):
    obj = visible(user).filter(pk=pk).first()
    if obj is None:
        found = FollowUp.objects.filter(pk=pk).values_list("inspection_id", flat=True).first()
        if found is None:
            scope.refuse_existing(False, user)
        inspections.get_inspection(user, found)  # 对象不可见时给出 403 与原因
        scope.refuse_existing(True, user)
    return obj


def may_record(user, inspection):
    if not scope.capabilities(user) & RECORDING_CAPS:
        return False
    return inspections.visible(user).filter(pk=inspection.pk).exists()


def _require(user, inspection):
    if not may_record(user, inspection):
        raise PermissionDenied(
            "没有权限登记后续处置：须是参与检查的人员、本所所长或本辖区的抽查操作人员"
        )


def for_inspection(inspection):
    return list(
        FollowUp.objects.filter(inspection=inspection)
        .select_related("measure", "result__item", "previous__measure")
        .prefetch_related("rechecks")
        .order_by("decided_on", "id")
    )


def pending(user):
    """待处置：用户可见的对象上发现问题、尚无任何后续处置的现行结果（同一对象同一事项）。"""
    handled = FollowUp.objects.filter(
        inspection_id=OuterRef("inspection_id"), result__item_id=OuterRef("item_id")
    )
    return (
        Result.objects.filter(_problem_filter(), _on_visible_inspection(user))
        .exclude(Exists(handled))
        .select_related("inspection", "inspection__task", "item")
        .order_by("reviewed_at", "id")
    )


def overdue(user, today=None):
    """逾期：期限已过仍未完结的措施（主要是责令改正）。"""
    today = today or timezone.localdate()
    return visible(user).filter(status=FollowUpStatus.OPEN, due_on__lt=today).order_by("due_on")


def search_decision(user, number):
    """按行政处罚决定书文号查找（忽略首尾空白，包含即可），返回用户可见的措施及其任务、对象。"""
    number = (number or "").strip()
    if not number:
        return visible(user).none()
    return visible(user).filter(decision_no__icontains=number).order_by("decision_no", "id")


def measures():
    return FollowUpMeasure.objects.filter(active=True).order_by("order", "code")


def ensure_measures():
    """代码表缺少参考措施时补齐（已有的、管理员改过名或停用的不动）；返回补入的条数。"""
    made = 0
    for i, (code, name) in enumerate(MEASURES.items(), start=1):
        if FollowUpMeasure.objects.filter(Q(code=code) | Q(name=name)).exists():
            continue
        FollowUpMeasure.objects.create(code=code, name=name, order=i * 10)
        made += 1
    return made


# ---------------------------------------------------------------- 登记、复查、完结


def _snapshot(f):
    return {
        "measure": f.measure.code,
        "measure_name": f.measure.name,
        "result": f.result_id,
        "item": f.result.item.code,
        "decided_on": f.decided_on,
        "due_on": f.due_on,
        "receiver": f.receiver,
        "decision_no": f.decision_no,
        "decision_on": f.decision_on,
        "details": f.details,
        "status": f.status,
        "closed_on": f.closed_on,
        "previous": f.previous_id,
    }


def _build(
    user,
    result,
    *,
    measure,
    decided_on,
    details="",
    receiver="",
    due_on=None,
    decision_no="",
    decision_on=None,
    previous=None,
):
    if not isinstance(measure, FollowUpMeasure):
        measure = FollowUpMeasure.objects.filter(code=measure, active=True).first()
        if measure is None:
            raise ValidationError({"measure": "请选择有效的处置措施"})
    followup = FollowUp(
        inspection=result.inspection,
        result=result,
        measure=measure,
        previous=previous,
        decided_on=decided_on,
        details=(details or "").strip(),
        receiver=(receiver or "").strip(),
        due_on=due_on,
        decision_no=(decision_no or "").strip(),
        decision_on=decision_on,
        created_by=user,
    )
    followup.full_clean()
    followup.save()
    return followup


def _lock(inspection):
    Inspection.objects.select_for_update().filter(pk=inspection.pk).first()


def record(user, result, **fields):
    """从一条发现问题的结果登记一项措施（未完结）。"""
    _require(user, result.inspection)
    with transaction.atomic(), own_event(FollowUp, Recheck):
        _lock(result.inspection)
        result = Result.objects.select_related("inspection", "item").get(pk=result.pk)
        check_source(result)
        followup = _build(user, result, **fields)
        audit.log("followup.recorded", followup, actor=user, after=_snapshot(followup))
    return followup


def _locked(followup):
    return (
        FollowUp.objects.select_for_update(of=("self",))
        .select_related("measure", "result__item", "inspection")
        .get(pk=followup.pk)
    )


def _closed(followup, user, closed_on, note):
    followup.status = FollowUpStatus.CLOSED
    followup.closed_on = closed_on
    followup.closing_note = (note or "").strip()
    followup.closed_by = user
    followup.full_clean()
    followup.save()


def set_decision(user, followup, *, decision_no, decision_on=None):
    """立案调查作出处罚决定后登记决定书文号（未完结时也可先登记）。"""
    _require(user, followup.inspection)
    with transaction.atomic(), own_event(FollowUp, Recheck):
        followup = _locked(followup)
        if not followup.is_case:
            raise ValidationError("只有立案调查关联行政处罚决定书文号")
        if followup.status == FollowUpStatus.CLOSED:
            raise ValidationError("已完结的措施不能再改")
        decision_no = (decision_no or "").strip()
        if not decision_no:
            raise ValidationError({"decision_no": "请填写行政处罚决定书文号"})
        before = {"decision_no": followup.decision_no, "decision_on": followup.decision_on}
        followup.decision_no = decision_no
        followup.decision_on = decision_on
        followup.full_clean()
        followup.save()
        audit.log(
            "followup.decision",
            followup,
            actor=user,
            before=before,
            after={"decision_no": decision_no, "decision_on": decision_on},
        )
    return followup


def close(user, followup, *, closed_on, note="", decision_no=None, decision_on=None):
    """登记完结（责令改正经复查完结，不在这里）。"""
    _require(user, followup.inspection)
    with transaction.atomic(), own_event(FollowUp, Recheck):
        followup = _locked(followup)
        if followup.status == FollowUpStatus.CLOSED:
            raise ValidationError("该措施已经完结")
        if followup.is_order:
            raise ValidationError("责令改正经复查完结：请登记复查")
        if decision_no is not None and decision_no.strip():
            followup.decision_no = decision_no.strip()
            followup.decision_on = decision_on or followup.decision_on
        _closed(followup, user, closed_on, note)
        audit.log(
            "followup.closed",
            followup,
            actor=user,
            before={"status": FollowUpStatus.OPEN},
            after=_snapshot(followup) | {"closing_note": followup.closing_note},
        )
        signals.followup_closed.send(sender=FollowUp, followup=followup, user=user)
    return followup


def recheck(
    user,
    followup,
    *,
    checked_on,
    checked_by,
    outcome,
    note="",
    next_measure=None,
    next_due_on=None,
    next_receiver="",
    next_details="",
):
    """责令改正的复查：已改正即完结；未改正即完结并转入下一项措施（须选定）。返回 (复查, 下一项措施)。"""
    _require(user, followup.inspection)
    with transaction.atomic(), own_event(FollowUp, Recheck):
        followup = _locked(followup)
        if not followup.is_order:
            raise ValidationError("只有责令改正需要复查")
        if followup.status == FollowUpStatus.CLOSED:
            raise ValidationError("该责令改正已经完结")
        if outcome not in RecheckOutcome.values:
            raise ValidationError({"outcome": "请选择复查结论（已改正/未改正）"})
        if outcome == RecheckOutcome.NOT_CORRECTED and not next_measure:
            raise ValidationError({"next_measure": "复查未改正时须选定下一项措施"})
        row = Recheck(
            followup=followup,
            checked_on=checked_on,
            checked_by=(checked_by or "").strip(),
            outcome=outcome,
            note=(note or "").strip(),
            recorded_by=user,
        )
        row.full_clean()
        row.save()
        label = RecheckOutcome(outcome).label
        _closed(followup, user, checked_on, f"复查{label}" + (f"：{row.note}" if row.note else ""))
        nxt = None
        if outcome == RecheckOutcome.NOT_CORRECTED:
            nxt = _build(
                user,
                followup.result,
                measure=next_measure,
                decided_on=checked_on,
                details=next_details or f"责令改正期满复查未改正（{checked_on:%Y-%m-%d}）",
                receiver=next_receiver,
                due_on=next_due_on,
                previous=followup,
            )
        audit.log(
            "followup.rechecked",
            followup,
            actor=user,
            after={
                "checked_on": row.checked_on,
                "checked_by": row.checked_by,
                "outcome": row.outcome,
                "note": row.note,
                "closed_on": followup.closed_on,
                "next": _snapshot(nxt) if nxt else None,
            },
        )
        signals.followup_closed.send(sender=FollowUp, followup=followup, user=user)
    return row, nxt
