"""列入经营异常名录（列异）：提请、提醒、所长审核、局审批；移出（信用修复）走同一条审批链。

- 事由来自检查结果（代码 6、C；代码 B 先责令限期公示，逾期才提请）或两次邮寄均被退回；
  同一主体同一事由只有一条未了结（审批中或列入中）的记录（应列尽列，也不重复列）。
- 推送到主体所属的所（`station` = 主体的登记/管辖单位），不论哪个所检查的。
- 个体工商户标记为经营异常状态，其余列入经营异常名录。
- 每一步记下谁、何时；记录从不删除，移出后历史仍在。
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from shuangsui.core.models import OrgUnit
from shuangsui.directory.choices import EntityType
from shuangsui.directory.models import Entity
from shuangsui.inspections.models import Inspection
from shuangsui.lib import ranges
from shuangsui.results.models import Result

from .choices import (
    DEFAULT_PUBLISH_DAYS,
    OPEN_STAGES,
    Cause,
    Mark,
    OrderStatus,
    ReminderMethod,
    ReminderOutcome,
    RemovalChannel,
    Stage,
)


def _user(name, related="+", **kw):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=name,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name=related,
        **kw,
    )


class ListingRules(models.Model):
    """某一地区的列异规则；下级没有设定时沿用最近的上级，都没有时用默认值。"""

    unit = models.OneToOneField(
        OrgUnit, verbose_name="适用单位", on_delete=models.PROTECT, related_name="listing_rules"
    )
    scope_path = models.CharField("辖区路径", max_length=255, db_index=True, editable=False)
    publish_days = models.PositiveSmallIntegerField(
        "责令限期公示的期限（天）",
        default=DEFAULT_PUBLISH_DAYS,
        validators=ranges.count("期限天数", 1, 90),
    )
    publish_working = models.BooleanField("按工作日计算", default=True)

    audited = True

    class Meta:
        verbose_name = "列异规则"
        verbose_name_plural = "列异规则"

    def __str__(self):
        unit = "工作日" if self.publish_working else "日"
        return f"{self.unit}：责令 {self.publish_days} 个{unit}内公示"

    def save(self, *args, **kwargs):
        self.scope_path = self.unit.path
        super().save(*args, **kwargs)


class FromCheck(models.Model):
    """由一户主体的检查（结果或邮寄）引起的记录：推送到主体所属的所（`station`），辖区随之。"""

    entity = models.ForeignKey(Entity, verbose_name="市场主体", on_delete=models.PROTECT)
    inspection = models.ForeignKey(
        Inspection, verbose_name="检查对象", null=True, blank=True, on_delete=models.PROTECT
    )
    result = models.ForeignKey(
        Result, verbose_name="检查结果", null=True, blank=True, on_delete=models.PROTECT
    )
    station = models.ForeignKey(
        OrgUnit, verbose_name="承办单位（主体所属的所）", on_delete=models.PROTECT
    )
    scope_path = models.CharField("辖区路径", max_length=255, db_index=True, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.scope_path = self.station.path
        super().save(*args, **kwargs)


class Chain(models.Model):
    """审批链：所长审核，再由局审批；任何一步都可不予批准（须写明理由）。"""

    stage = models.CharField("环节", max_length=10, choices=Stage.choices, default=Stage.HEAD)
    proposed_by = _user("提请人")
    proposed_at = models.DateTimeField("提请时间", auto_now_add=True)
    reviewed_by = _user("所长（审核人）")
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    review_note = models.TextField("审核意见", blank=True)
    approved_by = _user("局审批人")
    approved_at = models.DateTimeField("审批时间", null=True, blank=True)
    approval_note = models.TextField("审批意见", blank=True)
    rejected_by = _user("不予批准人")
    rejected_at = models.DateTimeField("不予批准时间", null=True, blank=True)
    reject_reason = models.TextField("不予批准的理由", blank=True)

    class Meta:
        abstract = True

    @property
    def is_open(self):
        return self.stage in OPEN_STAGES

    def clean(self):
        if self.stage == Stage.REJECTED and not self.reject_reason.strip():
            raise ValidationError({"reject_reason": "不予批准须写明理由"})


class AbnormalListing(FromCheck, Chain):
    """一户主体因一项事由的列异（个体工商户为经营异常状态）：从提请到列入，再到移出。"""

    cause = models.CharField("事由", max_length=16, choices=Cause.choices)
    mark = models.CharField("处理", max_length=8, choices=Mark.choices, default=Mark.LIST)
    source = models.CharField("提请依据", max_length=200, help_text="如“检查结果代码 6”")
    facts = models.TextField("检查情况", blank=True)
    provisions = models.TextField("适用条款", blank=True)
    listed_on = models.DateField("列入日期", null=True, blank=True)
    removed_on = models.DateField("移出日期", null=True, blank=True)
    removed_reason = models.TextField("移出原因", blank=True)

    audited = True

    class Meta:
        verbose_name = "经营异常名录"
        verbose_name_plural = "经营异常名录"
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "cause"],
                condition=Q(stage__in=OPEN_STAGES) | Q(stage=Stage.APPROVED, removed_on=None),
                name="listing_one_live_per_cause",
                violation_error_message="同一主体同一事由已有审批中或列入中的记录",
            ),
        ]
        indexes = [models.Index(fields=["stage", "scope_path"], name="listing_stage_scope")]

    def __str__(self):
        return f"{self.entity.name}（{self.get_cause_display()}）"

    def delete(self, *args, **kwargs):
        raise ValidationError("列异记录不能删除")

    @property
    def in_force(self):
        """已列入（标记）且尚未移出。"""
        return self.stage == Stage.APPROVED and self.removed_on is None

    @property
    def state_label(self):
        if self.stage == Stage.APPROVED:
            if self.removed_on:
                return "已移出" if self.mark == Mark.LIST else "已恢复正常记载状态"
            return "已列入" if self.mark == Mark.LIST else "经营异常状态"
        return self.get_stage_display()

    @property
    def form_title(self):
        return "经营异常名录审批表" if self.mark == Mark.LIST else "经营异常状态标记审批表"

    @staticmethod
    def mark_for(entity):
        return Mark.STATE if entity.entity_type == EntityType.INDIVIDUAL else Mark.LIST


class Reminder(models.Model):
    """列异前对负责人的电话或短信提醒（000 §四(二)）：谁、何时、号码、结果。"""

    listing = models.ForeignKey(
        AbnormalListing, verbose_name="列异", on_delete=models.PROTECT, related_name="reminders"
    )
    scope_path = models.CharField("辖区路径", max_length=255, db_index=True, editable=False)
    method = models.CharField("方式", max_length=8, choices=ReminderMethod.choices)
    person = models.CharField("被提醒的负责人", max_length=100)
    number = models.CharField("电话号码", max_length=30)
    contacted_at = models.DateTimeField("提醒时间")
    outcome = models.CharField("结果", max_length=16, choices=ReminderOutcome.choices)
    note = models.TextField("说明", blank=True)
    recorded_by = _user("提醒人")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    audited = True

    class Meta:
        verbose_name = "列异提醒"
        verbose_name_plural = "列异提醒"
        ordering = ["listing", "contacted_at", "id"]

    def __str__(self):
        return f"{self.get_method_display()}提醒 {self.person} {self.number}"

    def save(self, *args, **kwargs):
        self.scope_path = self.listing.scope_path
        super().save(*args, **kwargs)

    def clean(self):
        phone = {ReminderOutcome.REACHED, ReminderOutcome.NO_ANSWER, ReminderOutcome.WRONG_NUMBER}
        if self.method == ReminderMethod.PHONE and self.outcome not in phone:
            raise ValidationError({"outcome": "电话提醒的结果应为已接通、无人接听或号码有误"})
        if self.method == ReminderMethod.SMS and self.outcome in phone:
            raise ValidationError({"outcome": "短信提醒的结果应为已发送或发送失败"})


class PublishOrder(FromCheck):
    """责令限期公示（结果代码 B）：期满仍未公示的，提请列异。"""

    ordered_on = models.DateField("责令日期")
    deadline = models.DateField("公示期限")
    status = models.CharField(
        "状态", max_length=10, choices=OrderStatus.choices, default=OrderStatus.OPEN
    )
    fulfilled_on = models.DateField("公示日期", null=True, blank=True)
    proposal = models.OneToOneField(
        AbnormalListing,
        verbose_name="逾期后的列异提请",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="order",
    )
    created_by = _user("责令人")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    audited = True

    class Meta:
        verbose_name = "责令限期公示"
        verbose_name_plural = "责令限期公示"
        ordering = ["deadline", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["entity"],
                condition=Q(status=OrderStatus.OPEN),
                name="publish_order_one_open",
                violation_error_message="该主体已有一项限期公示的责令",
            ),
        ]

    def __str__(self):
        return f"{self.entity.name} 限 {self.deadline:%Y-%m-%d} 前公示"


class Removal(Chain):
    """移出经营异常名录（信用修复）的申请：主体纠正后申请，经同一条审批链移出。"""

    listing = models.ForeignKey(
        AbnormalListing, verbose_name="列异", on_delete=models.PROTECT, related_name="removals"
    )
    scope_path = models.CharField("辖区路径", max_length=255, db_index=True, editable=False)
    applicant = models.CharField("申请人", max_length=100)
    applied_on = models.DateField("申请日期", validators=ranges.date("申请日期"))
    reason = models.TextField("申请理由（已纠正的情况）")
    channel = models.CharField(
        "申请方式", max_length=10, choices=RemovalChannel.choices, default=RemovalChannel.COUNTER
    )

    audited = True

    class Meta:
        verbose_name = "移出申请（信用修复）"
        verbose_name_plural = "移出申请（信用修复）"
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["listing"],
                condition=Q(stage__in=OPEN_STAGES),
                name="removal_one_open",
                violation_error_message="已有一项审批中的移出申请",
            ),
        ]

    def __str__(self):
        return f"{self.listing.entity.name} 的移出申请"

    def save(self, *args, **kwargs):
        self.scope_path = self.listing.scope_path
        super().save(*args, **kwargs)
