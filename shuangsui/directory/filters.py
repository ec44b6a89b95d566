"""市场主体筛选：页面列表与 API 共用。"""

import django_filters
from django.db import connection, models

from shuangsui.core import scope
from shuangsui.core.models import OrgUnit
from shuangsui.core.widgets import fast_selects

from . import search
from .choices import INDUSTRY_SECTIONS, CreditClass, EntityStatus, EntityType
from .models import Entity


class Unindexed(models.Func):
    """SQLite 的“+列”：值不变，只是这个条件不用以该列开头的索引（SQLite 推荐的写法）。"""

    template = "+%(expressions)s"
    output_field = models.CharField()


class EntityFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="名称或代码", method="filter_q")
    # 主体必有所属单位，不提供“（空）”选项：?unit=null 按无效的单位忽略，不再当作字符串传进来
    unit = django_filters.ModelChoiceFilter(
        label="所属单位", queryset=OrgUnit.objects.none(), method="filter_unit", null_label=None
    )
    entity_type = django_filters.ChoiceFilter(label="主体类型", choices=EntityType.choices)
    industry = django_filters.ChoiceFilter(
        label="行业门类", choices=INDUSTRY_SECTIONS, method="filter_industry"
    )
    credit_class = django_filters.ChoiceFilter(
        label="信用风险分类", choices=CreditClass.choices, method="filter_credit_class"
    )
    status = django_filters.ChoiceFilter(label="登记状态", choices=EntityStatus.choices)
    region_code = django_filters.CharFilter(label="行政区划代码", lookup_expr="startswith")
    tag = django_filters.CharFilter(label="重点领域", method="filter_tag")

    class Meta:
        model = Entity
        fields = [
            "q",
            "unit",
            "entity_type",
            "industry",
            "credit_class",
            "status",
            "region_code",
            "tag",
        ]

    def __init__(self, *args, units=None, estimated_counts=False, **kwargs):
        """estimated_counts：调用方对宽泛的名称片段不精确计数、只显示估计（名录页）；这时按页面顺序
        扫描取一页最省（见 filter_q）。要精确计数的（接口）仍经名称索引：那样数得快。"""
        self.estimated_counts = estimated_counts
        super().__init__(*args, **kwargs)
        if units is not None:
            self.filters["unit"].queryset = units
            self.form.fields["unit"].queryset = units
        fast_selects(self.form)

    name_estimate = None  # 名称片段命中户数的估计（search.estimate），列表页用它决定是否精确计数
    name_text = ""  # 走名称索引的名称片段（规范化后；像代码的、一个字的不算）
    _without_name = False

    def filter_q(self, queryset, name, value):
        if self._without_name:  # without_name()：其余筛选照旧，不加名称条件
            return queryset
        text = search.clean_query(value)
        self.name_estimate = search.estimate(text)
        self.name_text = text if self.name_estimate is not None else ""
        if self.estimated_counts and (self.name_estimate or 0) > search.SCAN:
            return search.name_like(
                queryset, text
            )  # 很宽泛的片段：按页面顺序逐行比对、取够一页即停
        guess = self.name_estimate if connection.vendor == "sqlite" else None
        return search.search_entities(queryset, value, guess=guess)

    def without_name(self):
        """同样的辖区与筛选、不含名称条件的查询集（表单已校验，不再查库）。"""
        self._without_name = True
        try:
            return self.filter_queryset(self.queryset.all())
        finally:
            self._without_name = False

    def first_rows(self, order, fields):
        """列表页第一页的另一种取法（core.paging 的 first_rows）：名称片段的命中在名录里够密时，沿页面顺序
        有界扫描、逐行比对名称，取够一页即停（search.first_hits），不先从名称索引取出几万条命中再排序。
        取不满一页就返回 None，分页照旧从 qs 取。没有名称片段、或不是估计计数的列表页时为 None。"""
        self.qs  # noqa: B018  先筛选：filter_q 记下名称片段与它的估计
        if not self.estimated_counts or not self.name_text or self.name_estimate > search.SCAN:
            return None  # 很宽泛的片段：qs 本就按页面顺序逐行比对（filter_q）

        def rows(n):
            walk = search.walk_length(self.name_estimate, n)
            if walk is None:
                return None
            return search.first_hits(self.without_name(), self.name_text, n, order, walk, fields)

        return rows

    def filter_unit(self, queryset, name, value):
        return queryset.filter(scope.under(value.path))

    def filter_credit_class(self, queryset, name, value):
        if connection.vendor == "sqlite" and not self.form.cleaned_data.get("status"):
            # 只有信用分类、没有登记状态：SQLite 没有统计信息，会按 entity_filter_list 取出这一类在全库的
            # 几十万户再排序；写成“+列”，照旧沿名录索引按页面顺序扫描、在索引里判断分类
            return queryset.alias(_credit=Unindexed(name)).filter(_credit=value)
        return queryset.filter(credit_class=value)

    def filter_industry(self, queryset, name, value):
        # 门类是一个大写字母：写成范围比较，在名录索引里就能判断
        return queryset.filter(industry_code__gte=value, industry_code__lt=chr(ord(value) + 1))

    def filter_tag(self, queryset, name, value):
        return queryset.filter(key_tags__contains=f",{value.strip()},")
