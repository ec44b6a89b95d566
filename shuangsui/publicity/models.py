"""公示：抽查结果公告（一批审核通过的结果）、公示的结果（某一版本的公开快照）、依法不予公示、公示员。

- 结果审核通过即可公示；同一任务“边检查边处理边公示”，分批发布，每批一份公告，
  标题“{抽查机关}{年度}年度第{N}号抽查任务检查结果公告”，N 为该机关该年度公告的顺序号。
- 公示的行是发布时的快照（名称、事项、检查日期、结果代码与文字），之后主体改名也不变。
- 更正：更正后的版本审核通过并发布时，旧行仍然公开，标“已更正”及日期，指向更正后的行；
  撤回：行仍然公开，标“已撤回”及日期与理由。
- 依法不予公示（“除依法依规不适合公开的情形外”）须写明法律依据与理由，由另一人批准，单独统计。
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from shuangsui.catalog.models import InspectionItem
from shuangsui.core.models import OrgUnit
from shuangsui.directory.models import Entity
from shuangsui.plans.models import Task
from shuangsui.results.models import Result

from .choices import WithholdingStatus


class Publisher(models.Model):
    """公示员：地区（县级局）指定的发布抽查结果公告的人。地区没有指定时由任务所在局的计划管理发布。"""

    unit = models.ForeignKey(
        OrgUnit, verbose_name="地区（局）", on_delete=models.PROTECT, related_name="publishers"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="公示员",
        on_delete=models.PROTECT,
        related_name="publisher_roles",
    )
    scope_path = models.CharField("辖区路径", max_length=255, db_index=True, editable=False)

    audited = True

    class Meta:
        verbose_name = "公示员"
        verbose_name_plural = "公示员"
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "user"],
                name="publisher_unique",
                violation_error_message="该用户已是本地区的公示员",
            )
        ]

    def __str__(self):
        return f"{self.unit.name} 公示员 {self.user}"

    def save(self, *args, **kwargs):
        self.scope_path = self.unit.path
        super().save(*args, **kwargs)


class Publication(models.Model):
    """抽查结果公告：一项任务的一批审核通过的结果，由任务的负责单位发布。"""

    task = models.ForeignKey(
        Task, verbose_name="抽查任务", on_delete=models.PROTECT, related_name="publications"
    )
    authority = models.ForeignKey(
        OrgUnit, verbose_name="抽查机关", on_delete=models.PROTECT, related_name="publications"
    )
    scope_path = models.CharField("辖区路径", max_length=255, db_index=True, editable=False)
    year = models.PositiveSmallIntegerField("年度")
    number = models.PositiveIntegerField("公告号")
    title = models.CharField("标题", max_length=255)
    published_on = models.DateField("公示日期")
    published_at = models.DateTimeField("发布时间")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发布人",
        on_delete=models.PROTECT,
        related_name="+",
    )

    audited = True

    class Meta:
        verbose_name = "抽查结果公告"
        verbose_name_plural = "抽查结果公告"
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "year", "number"],
                name="publication_number_unique",
                violation_error_message="同一抽查机关同一年度的公告号不能重复",
            )
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.scope_path = self.task.scope_path
        super().save(*args, **kwargs)

    @staticmethod
    def make_title(authority_name, year, number):
        return f"{authority_name}{year}年度第{number}号抽查任务检查结果公告"


class PublishedResult(models.Model):
    """公示的检查结果：某一结果版本在公告中的公开快照（只含可以公开的字段）。"""

    publication = models.ForeignKey(
        Publication, verbose_name="公告", on_delete=models.PROTECT, related_name="rows"
    )
    result = models.OneToOneField(
        Result, verbose_name="检查结果（版本）", on_delete=models.PROTECT, related_name="published"
    )
    task = models.ForeignKey(
        Task, verbose_name="抽查任务", on_delete=models.PROTECT, related_name="published_results"
    )
    authority = models.ForeignKey(
        OrgUnit, verbose_name="抽查机关", on_delete=models.PROTECT, related_name="+"
    )
    scope_path = models.CharField("辖区路径", max_length=255, db_index=True, editable=False)
    entity = models.ForeignKey(
        Entity,
        verbose_name="市场主体",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="published_results",
    )
    uid = models.CharField("统一社会信用代码（对象标识）", max_length=100, db_index=True)
    name = models.CharField("名称", max_length=200)
    item = models.ForeignKey(
        InspectionItem, verbose_name="抽查事项", on_delete=models.PROTECT, related_name="+"
    )
    item_name = models.CharField("抽查事项名称", max_length=200)
    version = models.PositiveSmallIntegerField("结果版本", default=1)
    checked_from = models.DateField("检查日期（起）", null=True, blank=True)
    checked_to = models.DateField("检查日期（止）", null=True, blank=True)
    codes = models.CharField("检查结果代码", max_length=100, help_text="代码以“,”分隔")
    code_text = models.TextField("检查结果（文字）")
    published_on = models.DateField("公示日期", db_index=True)
    due_on = models.DateField("公示期限", null=True, blank=True)
    on_time = models.BooleanField("按时公示", null=True, blank=True)
    replaces = models.OneToOneField(
        "self",
        verbose_name="更正的公示",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    corrected_on = models.DateField("更正日期", null=True, blank=True)
    withdrawn_on = models.DateField("撤回日期", null=True, blank=True)
    withdrawal_reason = models.TextField("撤回理由", blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_index=True)

    audited = True

    class Meta:
        verbose_name = "公示的检查结果"
        verbose_name_plural = "公示的检查结果"
        ordering = ["-published_on", "-pk"]
        indexes = [
            models.Index(fields=["entity", "published_on"], name="pubresult_entity"),
            models.Index(fields=["task", "published_on"], name="pubresult_task"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | ~Q(withdrawal_reason=""),
                name="pubresult_withdrawal_reason",
                violation_error_message="撤回须写明理由",
            )
        ]

    def __str__(self):
        return f"{self.name} · {self.item_name}（{self.publication.title}）"

    def save(self, *args, **kwargs):
        self.scope_path = self.task.scope_path
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("公示的结果不能删除；请撤回或更正")

    @property
    def code_list(self):
        return [c for c in self.codes.split(",") if c]

    @property
    def state(self):
        """公开的标记：“已更正”“已撤回”或空（现行）。"""
        if self.corrected_on:
            return "已更正"
        if self.withdrawn_on:
            return "已撤回"
        return ""


class Withholding(models.Model):
    """依法不予公示：写明法律依据与理由，由申请人以外的人批准；批准后该结果不公示、单独统计。"""

    result = models.ForeignKey(
        Result,
        verbose_name="检查结果（版本）",
        on_delete=models.PROTECT,
        related_name="withholdings",
    )
    task = models.ForeignKey(
        Task, verbose_name="抽查任务", on_delete=models.PROTECT, related_name="withholdings"
    )
    scope_path = models.CharField("辖区路径", max_length=255, db_index=True, editable=False)
    basis = models.CharField("法律依据", max_length=255)
    reason = models.TextField("不予公示的理由")
    status = models.CharField(
        "状态",
        max_length=10,
        choices=WithholdingStatus.choices,
        default=WithholdingStatus.PENDING,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField("申请时间", auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="批准人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    decision_note = models.TextField("决定意见", blank=True)

    audited = True

    class Meta:
        verbose_name = "依法不予公示"
        verbose_name_plural = "依法不予公示"
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["result"],
                condition=~Q(status=WithholdingStatus.REJECTED),
                name="withholding_one_open",
                violation_error_message="该结果已有不予公示申请",
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="withholding_second_person",
                violation_error_message="不予公示须由申请人以外的人批准",
            ),
            models.CheckConstraint(
                condition=~Q(basis="") & ~Q(reason=""),
                name="withholding_basis_reason",
                violation_error_message="不予公示须写明法律依据与理由",
            ),
        ]

    def __str__(self):
        return f"不予公示：{self.result}（{self.get_status_display()}）"

    def save(self, *args, **kwargs):
        self.scope_path = self.task.scope_path
        super().save(*args, **kwargs)
