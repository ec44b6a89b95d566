"""后续处置：审核通过、发现问题的检查结果之后采取的措施，以及责令改正的复查。

- 一项措施（代码表 `catalog.FollowUpMeasure`）一条记录，状态“未完结/已完结”，完结有日期。
- 责令改正有改正期限；到期后复查（日期、复查人员、已改正/未改正），已改正即完结，
  未改正即完结并转入下一项措施（`previous` 指向它）。
- 立案调查关联行政处罚决定书文号（004：“抽查任务单号、检查对象名称与相关行政处罚决定精准关联”），
  按文号可查到任务与检查对象。
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from shuangsui.catalog.models import FollowUpMeasure
from shuangsui.inspections.models import Inspection
from shuangsui.lib import ranges
from shuangsui.results.models import Result

from .choices import (
    CASE_FILED,
    NEEDS_RECEIVER,
    ORDER_CORRECTION,
    RECEIVER_LABELS,
    FollowUpStatus,
    RecheckOutcome,
)


class FollowUp(models.Model):
    """一项后续处置措施。"""

    inspection = models.ForeignKey(
        Inspection, verbose_name="检查对象", on_delete=models.PROTECT, related_name="followups"
    )
    result = models.ForeignKey(
        Result, verbose_name="检查结果", on_delete=models.PROTECT, related_name="followups"
    )
    scope_path = models.CharField("辖区路径", max_length=255, db_index=True, editable=False)
    measure = models.ForeignKey(
        FollowUpMeasure, verbose_name="处置措施", on_delete=models.PROTECT, related_name="+"
    )
    previous = models.ForeignKey(
        "self",
        verbose_name="上一项措施",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_measures",
        help_text="责令改正复查未改正后转入的措施",
    )
    decided_on = models.DateField("采取措施日期", validators=ranges.date("采取措施日期"))
    details = models.TextField("处置情况", blank=True)
    receiver = models.CharField("接收单位", max_length=200, blank=True)
    due_on = models.DateField("改正期限", null=True, blank=True, validators=ranges.date("改正期限"))
    decision_no = models.CharField("行政处罚决定书文号", max_length=100, blank=True, db_index=True)
    decision_on = models.DateField(
        "处罚决定日期", null=True, blank=True, validators=ranges.date("处罚决定日期")
    )
    status = models.CharField(
        "状态", max_length=8, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN
    )
    closed_on = models.DateField(
        "完结日期", null=True, blank=True, validators=ranges.date("完结日期")
    )
    closing_note = models.TextField("完结情况", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="完结登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    audited = True

    class Meta:
        verbose_name = "后续处置"
        verbose_name_plural = "后续处置"
        ordering = ["inspection", "decided_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=FollowUpStatus.OPEN, closed_on__isnull=True)
                | Q(status=FollowUpStatus.CLOSED, closed_on__isnull=False),
                name="followup_closed_has_date",
                violation_error_message="已完结的措施须有完结日期，未完结的没有",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="followup_status_due")]

    def __str__(self):
        return f"{self.inspection.name or self.inspection.uid} · {self.measure.name}"

    def save(self, *args, **kwargs):
        self.scope_path = self.inspection.scope_path
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("后续处置记录不能删除")

    @property
    def code(self):
        return self.measure.code if self.measure_id else ""

    @property
    def is_order(self):
        return self.code == ORDER_CORRECTION

    @property
    def is_case(self):
        return self.code == CASE_FILED

    @property
    def receiver_label(self):
        return RECEIVER_LABELS.get(self.code, "接收单位")

    def overdue(self, today=None):
        today = today or timezone.localdate()
        return (
            self.status == FollowUpStatus.OPEN and self.due_on is not None and self.due_on < today
        )

    def clean(self):
        errors = {}
        today = timezone.localdate()
        code = self.code
        if self.decided_on and self.decided_on > today:
            errors["decided_on"] = "采取措施日期不能晚于今天"
        if code == ORDER_CORRECTION:
            if not self.due_on:
                errors["due_on"] = "责令改正须写明改正期限"
            elif self.decided_on and self.due_on < self.decided_on:
                errors["due_on"] = "改正期限不能早于采取措施日期"
        elif self.due_on and self.decided_on and self.due_on < self.decided_on:
            errors["due_on"] = "期限不能早于采取措施日期"
        if code in NEEDS_RECEIVER and not self.receiver.strip():
            errors["receiver"] = f"“{self.measure.name}”须写明{RECEIVER_LABELS[code]}"
        if self.decision_on and not self.decision_no.strip():
            errors["decision_no"] = "填写了处罚决定日期时须写明行政处罚决定书文号"
        if self.decision_on and self.decided_on and self.decision_on < self.decided_on:
            errors["decision_on"] = "处罚决定日期不能早于立案（采取措施）日期"
        if self.status == FollowUpStatus.CLOSED:
            if not self.closed_on:
                errors["closed_on"] = "请填写完结日期"
            elif self.closed_on > today:
                errors["closed_on"] = "完结日期不能晚于今天"
            elif self.decided_on and self.closed_on < self.decided_on:
                errors["closed_on"] = "完结日期不能早于采取措施日期"
            if code == CASE_FILED and not self.decision_no.strip():
                errors["decision_no"] = "立案调查完结时须写明行政处罚决定书文号"
        elif self.closed_on:
            errors["closed_on"] = "未完结的措施不填完结日期"
        if errors:
            raise ValidationError(errors)


class Recheck(models.Model):
    """责令改正期限届满后的复查：日期、复查人员、结论（已改正/未改正）。"""

    followup = models.ForeignKey(
        FollowUp, verbose_name="责令改正", on_delete=models.PROTECT, related_name="rechecks"
    )
    scope_path = models.CharField("辖区路径", max_length=255, db_index=True, editable=False)
    checked_on = models.DateField("复查日期", validators=ranges.date("复查日期"))
    checked_by = models.CharField("复查人员", max_length=200)
    outcome = models.CharField("复查结论", max_length=16, choices=RecheckOutcome.choices)
    note = models.TextField("复查情况", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    audited = True

    class Meta:
        verbose_name = "复查记录"
        verbose_name_plural = "复查记录"
        ordering = ["followup", "checked_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["followup"],
                name="recheck_one_per_order",
                violation_error_message="一项责令改正只有一次复查；未改正的转入下一项措施",
            ),
        ]

    def __str__(self):
        return f"复查 {self.checked_on:%Y-%m-%d} {self.get_outcome_display()}"

    def save(self, *args, **kwargs):
        self.scope_path = self.followup.scope_path
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("复查记录不能删除")

    def clean(self):
        errors = {}
        order = self.followup
        if not order.is_order:
            errors["followup"] = "只有责令改正需要复查"
        if self.checked_on:
            if self.checked_on > timezone.localdate():
                errors["checked_on"] = "复查日期不能晚于今天"
            elif self.checked_on < order.decided_on:
                errors["checked_on"] = "复查日期不能早于责令改正的日期"
        if not self.checked_by.strip():
            errors["checked_by"] = "请写明复查人员"
        if errors:
            raise ValidationError(errors)
