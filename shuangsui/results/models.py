"""检查结果：每个检查对象 × 每个抽查事项一条（联合任务各部门各自的事项），按版本保存。

- 审核通过的版本不可再改；更正是新的版本（写明原因），旧版本留存可查。
- 告知、送达、列异、后续处置与公示以后挂在结果（`Result`）上。
"""

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from shuangsui.catalog.models import InspectionItem
from shuangsui.inspections.models import Inspection
from shuangsui.inspectors.models import Inspector

from .choices import AttachmentKind, ResultStatus


def tags(text):
    return [t for t in (text or "").split(",") if t]


def join(values):
    values = [v for v in values if v]
    return f",{','.join(values)}," if values else ""


class Result(models.Model):
    inspection = models.ForeignKey(
        Inspection, verbose_name="检查对象", on_delete=models.PROTECT, related_name="results"
    )
    item = models.ForeignKey(
        InspectionItem, verbose_name="抽查事项", on_delete=models.PROTECT, related_name="results"
    )
    department = models.CharField("部门代码", max_length=32, blank=True)
    scope_path = models.CharField("辖区路径", max_length=255, db_index=True, editable=False)
    version = models.PositiveSmallIntegerField("版本", default=1)
    current = models.BooleanField("现行版本", default=True)
    previous = models.OneToOneField(
        "self",
        verbose_name="更正的版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="correction",
    )
    correction_reason = models.TextField("更正原因", blank=True)
    status = models.CharField(
        "状态", max_length=12, choices=ResultStatus.choices, default=ResultStatus.DRAFT
    )
    checked_from = models.DateField("检查日期（起）", null=True, blank=True)
    checked_to = models.DateField("检查日期（止）", null=True, blank=True)
    methods = models.CharField("核查方式", max_length=40, blank=True, help_text="代码以“,”分隔")
    codes = models.CharField("检查结果", max_length=100, blank=True, help_text="代码以“,”分隔")
    status_confirmed = models.BooleanField(
        "已核实登记状态", default=False, help_text="结果代码9–12与主体登记状态不符时须核实确认"
    )
    facts = models.TextField("检查发现的事实", blank=True)
    provisions = models.TextField("适用条款", blank=True)
    present = models.ManyToManyField(
        Inspector, verbose_name="到场人员", blank=True, related_name="results_present"
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    entered_at = models.DateTimeField("录入时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    review_note = models.TextField("审核意见（退回原因）", blank=True)

    audited = True

    class Meta:
        verbose_name = "检查结果"
        verbose_name_plural = "检查结果"
        ordering = ["inspection", "item__code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "item", "version"],
                name="result_version_unique",
                violation_error_message="同一对象同一事项的版本号不能重复",
            ),
            models.UniqueConstraint(
                fields=["inspection", "item"],
                condition=Q(current=True),
                name="result_current_unique",
                violation_error_message="同一对象同一事项只能有一个现行版本",
            ),
        ]
        indexes = [models.Index(fields=["status", "current"], name="result_status_current")]

    def __str__(self):
        return f"{self.inspection} · {self.item.code}（第{self.version}版）"

    def save(self, *args, **kwargs):
        if self.pk:
            stored = Result.objects.filter(pk=self.pk).values("status", "current").first()
            if stored and stored["status"] == ResultStatus.APPROVED:
                # 审核通过后只允许把它标为非现行（更正时），内容不得改变
                changed = set(kwargs.get("update_fields") or []) - {"current"}
                if changed or not kwargs.get("update_fields"):
                    raise ValidationError("已审核的检查结果不能修改；请提出更正（新版本）")
        self.scope_path = self.inspection.scope_path
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("检查结果不能删除")

    @property
    def method_list(self):
        return tags(self.methods)

    @property
    def code_list(self):
        return tags(self.codes)

    @property
    def method_labels(self):
        from shuangsui.catalog import methods

        return methods.labels(self.method_list)

    @property
    def code_labels(self):
        from shuangsui.catalog.models import ResultCode

        names = dict(ResultCode.objects.filter(code__in=self.code_list).values_list("code", "name"))
        return [f"{c} {names.get(c, '')}".strip() for c in self.code_list]

    @property
    def editable(self):
        return self.status in (ResultStatus.DRAFT, ResultStatus.RETURNED)


class Attachment(models.Model):
    """检查材料（照片、现场笔录、询问笔录等）。文件存于数据目录，按内容识别类型，只经授权的页面读取。"""

    result = models.ForeignKey(
        Result, verbose_name="检查结果", on_delete=models.PROTECT, related_name="attachments"
    )
    scope_path = models.CharField("辖区路径", max_length=255, db_index=True, editable=False)
    kind = models.CharField("类别", max_length=16, choices=AttachmentKind.choices)
    name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("类型", max_length=50)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    path = models.CharField("存储路径", max_length=255, help_text="数据目录下的相对路径")
    thumbnail = models.CharField("缩略图路径", max_length=255, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    audited = True

    class Meta:
        verbose_name = "检查材料"
        verbose_name_plural = "检查材料"
        ordering = ["result", "id"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.scope_path = self.result.scope_path
        super().save(*args, **kwargs)

    @property
    def is_image(self):
        return self.content_type.startswith("image/")

    @staticmethod
    def digest(data):
        return hashlib.sha256(data).hexdigest()
