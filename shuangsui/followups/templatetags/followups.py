"""检查对象页上的“后续处置”一节：`{% load followups %}{% followup_section inspection %}`。"""

from django import template
from django.utils import timezone

from shuangsui.followups import services

register = template.Library()


@register.inclusion_tag("followups/_section.html", takes_context=True)
def followup_section(context, inspection):
    user = context["request"].user
    results = services.problem_results(inspection)
    return {
        "inspection": inspection,
        "results": results,
        "followups": services.for_inspection(inspection),
        "may_record": bool(results) and services.may_record(user, inspection),
        "today": timezone.localdate(),
    }
