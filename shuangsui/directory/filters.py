"""市场主体筛选：页面列表与 API 共用。"""

import django_filters

from shuangsui.core import scope
from shuangsui.core.models import OrgUnit
from shuangsui.core.widgets import fast_selects

from . import search
from .choices import INDUSTRY_SECTIONS, CreditClass, EntityStatus, EntityType
from .models import Entity


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
    credit_class = django_filters.ChoiceFilter(label="信用风险分类", choices=CreditClass.choices)
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

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.filters["unit"].queryset = units
            self.form.fields["unit"].queryset = units
        fast_selects(self.form)

    def filter_q(self, queryset, name, value):
        return search.search_entities(queryset, value)

    def filter_unit(self, queryset, name, value):
        return queryset.filter(scope.under(value.path))

    def filter_industry(self, queryset, name, value):
        # 门类是一个大写字母：写成范围比较，在名录索引里就能判断
        return queryset.filter(industry_code__gte=value, industry_code__lt=chr(ord(value) + 1))

    def filter_tag(self, queryset, name, value):
        return queryset.filter(key_tags__contains=f",{value.strip()},")
