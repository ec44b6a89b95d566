"""执法检查人员名录库：执法人员、辅助检查人员与专家。"""

from django.core.exceptions import ValidationError
from django.db import models

from shuangsui.core.models import OrgUnit, User
from shuangsui.directory.models import Entity

from .choices import InspectorKind


class Inspector(models.Model):
    """检查人员。执法人员须有执法证号；辅助人员、专家只作为额外成员，不计入两名执法人员。"""

    badge_no = models.CharField("执法证号/人员编号", max_length=32, unique=True)
    name = models.CharField("姓名", max_length=50)
    unit = models.ForeignKey(
        OrgUnit, verbose_name="所在单位", on_delete=models.PROTECT, related_name="inspectors"
    )
    scope_path = models.CharField("辖区路径", max_length=255, db_index=True, editable=False)
    department = models.ForeignKey(
        OrgUnit,
        verbose_name="所属部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="department_inspectors",
    )
    kind = models.CharField(
        "人员类别", max_length=12, choices=InspectorKind.choices, default=InspectorKind.OFFICER
    )
    qualifications = models.CharField("资质标签", max_length=255, blank=True)
    expertise = models.CharField("专长标签", max_length=255, blank=True)
    regions = models.CharField(
        "负责区域",
        max_length=255,
        blank=True,
        help_text="组织单元代码，以“,”分隔存储；空表示所在单位",
    )
    on_duty = models.BooleanField("在岗", default=True)
    phone = models.CharField("电话", max_length=32, blank=True)
    user = models.OneToOneField(
        User,
        verbose_name="登录账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inspector",
    )
    conflicts = models.ManyToManyField(
        Entity, verbose_name="申报回避的市场主体", blank=True, related_name="conflicted_inspectors"
    )
    updated = models.DateTimeField("更新时间", auto_now=True)

    audited = True

    class Meta:
        verbose_name = "检查人员"
        verbose_name_plural = "检查人员名录"
        ordering = ["badge_no"]

    def __str__(self):
        return f"{self.name}（{self.badge_no}）"

    def clean(self):
        if self.department_id and self.department.level != "department":
            raise ValidationError({"department": "所属部门必须是部门/股室"})

    def save(self, *args, **kwargs):
        self.scope_path = self.unit.path
        super().save(*args, **kwargs)

    @property
    def qualification_list(self):
        return [t for t in self.qualifications.split(",") if t]

    @property
    def expertise_list(self):
        return [t for t in self.expertise.split(",") if t]

    @property
    def region_list(self):
        return [t for t in self.regions.split(",") if t]

    @property
    def counts_as_officer(self):
        return self.kind == InspectorKind.OFFICER
