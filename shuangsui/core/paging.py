"""列表分页。百万行的名录上精确计数要扫描整个辖区，所以大结果集的计数缓存一会儿。"""

import hashlib

from django.core.cache import cache
from django.core.paginator import Paginator
from django.utils.functional import cached_property

BIG = 10_000  # 超过这个数的计数才缓存；小结果集总是精确计数
COUNT_TTL = 120  # 秒：大结果集的总数最多晚这么久反映新增或删除


class CountCachingPaginator(Paginator):
    """大结果集的总数按查询语句缓存 COUNT_TTL 秒；翻页、换页不再重复计数。"""

    estimated = False

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

    def get_page(self, number):
        """第一页先取 per_page + 1 行：不满一页时总数就是行数，不再另外计数（少见的筛选组合常如此）。"""
        if number in (None, "", 1, "1"):
            rows = list(self.object_list[: self.per_page + 1])
            if len(rows) <= self.per_page:
                self.__dict__["count"] = len(rows)
                self.estimated = False
                return self._get_page(rows, 1, self)
        return super().get_page(number)


def about(n):
    """估计数只留两位有效数字：23,456 → 23,000。"""
    digits = len(str(n))
    return round(n, -(digits - 2)) if digits > 2 else n


def paginate(request, queryset, per_page=50, estimate=None):
    """分页。`estimate` 是总数的便宜估计（如名称索引的命中数）：超过 BIG 时不精确计数，
    页面显示“约 N”（paginator.estimated 为真），翻过实际末页只是空页。"""
    paginator = CountCachingPaginator(queryset, per_page)
    if estimate is not None and estimate > BIG:
        paginator.__dict__["count"] = about(estimate)
        paginator.estimated = True
    page = paginator.get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return page, params.urlencode()
