"""列表分页。百万行的名录上精确计数要扫描整个辖区，所以大结果集的计数缓存一会儿。"""

import hashlib

from django.core.cache import cache
from django.core.paginator import Paginator
from django.utils.functional import cached_property

BIG = 10_000  # 超过这个数的计数才缓存；小结果集总是精确计数
COUNT_TTL = 120  # 秒：大结果集的总数最多晚这么久反映新增或删除


class CountCachingPaginator(Paginator):
    """大结果集的总数按查询语句缓存 COUNT_TTL 秒；翻页、换页不再重复计数。"""

    @cached_property
    def count(self):
        query = getattr(self.object_list, "query", None)
        if query is None:
            return super().count
        try:
            sql, params = query.sql_with_params()
        except Exception:  # 空查询集等无法生成语句时
            return super().count
        key = "count:" + hashlib.sha256(f"{sql}|{params!r}".encode()).hexdigest()
        cached = cache.get(key)
        if cached is not None:
            return cached
        value = super().count
        if value > BIG:
            cache.set(key, value, COUNT_TTL)
        return value


def paginate(request, queryset, per_page=50):
    page = CountCachingPaginator(queryset, per_page).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return page, params.urlencode()
