import django_filters

from .choices import InspectorKind
from .models import Inspector


class InspectorFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="姓名或证号", method="filter_q")
    kind = django_filters.ChoiceFilter(label="人员类别", choices=InspectorKind.choices)
    qualification = django_filters.CharFilter(label="资质", method="filter_tag")
    on_duty = django_filters.ChoiceFilter(
        label="在岗", choices=[("1", "在岗"), ("0", "不在岗")], method="filter_on_duty"
    )

    class Meta:
        model = Inspector
        fields = ["q", "kind", "qualification", "on_duty"]

    def filter_q(self, queryset, name, value):
        from django.db.models import Q

        value = value.strip()
        return queryset.filter(Q(name__contains=value) | Q(badge_no__startswith=value))

    def filter_on_duty(self, queryset, name, value):
        return queryset.filter(on_duty=value == "1")

    def filter_tag(self, queryset, name, value):
        return queryset.filter(qualifications__contains=f",{value.strip()},")
