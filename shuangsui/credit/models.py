"""信用反馈：由检查结果、列异、后续处置引起的信用风险分类调整建议，与管理员维护的规则表。"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from shuangsui.directory.choices import CREDIT_SEVERITY, CreditClass
from shuangsui.directory.models import Entity
from shuangsui.results.models import Result

from .choices import DEFAULT_RULES, EXAMPLE_NOTE, ProposalStatus, RuleEffect, RuleEvent

CLASSES = [(c, label) for c, label in CreditClass.choices if c != CreditClass.U]


class CreditRule(models.Model):
    """一条反馈规则：某事件（及检查结果代码）发生时，建议把主体的分类调整为什么。管理员在后台维护。"""

    code = models.CharField("代码", max_length=8, unique=True)
    name = models.CharField("名称", max_length=100)
    event = models.CharField("事件", max_length=20, choices=RuleEvent.choices)
    result_codes = models.CharField(
        "检查结果代码",
        max_length=100,
        blank=True,
        help_text="以“,”分隔；检查结果含其中任一代码时适用。空白为该事件都适用",
    )
    effect = models.CharField("调整", max_length=12, choices=RuleEffect.choices)
    credit_class = models.CharField(
        "分类", max_length=1, choices=CLASSES, blank=True, help_text="“调整为不低于”时必填"
    )
    order = models.PositiveSmallIntegerField("顺序", default=0)
    active = models.BooleanField("有效", default=True)
    note = models.CharField("说明", max_length=255, blank=True, default=EXAMPLE_NOTE)

    audited = True

    class Meta:
        verbose_name = "信用反馈规则"
        verbose_name_plural = "信用反馈规则"
        ordering = ["order", "code"]

    def __str__(self):
        return f"{self.code} {self.name}"

    def clean(self):
        if self.effect == RuleEffect.AT_LEAST and not self.credit_class:
            raise ValidationError({"credit_class": "“调整为不低于”须选择分类"})
        if self.result_codes and self.event != RuleEvent.RESULT_APPROVED:
            raise ValidationError({"result_codes": "只有“检查结果审核通过”的规则按结果代码区分"})

    @property
    def code_list(self):
        return [c.strip() for c in self.result_codes.split(",") if c.strip()]

    def matches(self, codes):
        wanted = self.code_list
        return not wanted or bool(set(wanted) & set(codes))


def ensure_rules():
    """规则表为空时装入示例规则（迁移已装入；清空过的库如演示、页面测试再装一次）。"""
    if CreditRule.objects.exists():
        return 0
    for order, (code, name, event, codes, effect, cls) in enumerate(DEFAULT_RULES, start=1):
        CreditRule.objects.create(
            code=code,
            name=name,
            event=event,
            result_codes=codes,
            effect=effect,
            credit_class=cls,
            order=order,
        )
    return len(DEFAULT_RULES)


def more_severe(new, old):
    """new 比 old 更重（“未分类”视同最轻）。"""
    return CREDIT_SEVERITY.get(new, 0) > CREDIT_SEVERITY.get(old, 0)


class CreditProposal(models.Model):
    """一次信用风险分类调整建议：由某一原因（cause_key，唯一）产生一次，计划管理人员确认或驳回。"""

    entity = models.ForeignKey(
        Entity, verbose_name="市场主体", on_delete=models.PROTECT, related_name="credit_proposals"
    )
    scope_path = models.CharField("辖区路径", max_length=255, db_index=True, editable=False)
    rule = models.ForeignKey(
        CreditRule, verbose_name="规则", null=True, on_delete=models.PROTECT, related_name="+"
    )
    event = models.CharField("事件", max_length=20, choices=RuleEvent.choices)
    cause_key = models.CharField("原因标识", max_length=100, editable=False)
    cause = models.CharField("原因", max_length=255)
    result = models.ForeignKey(
        Result,
        verbose_name="引起调整的检查结果",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_proposals",
    )
    from_class = models.CharField("原分类", max_length=1, choices=CreditClass.choices)
    from_date = models.DateField("原分类日期", null=True, blank=True)
    to_class = models.CharField("建议分类", max_length=1, choices=CreditClass.choices)
    reason = models.TextField("建议理由")
    status = models.CharField(
        "状态", max_length=12, choices=ProposalStatus.choices, default=ProposalStatus.PENDING
    )
    created_at = models.DateTimeField("提出时间", auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认/驳回人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("确认/驳回时间", null=True, blank=True)
    decision_note = models.TextField("确认说明或驳回理由", blank=True)

    audited = True

    class Meta:
        verbose_name = "信用风险分类调整建议"
        verbose_name_plural = "信用风险分类调整建议"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cause_key"],
                name="credit_proposal_cause_unique",
                violation_error_message="同一原因只产生一条调整建议",
            ),
        ]
        indexes = [models.Index(fields=["status", "scope_path"], name="credit_proposal_queue")]

    def __str__(self):
        return f"{self.entity.name}：{self.from_class} → {self.to_class}"

    def save(self, *args, **kwargs):
        self.scope_path = self.entity.scope_path
        super().save(*args, **kwargs)

    @property
    def pending(self):
        return self.status == ProposalStatus.PENDING
