"""随机抽取：冻结的名单、各方承诺与揭示、抽取记录文件、入选与备选对象、排除的对象。

一次抽取完成后不可修改（只能经第二人审批作废，作废记录保留）；每个任务至多一次有效抽取，
由数据库的部分唯一约束兜底。
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from shuangsui.directory.models import Entity, TargetObject
from shuangsui.lib import ranges
from shuangsui.plans.models import Task

from .choices import DrawStatus, ExclusionCode, PartyRole, TargetRole


class ImmutableError(Exception):
    """试图修改已完成或已作废的抽取。"""


FINAL_STATUSES = (DrawStatus.COMPLETED, DrawStatus.VOIDED)
# 已完成的抽取只有这些字段还能写（作废申请与审批）
VOID_FIELDS = frozenset(
    {
        "status",
        "void_reason",
        "void_requested_by",
        "void_requested_at",
        "void_approved_by",
        "voided_at",
    }
)


class DrawQuerySet(models.QuerySet):
    def update(self, **kwargs):
        touched = {k.removesuffix("_id") for k in kwargs}
        if not touched <= VOID_FIELDS and self.filter(status__in=FINAL_STATUSES).exists():
            raise ImmutableError("已完成或已作废的抽取不可修改")
        if (
            self.filter(status=DrawStatus.VOIDED).exists()
            and kwargs.get("status") != DrawStatus.VOIDED
        ):
            raise ImmutableError("已作废的抽取不可修改")
        return super().update(**kwargs)

    def delete(self):
        if self.filter(status__in=FINAL_STATUSES).exists():
            raise ImmutableError("已完成或已作废的抽取不可删除")
        return super().delete()


class CeremonyRecord(models.Model):
    """按抽取协议进行的一次抽取（抽象）：冻结的名单与配额、公开随机值、种子与记录文件、完成人。

    检查对象的抽取（Draw）与再检查的抽样都继承它；仪式的规则见 `ceremony.py`。"""

    status = models.CharField(
        "状态", max_length=10, choices=DrawStatus.choices, default=DrawStatus.FROZEN
    )
    # 冻结的名单
    population_digest = models.CharField("名单摘要（SHA-256）", max_length=64)
    population_count = models.PositiveIntegerField("名单户数", default=0)
    strata = models.JSONField("各层户数", default=dict)
    quotas = models.JSONField("配额", default=dict)
    quota_rule = models.JSONField("配额比例", default=dict, blank=True)
    population_file = models.CharField("名单文件", max_length=255, blank=True)
    frozen_at = models.DateTimeField("冻结时间")
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="冻结人",
        on_delete=models.PROTECT,
        related_name="+",
    )
    # 公开随机值（揭示之后由执行方录入，不需承诺）
    public_label = models.CharField("公开随机值标签", max_length=32, blank=True)
    public_value = models.CharField("公开随机值", max_length=200, blank=True)
    # 抽取结果
    seed = models.CharField("种子", max_length=64, blank=True)
    record_file = models.CharField("抽取记录文件", max_length=255, blank=True)
    record_sha256 = models.CharField("抽取记录摘要", max_length=64, blank=True)
    selected_count = models.PositiveIntegerField("入选户数", default=0)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="执行人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        abstract = True

    @property
    def is_completed(self):
        return self.status == DrawStatus.COMPLETED


class Draw(CeremonyRecord):
    """一次检查对象抽取（及检查人员匹配），按抽取协议 shuangsui-draw-v1 进行。

    流程：冻结名单（摘要写入留痕）→ 各方提交承诺 → 全部承诺后各方揭示 → 可选的公开随机值
    → 计算抽取并保存记录文件。文件存放在 DRAW_FILES_ROOT 下，摘要存于本表。
    """

    task = models.ForeignKey(
        Task, verbose_name="抽查任务", on_delete=models.PROTECT, related_name="draws"
    )
    scope_path = models.CharField("辖区路径", max_length=255, db_index=True, editable=False)
    number = models.PositiveSmallIntegerField(
        "抽取次序", default=1, validators=ranges.count("抽取次序", 1, 32767)
    )
    # 冻结的名单（其余字段见 CeremonyRecord）
    reserves = models.JSONField("备选户数", default=dict, blank=True)
    quota_notes = models.JSONField("配额说明", default=list, blank=True)
    excluded_count = models.PositiveIntegerField("排除户数", default=0)
    # 排除名单按原因汇总的户数（[{code, reason, n}]，户数多的在前），冻结时数好存下：排除行此后
    # 不变，任务页不必每次（或每个进程第一次）汇总几十万行
    exclusion_counts = models.JSONField("排除原因汇总", default=list, blank=True)
    pool_file = models.CharField("检查人员库快照文件", max_length=255, blank=True)
    pool_sha256 = models.CharField("检查人员库快照摘要", max_length=64, blank=True)
    public_record_file = models.CharField("公开记录文件", max_length=255, blank=True)
    public_record_sha256 = models.CharField("公开记录摘要", max_length=64, blank=True)
    public_population_file = models.CharField("公开名单文件", max_length=255, blank=True)
    public_population_sha256 = models.CharField("公开名单摘要", max_length=64, blank=True)
    reserve_count = models.PositiveIntegerField("备选户数合计", default=0)
    # 作废
    void_reason = models.TextField("作废原因", blank=True)
    void_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="作废申请人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    void_requested_at = models.DateTimeField("作废申请时间", null=True, blank=True)
    void_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="作废批准人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    voided_at = models.DateTimeField("作废时间", null=True, blank=True)

    objects = DrawQuerySet.as_manager()

    class Meta:
        verbose_name = "抽取"
        verbose_name_plural = "抽取"
        ordering = ["task", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["task"],
                condition=~Q(status="voided"),
                name="one_valid_draw_per_task",
                violation_error_message="该任务已有一次有效的抽取",
            ),
            models.UniqueConstraint(
                fields=["task", "number"],
                name="draw_number_unique_per_task",
                violation_error_message="抽取次序不能重复",
            ),
            ranges.count_check("draw", "number", "抽取次序", 1, 32767),
            models.CheckConstraint(
                condition=Q(population_count__gte=F("selected_count") + F("reserve_count")),
                name="draw_counts_within_population",
                violation_error_message="入选与备选户数之和不能超过名单户数",
            ),
        ]

    def __str__(self):
        return f"{self.task.code} 第{self.number}次抽取"

    def clean(self):
        """各层配额与备选户数为非负整数，合计不超过该层名单户数。"""
        problems = []
        for label, quota in (self.quotas or {}).items():
            reserve = (self.reserves or {}).get(label, 0)
            size = (self.strata or {}).get(label, 0)
            numbers = (quota, reserve, size)
            if not all(isinstance(n, int) and n >= 0 for n in numbers):
                problems.append(f"层“{label}”的户数应为非负整数")
            elif quota + reserve > size:
                problems.append(f"层“{label}”的配额与备选户数之和超过名单中的 {size} 户")
        if problems:
            raise ValidationError(problems)

    def save(self, *args, **kwargs):
        if self.pk is not None:
            stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == DrawStatus.VOIDED:
                raise ImmutableError("已作废的抽取不可修改")
            if stored == DrawStatus.COMPLETED:
                fields = kwargs.get("update_fields")
                if not fields or not set(fields) <= VOID_FIELDS:
                    raise ImmutableError("已完成的抽取不可修改（只能经审批作废）")
        self.scope_path = self.task.scope_path
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.status in FINAL_STATUSES:
            raise ImmutableError("已完成或已作废的抽取不可删除")
        return super().delete(*args, **kwargs)

    @property
    def is_valid(self):
        return self.status != DrawStatus.VOIDED

    @property
    def void_pending(self):
        return self.status != DrawStatus.VOIDED and self.void_requested_by_id is not None

    @property
    def credit_strata(self):
        """各层是否为信用风险分类（不公开，需 credit.view 才能看原始记录）。"""
        return any(label in {"A", "B", "C", "D", "U"} for label in self.strata)


class FrozenRowMixin:
    """冻结后不可修改的行：只能新增，不能修改或删除（随抽取一起保存）。"""

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ImmutableError(f"{self._meta.verbose_name}保存后不可修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError(f"{self._meta.verbose_name}不可删除")


def party_constraints(owner, label_name, user_name, what):
    """参与方的两条唯一约束：一次仪式（`owner` 为外键名）中标签不重复、同一用户只作一方。"""
    return [
        models.UniqueConstraint(
            fields=[owner, "label"],
            name=label_name,
            violation_error_message=f"同一次{what}中标签不能重复",
        ),
        models.UniqueConstraint(
            fields=[owner, "user"],
            name=user_name,
            violation_error_message=f"同一用户在一次{what}中只能作为一方",
        ),
    ]


class CeremonyParty(models.Model):
    """仪式的一方（抽象）：先提交承诺（只存承诺值），全部承诺后再揭示原值，服务端核对后计入熵。

    检查对象的抽取（DrawParty）与再检查抽样的参与方都继承它，仪式规则见 `ceremony.py`。"""

    label = models.CharField("标签", max_length=32)
    role = models.CharField("身份", max_length=10, choices=PartyRole.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.PROTECT, related_name="+"
    )
    order = models.PositiveSmallIntegerField("承诺顺序")
    commitment = models.CharField("承诺值", max_length=64)
    committed_at = models.DateTimeField("承诺时间")
    value = models.CharField("揭示值", max_length=200, blank=True)
    revealed_at = models.DateTimeField("揭示时间", null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.label}（{self.user}）"

    @property
    def revealed(self):
        return self.revealed_at is not None

    @property
    def entropy(self):
        return f"{self.label}={self.value}"


class DrawParty(CeremonyParty):
    """抽取的一方。"""

    draw = models.ForeignKey(
        Draw, verbose_name="抽取", on_delete=models.PROTECT, related_name="parties"
    )
    scope_path = models.CharField("辖区路径", max_length=255, db_index=True, editable=False)

    class Meta:
        verbose_name = "抽取参与方"
        verbose_name_plural = "抽取参与方"
        ordering = ["draw", "order"]
        constraints = party_constraints(
            "draw", "party_label_unique_per_draw", "party_user_unique_per_draw", "抽取"
        )

    def save(self, *args, **kwargs):
        if self.pk is not None:
            status = Draw.objects.filter(pk=self.draw_id).values_list("status", flat=True).first()
            if status in FINAL_STATUSES:
                raise ImmutableError("抽取已完成或已作废，参与方记录不可修改")
        self.scope_path = self.draw.scope_path
        super().save(*args, **kwargs)


class DrawnTarget(FrozenRowMixin, models.Model):
    """一个入选或备选的检查对象：名次（即批次顺序）、键、层，关联到市场主体或对象库中的对象。"""

    draw = models.ForeignKey(
        Draw, verbose_name="抽取", on_delete=models.PROTECT, related_name="targets"
    )
    scope_path = models.CharField("辖区路径", max_length=255, db_index=True)
    role = models.CharField("结果", max_length=10, choices=TargetRole.choices)
    rank = models.PositiveIntegerField("名次")
    uid = models.CharField("对象标识", max_length=100)
    stratum = models.CharField("层", max_length=32)
    key = models.CharField("键", max_length=64)
    entity = models.ForeignKey(
        Entity,
        verbose_name="市场主体",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="drawn",
    )
    target_object = models.ForeignKey(
        TargetObject,
        verbose_name="检查对象",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="drawn",
    )
    inspectors = models.JSONField("匹配的检查人员", default=list, blank=True)
    flags = models.JSONField("匹配标记", default=list, blank=True)

    class Meta:
        verbose_name = "抽中对象"
        verbose_name_plural = "抽中对象"
        ordering = ["draw", "role", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["draw", "role", "rank"],
                name="drawn_rank_unique",
                violation_error_message="同一次抽取中名次不能重复",
            ),
            models.UniqueConstraint(
                fields=["draw", "uid"],
                name="drawn_uid_unique",
                violation_error_message="同一对象在一次抽取中只能出现一次",
            ),
        ]

    def __str__(self):
        return f"{self.get_role_display()}第{self.rank}名 {self.uid}"


class Exclusion(FrozenRowMixin, models.Model):
    """冻结名单时在范围内、但按规则排除的对象，各带原因代码与原因文字（如“B类本年度已检查1次”）。"""

    draw = models.ForeignKey(
        Draw,
        verbose_name="抽取",
        on_delete=models.PROTECT,
        related_name="exclusions",
        db_index=False,  # 按抽取的查询走 exclusion_summary 与 (抽取, 标识) 的唯一约束
    )
    scope_path = models.CharField("辖区路径", max_length=255, db_index=True)
    uid = models.CharField("对象标识", max_length=100)
    stratum = models.CharField("层", max_length=32)
    code = models.CharField("原因代码", max_length=16, choices=ExclusionCode.choices)
    reason = models.CharField("原因", max_length=100)
    entity = models.ForeignKey(
        Entity,
        verbose_name="市场主体",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="draw_exclusions",
    )
    target_object = models.ForeignKey(
        TargetObject,
        verbose_name="检查对象",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="draw_exclusions",
    )

    class Meta:
        verbose_name = "排除对象"
        verbose_name_plural = "排除对象"
        ordering = ["draw", "uid"]
        constraints = [
            models.UniqueConstraint(
                fields=["draw", "uid"],
                name="exclusion_uid_unique",
                violation_error_message="同一对象在一次抽取中只排除一次",
            ),
        ]
        indexes = [
            # 任务页的排除摘要按原因数户数：百万户的总体排除几十万行，只读索引约快 8 倍
            models.Index(fields=["draw", "code", "reason"], name="exclusion_summary")
        ]

    def __str__(self):
        return f"{self.uid}：{self.reason}"
