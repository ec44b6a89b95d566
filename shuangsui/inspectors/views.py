from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from shuangsui.core import scope
from shuangsui.core.paging import paginate

from .filters import InspectorFilterSet
from .models import Inspector


def _inspectors_for_user(user):
    return scope.scoped(
        Inspector.objects.select_related("unit", "department"), user, "inspectors.view"
    )


@login_required
def inspector_list(request):
    scope.require(request.user, "inspectors.view")
    filterset = InspectorFilterSet(request.GET, queryset=_inspectors_for_user(request.user))
    page, querystring = paginate(request, filterset.qs.order_by("badge_no"))
    return render(
        request,
        "inspectors/inspector_list.html",
        {"filter": filterset, "page": page, "querystring": querystring},
    )


@login_required
def inspector_detail(request, pk):
    inspector = scope.get_scoped(
        Inspector.objects.select_related("unit", "department"),
        request.user,
        "inspectors.view",
        pk=pk,
    )
    return render(request, "inspectors/inspector_detail.html", {"inspector": inspector})
