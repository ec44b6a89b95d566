"""再检查（质量复查）与交叉检查：从一个时期已检查完毕的对象中按抽取协议随机抽样，
由再检查人员逐户复查，记录原检查是否有问题未发现。

抽样与检查对象的抽取一样走完整的仪式（冻结名单 → 承诺 → 揭示 → 执行），名单里的对象标识是
“任务编号:对象标识”，每个所一层；记录文件可用 tools/verify_draw.py 核验。抽样不是对市场主体的
抽取，不计入任何主体的年度检查频次。
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from shuangsui.core.models import OrgUnit
from shuangsui.draws.choices import DrawStatus
from shuangsui.draws.models import (
    CeremonyParty,
    CeremonyRecord,
    ImmutableError,
    party_constraints,
)
from shuangsui.inspections.models import Inspection
from shuangsui.inspectors.models import Inspector
from shuangsui.lib import ranges

from .choices import Outcome


class RecheckSample(CeremonyRecord):
    """一次再检查抽样：某单位（县局或其上级）对某年度（可限检查日期）已检查完毕的对象抽样。"""

    code = models.CharField("抽样编号", max_length=40, unique=True)
    unit = models.ForeignKey(
        OrgUnit, verbose_name="抽样范围", on_delete=models.PROTECT, related_name="recheck_samples"
    )
    scope_path = models.CharField("辖区路径", max_length=255, db_index=True, editable=False)
    year = models.PositiveSmallIntegerField("年度", validators=ranges.year("年度"))
    period_from = models.DateField("检查日期（起）", null=True, blank=True)
    period_to = models.DateField("检查日期（止）", null=True, blank=True)
    cross_check = models.BooleanField(
        "交叉检查", default=False, help_text="再检查人员须来自原检查对象所属所以外的单位"
    )
    note = models.TextField("说明", blank=True)
    ratio = models.DecimalField("抽样比例", max_digits=6, decimal_places=4)
    minimum = models.PositiveSmallIntegerField("最少户数")

    class Meta:
        verbose_name = "再检查抽样"
        verbose_name_plural = "再检查抽样"
        ordering = ["-year", "-frozen_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(population_count__gte=models.F("selected_count")),
                name="recheck_selected_within_population",
                violation_error_message="抽中户数不能超过名单户数",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.unit.name}{self.year}年{'交叉检查' if self.cross_check else '再检查'}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == DrawStatus.COMPLETED:
                raise ImmutableError("已完成的再检查抽样不可修改")
        self.scope_path = self.unit.path
        super().save(*args, **kwargs)

    @property
    def kind_label(self):
        return "交叉检查" if self.cross_check else "再检查"


class RecheckParty(CeremonyParty):
    """再检查抽样的一方（执行方、监督见证方）。"""

    sample = models.ForeignKey(
        RecheckSample, verbose_name="再检查抽样", on_delete=models.PROTECT, related_name="parties"
    )
    scope_path = models.CharField("辖区路径", max_length=255, db_index=True, editable=False)

    class Meta:
        verbose_name = "再检查抽样参与方"
        verbose_name_plural = "再检查抽样参与方"
        ordering = ["sample", "order"]
        constraints = party_constraints(
            "sample", "recheck_party_label_unique", "recheck_party_user_unique", "抽样"
        )

    def save(self, *args, **kwargs):
        self.scope_path = self.sample.scope_path
        super().save(*args, **kwargs)


class RecheckItem(models.Model):
    """抽中的一户检查：名次、键、所（层），以及再检查的结果。"""

    sample = models.ForeignKey(
        RecheckSample, verbose_name="再检查抽样", on_delete=models.PROTECT, related_name="items"
    )
    inspection = models.ForeignKey(
        Inspection, verbose_name="原检查", on_delete=models.PROTECT, related_name="rechecks"
    )
    station = models.ForeignKey(
        OrgUnit,
        verbose_name="原检查所属所",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    scope_path = models.CharField("辖区路径", max_length=255, db_index=True)
    rank = models.PositiveIntegerField("名次")
    uid = models.CharField("名单标识", max_length=150)
    stratum = models.CharField("层（所）", max_length=32)
    key = models.CharField("键", max_length=64)
    outcome = models.CharField(
        "再检查结果", max_length=12, choices=Outcome.choices, default=Outcome.PENDING
    )
    missed = models.TextField("未发现的问题", blank=True)
    correction_needed = models.BooleanField("原检查结果须更正", default=False)
    remark = models.TextField("备注", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField("录入时间", null=True, blank=True)

    class Meta:
        verbose_name = "再检查对象"
        verbose_name_plural = "再检查对象"
        ordering = ["sample", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["sample", "rank"],
                name="recheck_item_rank_unique",
                violation_error_message="同一次抽样中名次不能重复",
            ),
            models.UniqueConstraint(
                fields=["sample", "inspection"],
                name="recheck_item_inspection_unique",
                violation_error_message="同一户检查在一次抽样中只出现一次",
            ),
            models.CheckConstraint(
                condition=~Q(outcome=Outcome.MISSED) | ~Q(missed=""),
                name="recheck_missed_described",
                violation_error_message="有问题未发现时须写明未发现的问题",
            ),
        ]

    def __str__(self):
        return f"{self.sample.code} 第{self.rank}名 {self.uid}"

    def clean(self):
        if self.outcome == Outcome.MISSED and not self.missed.strip():
            raise ValidationError({"missed": "有问题未发现时须写明未发现的问题"})
        if self.outcome != Outcome.MISSED and self.correction_needed:
            raise ValidationError({"correction_needed": "结果一致时不需要更正原检查结果"})


class RecheckAssignment(models.Model):
    """一户再检查的一名再检查人员（交叉检查时来自另一单位；不得是原检查的人员）。"""

    item = models.ForeignKey(
        RecheckItem, verbose_name="再检查对象", on_delete=models.PROTECT, related_name="checkers"
    )
    inspector = models.ForeignKey(
        Inspector, verbose_name="再检查人员", on_delete=models.PROTECT, related_name="rechecks"
    )
    scope_path = models.CharField("辖区路径", max_length=255, db_index=True)
    assigned_at = models.DateTimeField("指派时间")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="指派人", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "再检查人员指派"
        verbose_name_plural = "再检查人员指派"
        ordering = ["item", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "inspector"],
                name="recheck_assignment_unique",
                violation_error_message="同一再检查人员在一户上只指派一次",
            ),
        ]

    def __str__(self):
        return f"{self.item} · {self.inspector}"
