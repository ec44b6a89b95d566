"""卷内各部分（下层各阶段的材料）：告知书、邮寄记录、检查结果（全部版本）、检查材料、审核与审批留痕、后续处置。"""

from django.db.models import Q
from django.utils import timezone

from shuangsui.core.audit_labels import action_label
from shuangsui.core.models import AuditEvent
from shuangsui.followups import documents as followup_documents
from shuangsui.followups.models import FollowUp, Recheck
from shuangsui.lib.exporters import to_bytes
from shuangsui.listings import documents as listing_documents
from shuangsui.listings import services as listings
from shuangsui.listings.models import AbnormalListing, PublishOrder, Reminder, Removal
from shuangsui.notices import services as notices
from shuangsui.notices.models import Mailing
from shuangsui.results import files as result_files
from shuangsui.results.models import Attachment, Result

from .exporters import (
    APPROVAL_COLUMNS,
    FOLLOWUP_COLUMNS,
    LISTING_COLUMNS,
    MAILING_COLUMNS,
    RESULT_COLUMNS,
    RowsExporter,
)
from .registry import register


def _csv(columns, rows):
    return to_bytes(RowsExporter(columns, rows), "csv")


def _name(user):
    return user.display_name if user else ""


def _when(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _results(inspection):
    return (
        Result.objects.filter(inspection=inspection)
        .select_related("item", "entered_by", "reviewed_by")
        .prefetch_related("present")
        .order_by("item__code", "version")
    )


@register(10, "01-告知书", "抽查告知书")
def notice(inspection):
    yield "抽查告知书.docx", notices.render_notices([inspection])


@register(20, "02-送达", "邮寄记录")
def mailings(inspection):
    rows = Mailing.objects.filter(inspection=inspection).select_related("created_by")
    yield (
        "邮寄记录.csv",
        _csv(
            MAILING_COLUMNS,
            [
                [
                    m.round,
                    m.get_sequence_display(),
                    m.get_method_display(),
                    m.sent_on,
                    m.tracking_no,
                    m.get_outcome_display(),
                    m.outcome_on or "",
                    m.return_reason,
                    _name(m.created_by),
                    _when(m.created_at),
                ]
                for m in rows.order_by("round", "sequence")
            ],
        ),
    )


@register(30, "03-检查结果", "检查结果（全部版本）")
def results(inspection):
    yield (
        "检查结果（全部版本）.csv",
        _csv(
            RESULT_COLUMNS,
            [
                [
                    r.item.code,
                    r.item.name,
                    r.version,
                    "是" if r.current else "否",
                    r.get_status_display(),
                    r.checked_from or "",
                    r.checked_to or "",
                    "、".join(r.method_labels),
                    "、".join(r.code_labels),
                    r.facts,
                    r.provisions,
                    "、".join(f"{p.name}（{p.badge_no}）" for p in r.present.all()),
                    _name(r.entered_by),
                    _when(r.submitted_at),
                    _name(r.reviewed_by),
                    _when(r.reviewed_at),
                    r.review_note,
                    r.correction_reason,
                ]
                for r in _results(inspection)
            ],
        ),
    )


@register(40, "04-检查材料", "检查材料（照片、笔录）")
def attachments(inspection):
    """同一文件（更正时随新版本沿用）只放一次，文件名前加事项代码与版本。"""
    seen = set()
    rows = Attachment.objects.filter(result__inspection=inspection).select_related("result__item")
    for a in rows.order_by("result__item__code", "result__version", "id"):
        if a.sha256 in seen:
            continue
        seen.add(a.sha256)
        try:
            with result_files.open_file(a.path) as fh:
                data = fh.read()
        except FileNotFoundError:
            continue  # 清单里没有它，核对时一目了然
        yield f"{a.result.item.code}-第{a.result.version}版-{a.pk}-{a.name}", data


def _ids(queryset):
    return queryset.values_list("pk", flat=True)


# 审核与审批留痕：各阶段与该户有关的对象（模型标签 → 取编号的函数）
AUDITED = {
    "listings.abnormallisting": lambda i: _ids(AbnormalListing.objects.filter(inspection=i)),
    "listings.reminder": lambda i: _ids(Reminder.objects.filter(listing__inspection=i)),
    "listings.removal": lambda i: _ids(Removal.objects.filter(listing__inspection=i)),
    "listings.publishorder": lambda i: _ids(PublishOrder.objects.filter(inspection=i)),
    "results.result": lambda i: Result.objects.filter(inspection=i).values_list("pk", flat=True),
    "results.attachment": lambda i: Attachment.objects.filter(result__inspection=i).values_list(
        "pk", flat=True
    ),
    "notices.mailing": lambda i: Mailing.objects.filter(inspection=i).values_list("pk", flat=True),
    "followups.followup": lambda i: FollowUp.objects.filter(inspection=i).values_list(
        "pk", flat=True
    ),
    "followups.recheck": lambda i: Recheck.objects.filter(followup__inspection=i).values_list(
        "pk", flat=True
    ),
    "inspections.inspection": lambda i: [i.pk],
}


@register(50, "05-审核与审批", "审核、审批与各项操作的留痕")
def approvals(inspection):
    where = Q(pk__in=[])
    for label, ids in AUDITED.items():
        where |= Q(object_type=label, object_id__in=[str(x) for x in ids(inspection)])
    events = AuditEvent.objects.filter(where).order_by("id")
    yield (
        "审核与审批留痕.csv",
        _csv(
            APPROVAL_COLUMNS,
            [
                [
                    _when(e.at),
                    e.actor_name,
                    action_label(e.action, e.object_type),
                    e.object_repr,
                    _summary(e.after),
                ]
                for e in events
            ],
        ),
    )


def _summary(after):
    if not isinstance(after, dict):
        return ""
    return "；".join(f"{k}={v}" for k, v in after.items() if v not in (None, "", [], {}))


@register(60, "07-后续处置", "后续处置（措施、复查、两张清单与一书一函）")
def followups(inspection):
    rows = (
        FollowUp.objects.filter(inspection=inspection)
        .select_related("measure", "result__item")
        .prefetch_related("rechecks")
        .order_by("decided_on", "id")
    )
    table = []
    for f in rows:
        r = next(iter(f.rechecks.all()), None)
        table.append(
            [
                f.pk,
                f.measure.name,
                f.result.item.code,
                f.result.version,
                f.decided_on,
                f.due_on or "",
                f.receiver,
                f.decision_no,
                f.decision_on or "",
                f.details,
                f.get_status_display(),
                f.closed_on or "",
                f.closing_note,
                f.previous_id or "",
                r.checked_on if r else "",
                r.checked_by if r else "",
                r.get_outcome_display() if r else "",
            ]
        )
    yield "后续处置.csv", _csv(FOLLOWUP_COLUMNS, table)
    for f in rows:
        if f.is_case and f.decision_no:
            for kind in followup_documents.KINDS:
                yield (
                    f"{followup_documents.SHORT[kind]}-{f.pk}.docx",
                    followup_documents.render(f, kind),
                )


@register(55, "06-列异审批", "经营异常名录：提请、提醒、所长审核、局审批、移出（含审批表）")
def abnormal_listings(inspection):
    rows = list(
        AbnormalListing.objects.filter(inspection=inspection)
        .select_related("entity", "station", "proposed_by", "reviewed_by", "approved_by")
        .prefetch_related("reminders", "removals")
        .order_by("proposed_at", "id")
    )
    if not rows:
        return
    table = []
    for listing in rows:
        for step, user, when, note in listings.steps(listing):
            table.append(
                [
                    listing.pk,
                    listing.form_title,
                    listing.state_label,
                    step,
                    _name(user),
                    _when(when),
                    note,
                ]
            )
    yield "列异审批经过.csv", _csv(LISTING_COLUMNS, table)
    for listing in rows:
        yield f"{listing.form_title}-{listing.pk}.docx", listing_documents.approval_form(listing)
