from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from shuangsui.core import scope
from shuangsui.core.paging import paginate

from .filters import ItemFilterSet
from .models import InspectionItem


def _items_for_user(user):
    return scope.visible_shared(
        InspectionItem.objects.select_related("unit", "department"), user, "catalog.view"
    )


@login_required
def item_list(request):
    scope.require(request.user, "catalog.view")
    filterset = ItemFilterSet(request.GET, queryset=_items_for_user(request.user))
    page, querystring = paginate(request, filterset.qs.order_by("code"))
    return render(
        request,
        "catalog/item_list.html",
        {"filter": filterset, "page": page, "querystring": querystring},
    )


@login_required
def item_detail(request, pk):
    item = _items_for_user(request.user).filter(pk=pk).first()
    if item is None:
        exists = InspectionItem.objects.filter(pk=pk).exists()
        scope.refuse_existing(exists, request.user, "catalog.view")
    from shuangsui.core.templatetags.ratios import percent

    # 清单原文（如“不超过5%”）与按上限写出的百分数相同时不再重复
    same = item.ratio_cap is not None and item.ratio_text.replace(" ", "") in (
        f"不超过{percent(item.ratio_cap)}",
        percent(item.ratio_cap),
    )
    return render(
        request,
        "catalog/item_detail.html",
        {"item": item, "shown_ratio": item.ratio_text if same else ""},
    )
