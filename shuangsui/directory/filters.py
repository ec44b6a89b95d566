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


SCAN = 100_000  # 名称片段估计命中超过这么多户：名录页沿名录索引逐行比对名称（见 filter_q）


def name_estimate(text):
    """名称片段大约命中多少户（search.estimate）。PostgreSQL 上三个字及以上的片段，规划器对 ILIKE
    的选择率估得极低（百万户里“有限公司”估 1 户），改取片段各二元组估计的最小值——命中数的上限，
    与 SQLite 取各三元组的最小值同理。"""
    guess = search.estimate(text)
    if guess is not None and connection.vendor == "postgresql" and len(text) > 2:
        guess = min(search.estimate(g) or 0 for g in search.bigrams(text.lower()))
    return guess


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

    def filter_q(self, queryset, name, value):
        text = search.clean_query(value)
        self.name_estimate = name_estimate(text)
        if self.estimated_counts and (self.name_estimate or 0) > SCAN:
            # 很宽泛的名称片段（如“有限公司”，命中过半）、又不精确计数：只用 LIKE/ILIKE，数据库就沿名录
            # 索引按页面的顺序扫描、逐行比对名称、取够一页即停（百万户几毫秒）；经名称索引则要先取出
            # 几十万条命中（PostgreSQL 再排序，SQLite 建临时表），约 0.2–0.3 秒。结果相同：名称索引只是
            # “名称含这个片段”的前置筛选。计数则相反（LIKE 要读遍辖区的行），所以只在不计数时这样查；
            # 命中不够密时（如“小吃店”只在个体户里，排在辖区企业之后）逐行比对也慢，所以只对 SCAN 以上。
            # TODO 移入 search.search_entities（加一个参数），门户检索也受益
            # 片段里没有分大小写的字母（汉字、数字）时用 contains：PostgreSQL 对 LIKE 按名称列的统计
            # 估计命中；icontains 生成的 UPPER(name) LIKE 没有统计，规划器估成几十户，改为全表扫描再排序
            if text.lower() == text.upper():
                return queryset.filter(name__contains=text)
            return queryset.filter(name__icontains=text)
        return search.search_entities(queryset, value)

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
