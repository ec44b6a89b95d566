"""列表分页。百万行的名录上精确计数要扫描整个辖区，所以大结果集的计数缓存一会儿。"""

import hashlib
import threading

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Window
from django.utils.functional import cached_property

BIG = 10_000  # 超过这个数的计数才缓存；小结果集总是精确计数（cache_all 时除外）
COUNT_TTL = 120  # 秒：缓存的总数最多晚这么久反映新增或删除
# 同一进程里同时要数同一个总数的请求（如几十个用户同时打开同一筛选）只让一个去数，其余等它写进缓存
# 再读；按键的散列分成 64 把锁，不为每个键建锁
_LOCKS = [threading.Lock() for _ in range(64)]


class CountCachingPaginator(Paginator):
    """大结果集的总数按查询语句缓存 COUNT_TTL 秒；翻页、换页不再重复计数。

    cache_all=True（名录这样只随导入变化、计数要扫描索引的列表）：要数的总数不论大小都缓存
    COUNT_TTL 秒——少见的筛选组合（如 D 类、已注销、合作社）结果不多，精确计数却同样要扫过辖区的
    整个索引（百万户约 0.3 秒）。`cached` 为真时总数取自缓存，页面注明“最多晚 2 分钟”。"""

    estimated = False
    cached = False
    at_least = False  # 第一页满了、按 defer_count 没有计数：count 只是下限（per_page + 1）

    def __init__(self, *args, cache_all=False, defer_count=False, first_rows=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.cache_all = cache_all
        self.defer_count = defer_count
        self.first_rows = first_rows

    def _key(self):
        query = getattr(self.object_list, "query", None)
        if query is None:
            return None
        try:
            sql, params = query.sql_with_params()
        except Exception:  # 空查询集等无法生成语句时
            return None
        return "count:" + hashlib.sha256(f"{sql}|{params!r}".encode()).hexdigest()

    @cached_property
    def count(self):
        key = self._key()
        if key is None:
            return super().count
        cached = cache.get(key)
        if cached is not None:
            self.cached = True
            return cached
        with _LOCKS[int(key[-8:], 16) % len(_LOCKS)]:
            cached = cache.get(key)  # 等锁时别的线程可能已数好
            if cached is not None:
                self.cached = True
                return cached
            value = super().count
            if value > BIG or self.cache_all:
                cache.set(key, value, COUNT_TTL)
        return value

    def get_page(self, number):
        """第一页先取 per_page + 1 行：不满一页时总数就是行数，不再另外计数（少见的筛选组合常如此）。
        有 first_rows 时先用它取这些行（见 paginate），它答不了（None）才从 object_list 取。"""
        if number in (None, "", 1, "1"):
            rows = self.first_rows(self.per_page + 1) if self.first_rows else None
            if rows is None:
                rows = list(self.object_list[: self.per_page + 1])
            if len(rows) <= self.per_page:
                self.__dict__["count"] = len(rows)
                self.estimated = self.cached = False
                return self._get_page(rows, 1, self)
            defer = self.defer_count
            if defer and "count" not in self.__dict__ and (not callable(defer) or defer()):
                key = self._key()
                if key is None or cache.get(key) is None:
                    self.__dict__["count"] = len(rows)  # 下限：翻到第 2 页时才精确计数
                    self.at_least = True
                    return self._get_page(rows[: self.per_page], 1, self)
            return self._get_page(rows[: self.per_page], 1, self)  # 已取到的行不再重取
        return super().get_page(number)


def about(n):
    """估计数只留两位有效数字：23,456 → 23,000。"""
    digits = len(str(n))
    return round(n, -(digits - 2)) if digits > 2 else n


def paginate(
    request,
    queryset,
    per_page=50,
    estimate=None,
    cache_all=False,
    defer_count=False,
    first_rows=None,
):
    """分页。`estimate` 是总数的便宜估计（如名称索引的命中数）：超过 BIG 时不精确计数，
    页面显示“约 N”（paginator.estimated 为真），翻过实际末页只是空页。
    `cache_all` 见 CountCachingPaginator。`defer_count`（真值，或第一页满了时才调用的函数）：第一页
    满了而总数不在缓存里时先不计数（paginator.at_least 为真，页面写“N 户以上”并给出计数的链接），
    翻到第 2 页或带 count=1 时才数。`first_rows`（可选）：第一页的另一种取法，函数 (n) → 与
    `queryset[:n]` 相同的前 n 行（查询集不到 n 行时为全部），或 None（答不了，照旧从查询集取）；
    如名录页按名称片段的有界顺序扫描。总数照旧按查询集（或 estimate）。"""
    if request.GET.get("count") == "1":
        defer_count = False
    paginator = CountCachingPaginator(
        queryset, per_page, cache_all=cache_all, defer_count=defer_count, first_rows=first_rows
    )
    if estimate is not None and estimate > BIG:
        paginator.__dict__["count"] = about(estimate)
        paginator.estimated = True
    page = paginator.get_page(request.GET.get("page"))
    return page, _querystring(request)


def paginate_counted(request, queryset, per_page=50, field="pk"):
    """分页，这一页的行与总数用同一条查询取出（窗口函数 COUNT(*) OVER ()）。

    适合结果集不大、但按排序取一页本来就要读出全部行的列表（如按完成时限排列的工作清单）：
    另数一次总数等于把同样的条件再算一遍。一页的 object_list 是各行 `field` 的值。
    翻过末页、页码小于 1 或结果为空时同 Django 的 get_page（另外计数）。"""
    paginator = Paginator(queryset.values_list(field, flat=True), per_page)
    try:
        number = int(request.GET.get("page") or 1)
    except ValueError:
        number = 1  # 同 get_page：不是整数时为第 1 页
    rows = []
    start = (number - 1) * per_page
    if 0 <= start < 2**62:  # 极大的页码（如 10**30）不进 SQL：整数溢出
        counted = queryset.annotate(_total=Window(Count("*"))).values_list(field, "_total")
        rows = list(counted[start : start + per_page])
    if rows:
        paginator.__dict__["count"] = rows[0][1]
        page = paginator._get_page([value for value, _total in rows], number, paginator)
    else:
        page = paginator.get_page(request.GET.get("page"))
    return page, _querystring(request)


def _querystring(request):
    """本页的查询参数去掉页码：翻页链接在它后面接 page=N。"""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
