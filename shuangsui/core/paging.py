"""列表分页：百万行时不做精确计数以外的多余查询。"""

from django.core.paginator import Paginator


def paginate(request, queryset, per_page=50):
    page = Paginator(queryset, per_page).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return page, params.urlencode()
