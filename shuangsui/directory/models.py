"""检查对象名录库：市场主体，以及产品、项目、行为等其他对象库。"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from shuangsui.core.models import OrgUnit
from shuangsui.lib import ranges

from . import uscc
from .choices import (
    AnnualReport,
    CreditClass,
    CreditSource,
    EntityStatus,
    EntityType,
    LibraryKind,
)


class Entity(models.Model):
    """市场主体，以统一社会信用代码（18 位）为唯一标识。"""

    uid = models.CharField("统一社会信用代码", max_length=18, unique=True)
    name = models.CharField("名称", max_length=200)
    entity_type = models.CharField(
        "主体类型",
        max_length=16,
        choices=EntityType.choices,
        default=EntityType.ENTERPRISE,
    )
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name="登记/管辖单位",
        on_delete=models.PROTECT,
        related_name="entities",
        db_index=False,  # 辖区查询走 (scope_path, …) 复合索引
    )
    scope_path = models.CharField("辖区路径", max_length=255, editable=False)
    region_code = models.CharField("行政区划代码", max_length=12, blank=True)
    industry_code = models.CharField("行业代码", max_length=8, blank=True)
    address = models.CharField("住所（经营场所）", max_length=255, blank=True)
    legal_rep = models.CharField("法定代表人（负责人）", max_length=100, blank=True)
    phone = models.CharField("联系电话", max_length=50, blank=True)
    status = models.CharField(
        "登记状态",
        max_length=12,
        choices=EntityStatus.choices,
        default=EntityStatus.ACTIVE,
    )
    established = models.DateField(
        "成立日期", null=True, blank=True, validators=ranges.historic_date("成立日期")
    )
    credit_class = models.CharField(
        "信用风险分类",
        max_length=1,
        choices=CreditClass.choices,
        default=CreditClass.U,
    )
    credit_date = models.DateField(
        "分类日期", null=True, blank=True, validators=ranges.historic_date("分类日期")
    )
    key_tags = models.CharField("重点领域", max_length=255, blank=True)
    annual_report = models.CharField(
        "年报状态", max_length=16, choices=AnnualReport.choices, blank=True
    )
    updated = models.DateTimeField("更新时间", auto_now=True)

    audited = True

    class Meta:
        verbose_name = "市场主体"
        verbose_name_plural = "市场主体"
        ordering = ["uid"]
        indexes = [
            # 名录按“所、代码”排序分页：范围 + 顺序都走这个索引，百万行也无需排序。
            # 后面带上列表页可筛选的列：筛选条件在索引里判断（不回表），计数只扫索引；
            # 带上成立日期，统计表与计划的企业基数（各所存续企业数）也只读这个索引。
            # 每个索引都让百万行的导入多花几秒重建，所以不为基数另建索引。
            # PostgreSQL 上它另带名称与所属单位（INCLUDE，迁移 0011 直接改库）：按页面顺序逐行比对名称时不回表。
            models.Index(
                fields=[
                    "scope_path",
                    "uid",
                    "credit_class",
                    "status",
                    "entity_type",
                    "industry_code",
                    "established",
                ],
                name="entity_scope_list",
            ),
            # 新的筛选组合（信用分类 + 登记状态，常再加类型、行业）：相等条件在前、辖区与代码在后，
            # 只扫这两个条件命中的那段索引、仍按“所、代码”的顺序取一页；少见的组合（D 类、已吊销）
            # 不必扫过辖区的整个名录索引才知道不满一页。只有信用分类、没有登记状态时不用它（见 filters）
            models.Index(
                fields=[
                    "credit_class",
                    "status",
                    "scope_path",
                    "uid",
                    "entity_type",
                    "industry_code",
                ],
                name="entity_filter_list",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        problem = uscc.problem(self.uid)
        if problem:
            raise ValidationError({"uid": problem})

    def save(self, *args, **kwargs):
        self.uid = uscc.normalise(self.uid)
        self.scope_path = self.unit.path
        super().save(*args, **kwargs)

    @property
    def tag_list(self):
        return [t for t in self.key_tags.split(",") if t]

    def assign_credit(self, credit_class, credit_date, *, source, reason="", cause="", user=None):
        """改定信用风险分类并记入分类历史；返回历史记录。调用方负责事务与留痕。"""
        entry = CreditHistory.objects.create(
            entity=self,
            credit_class=credit_class,
            credit_date=credit_date,
            previous_class=self.credit_class,
            previous_date=self.credit_date,
            source=source,
            reason=reason,
            cause=cause,
            user=user,
        )
        self.credit_class, self.credit_date = credit_class, credit_date
        self.save(update_fields=["credit_class", "credit_date", "updated"])
        return entry


class CreditHistory(models.Model):
    """一个市场主体信用风险分类的每一次认定：省级分类导入、检查结果反馈或人工调整。

    导入的分类日期早于主体现有分类日期时不改主体，只记为“已被更新的分类取代”（superseded）。
    """

    entity = models.ForeignKey(
        Entity, verbose_name="市场主体", on_delete=models.CASCADE, related_name="credit_history"
    )
    credit_class = models.CharField("分类", max_length=1, choices=CreditClass.choices)
    credit_date = models.DateField("分类日期", null=True, blank=True)
    previous_class = models.CharField(
        "原分类", max_length=1, choices=CreditClass.choices, blank=True
    )
    previous_date = models.DateField("原分类日期", null=True, blank=True)
    source = models.CharField("来源", max_length=12, choices=CreditSource.choices)
    superseded = models.BooleanField(
        "未采用", default=False, help_text="分类日期早于主体现有分类日期，未改动主体"
    )
    reason = models.TextField("理由", blank=True)
    cause = models.CharField(
        "依据", max_length=255, blank=True, help_text="引起调整的检查结果、列异、文件等"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField("记录时间", default=timezone.now)

    class Meta:
        verbose_name = "信用风险分类历史"
        verbose_name_plural = "信用风险分类历史"
        ordering = ["entity", "-recorded_at", "-id"]
        indexes = [models.Index(fields=["entity", "recorded_at"], name="credit_history_entity")]

    def __str__(self):
        return f"{self.entity_id} {self.previous_class}→{self.credit_class}"


class ObjectLibrary(models.Model):
    """其他检查对象库：产品、项目、行为、专门对象库。"""

    unit = models.ForeignKey(
        OrgUnit, verbose_name="所属单位", on_delete=models.PROTECT, related_name="libraries"
    )
    scope_path = models.CharField("辖区路径", max_length=255, db_index=True, editable=False)
    code = models.CharField(
        "库代码", max_length=32, help_text="字母、数字、下划线，用作抽取时的对象标识前缀"
    )
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类别", max_length=12, choices=LibraryKind.choices)
    description = models.TextField("说明", blank=True)

    audited = True

    class Meta:
        verbose_name = "对象库"
        verbose_name_plural = "对象库"
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                name="library_code_unique",
                violation_error_message="对象库代码不能重复",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.scope_path = self.unit.path
        super().save(*args, **kwargs)


class TargetObject(models.Model):
    """对象库中的一个检查对象；抽取时标识为 `库代码:对象编号`。"""

    library = models.ForeignKey(
        ObjectLibrary, verbose_name="对象库", on_delete=models.PROTECT, related_name="targets"
    )
    scope_path = models.CharField("辖区路径", max_length=255, db_index=True, editable=False)
    code = models.CharField("对象编号", max_length=64)
    name = models.CharField("名称", max_length=200)
    entity = models.ForeignKey(
        Entity,
        verbose_name="关联市场主体",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="library_objects",
    )
    attributes = models.JSONField("属性", default=dict, blank=True)
    active = models.BooleanField("有效", default=True)

    audited = True

    class Meta:
        verbose_name = "检查对象"
        verbose_name_plural = "检查对象"
        constraints = [
            models.UniqueConstraint(
                fields=["library", "code"],
                name="object_code_unique",
                violation_error_message="同一对象库中的对象编号不能重复",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.scope_path = self.library.scope_path
        super().save(*args, **kwargs)

    @property
    def uid(self):
        return f"{self.library.code}:{self.code}"
