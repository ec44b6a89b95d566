import django_filters

from .choices import ItemKind
from .models import InspectionItem


class ItemFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="名称或编号", method="filter_q")
    kind = django_filters.ChoiceFilter(label="事项类别", choices=ItemKind.choices)
    object_type = django_filters.CharFilter(label="抽查对象", lookup_expr="contains")

    class Meta:
        model = InspectionItem
        fields = ["q", "kind", "object_type"]

    def filter_q(self, queryset, name, value):
        from django.db.models import Q

        value = value.strip()
        return queryset.filter(Q(name__contains=value) | Q(code__startswith=value))
