"""核查方式代码表的读取：名称、表单选项、校验、按性质取代码。

代码表很小而读得很多（每行记录都显示方式名称），所以整表缓存在进程里：保存或停用时清空，
每个请求开始时清空（多进程下各自在下一个请求读到新值），此外最多留 5 秒（后台工作进程）。
校验（`refused`）总是读库。表空着（清过的测试库）时按参考代码（`choices.CHECK_METHODS`）。
"""

import time

from django.core.signals import request_started
from django.db.models import Q
from django.db.models.signals import post_delete, post_save

from .choices import CHECK_METHODS, MethodMode

TTL = 5.0
_cache = {}


def _load():
    from .models import CheckMethod

    rows = list(CheckMethod.objects.all())
    if not rows:
        rows = [
            CheckMethod(code=code, name=name, mode=mode, order=order * 10)
            for order, (code, name, mode) in enumerate(CHECK_METHODS, start=1)
        ]
    return rows


def rows():
    """全部核查方式（含停用的），按顺序。"""
    loaded = _cache.get("rows")
    if loaded is None or time.monotonic() - loaded[0] > TTL:
        loaded = _cache["rows"] = (time.monotonic(), _load())
    return loaded[1]


def clear(**_):
    _cache.clear()


request_started.connect(clear, dispatch_uid="catalog.methods.clear")
post_save.connect(clear, sender="catalog.CheckMethod", dispatch_uid="catalog.methods.saved")
post_delete.connect(clear, sender="catalog.CheckMethod", dispatch_uid="catalog.methods.deleted")


def by_code():
    return {m.code: m for m in rows()}


def labels(codes):
    """代码 → 名称；不认识的代码原样显示。停用的照常显示名称（旧记录）。"""
    table = by_code()
    return [table[c].name if c in table else c for c in codes]


def choices(keep=()):
    """表单选项：有效的方式，加上记录里已有的停用方式（标“已停用”，可以保留）。"""
    keep = set(keep)
    return [
        (m.code, m.name if m.active else f"{m.name}（已停用）")
        for m in rows()
        if m.active or m.code in keep
    ]


def active_names():
    return [m.name for m in rows() if m.active]


def ordered(codes):
    """按代码表的顺序排列、去重；不认识的排在后面。"""
    position = {m.code: i for i, m in enumerate(rows())}
    return sorted(set(codes), key=lambda c: (position.get(c, len(position)), c))


def refused(codes, keep=()):
    """选中的代码有哪些不可用（中文原因）；都可用时返回空串。`keep` 为记录里原有的代码，停用了也可保留。"""
    from .models import CheckMethod

    wanted = set(codes) - set(keep)
    if not wanted:
        return ""
    known = dict(CheckMethod.objects.filter(code__in=wanted).values_list("code", "active"))
    if not CheckMethod.objects.exists():
        known = {m.code: True for m in rows()}
    unknown = sorted(c for c in wanted if c not in known)
    inactive = sorted(c for c in wanted if known.get(c) is False)
    parts = []
    if unknown:
        parts.append(f"未知的核查方式代码：{'、'.join(unknown)}")
    if inactive:
        parts.append(f"核查方式已停用：{'、'.join(labels(inactive))}")
    return "；".join(parts)


def codes_of(*modes):
    """某些性质的全部代码（含停用的：旧记录按它当时的性质判断）。"""
    return {m.code for m in rows() if m.mode in modes}


def on_site(codes):
    """这些方式里有现场检查。"""
    return bool(set(codes) & codes_of(MethodMode.ON_SITE))


def written(codes):
    return bool(set(codes) & codes_of(MethodMode.WRITTEN))


def off_site(codes):
    """这些方式里有不必到现场的（书面、非现场监测）。"""
    return bool(set(codes) & codes_of(MethodMode.WRITTEN, MethodMode.REMOTE))


def on_site_names():
    return [m.name for m in rows() if m.mode == MethodMode.ON_SITE and m.active]


def on_site_filter(field="methods"):
    """查询条件：以“,a,b,”存储的方式字段含现场检查。"""
    condition = Q(pk__in=[])
    for code in codes_of(MethodMode.ON_SITE):
        condition |= Q(**{f"{field}__contains": f",{code},"})
    return condition


def ensure_check_methods():
    """代码表为空时按参考代码补齐（迁移已装入；清空过的库如演示、页面测试再装一次）。"""
    from .models import CheckMethod

    if CheckMethod.objects.exists():
        return 0
    for order, (code, name, mode) in enumerate(CHECK_METHODS, start=1):
        CheckMethod.objects.create(code=code, name=name, mode=mode, order=order * 10)
    return len(CHECK_METHODS)
