"""告知书的邮寄送达记录：一轮是一对邮寄（首次、退回后的第二次），第二次寄出须在首次之后 15 至 30 日内。"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from shuangsui.inspections.models import Inspection
from shuangsui.lib import ranges

from .choices import MAX_GAP_DAYS, MIN_GAP_DAYS, MailMethod, MailOutcome


def window(first):
    """首次邮寄之后，第二次寄出日期的窗口 (最早, 最晚)。"""
    return (
        first.sent_on + datetime.timedelta(days=MIN_GAP_DAYS),
        first.sent_on + datetime.timedelta(days=MAX_GAP_DAYS),
    )


class Mailing(models.Model):
    inspection = models.ForeignKey(
        Inspection, verbose_name="检查对象", on_delete=models.PROTECT, related_name="mailings"
    )
    scope_path = models.CharField("辖区路径", max_length=255, db_index=True, editable=False)
    round = models.PositiveSmallIntegerField("轮次", default=1)
    sequence = models.PositiveSmallIntegerField(
        "次序", choices=[(1, "首次邮寄"), (2, "第二次邮寄")], default=1
    )
    method = models.CharField("邮寄方式", max_length=12, choices=MailMethod.choices)
    sent_on = models.DateField("寄出日期", validators=ranges.date("寄出日期"))
    tracking_no = models.CharField("邮件号", max_length=40)
    outcome = models.CharField(
        "结果", max_length=12, choices=MailOutcome.choices, default=MailOutcome.PENDING
    )
    outcome_on = models.DateField(
        "结果日期", null=True, blank=True, validators=ranges.date("结果日期")
    )
    return_reason = models.CharField("退回原因", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "邮寄记录"
        verbose_name_plural = "邮寄记录"
        ordering = ["inspection", "round", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "round", "sequence"],
                name="mailing_unique_per_round",
                violation_error_message="同一轮中首次、第二次邮寄各只有一条",
            ),
            models.CheckConstraint(
                condition=models.Q(sequence__in=[1, 2]), name="mailing_sequence_1_or_2"
            ),
        ]

    def __str__(self):
        return f"{self.get_sequence_display()} {self.tracking_no}"

    def save(self, *args, **kwargs):
        self.scope_path = self.inspection.scope_path
        super().save(*args, **kwargs)

    def first(self):
        return (
            Mailing.objects.filter(inspection_id=self.inspection_id, round=self.round, sequence=1)
            .exclude(pk=self.pk)
            .first()
        )

    def clean(self):
        errors = {}
        if self.outcome == MailOutcome.PENDING:
            if self.outcome_on or self.return_reason:
                errors["outcome_on"] = "尚无结果时不能填写结果日期或退回原因"
        else:
            if not self.outcome_on:
                errors["outcome_on"] = "请填写结果日期"
            elif self.sent_on and self.outcome_on < self.sent_on:
                errors["outcome_on"] = "结果日期不能早于寄出日期"
            if self.outcome == MailOutcome.RETURNED and not self.return_reason.strip():
                errors["return_reason"] = "被退回时须写明退回原因"
            if self.outcome == MailOutcome.DELIVERED and self.return_reason:
                errors["return_reason"] = "已送达的邮件不填退回原因"
        if self.sequence == 2 and self.sent_on:
            first = self.first()
            if first is None or first.outcome != MailOutcome.RETURNED:
                errors["sequence"] = "首次邮寄被退回后才能第二次邮寄"
            else:
                earliest, latest = window(first)
                if not earliest <= self.sent_on <= latest:
                    errors["sent_on"] = (
                        f"两次邮寄的间隔须在 {MIN_GAP_DAYS} 日至 {MAX_GAP_DAYS} 日之间："
                        f"第二次寄出日期应在 {earliest:%Y-%m-%d} 至 {latest:%Y-%m-%d} 之间"
                    )
        if errors:
            raise ValidationError(errors)
