"""公开：门户上能看到什么（只读、无需登录），服务端缓存与按客户端限流。

公开的范围：
- 抽查事项清单：有效的抽查事项；
- 抽查计划公告：已备案的计划（备案日为公告日）；
- 抽查任务公告：已批准的任务——任务批准即公开，批准时间（approved_at）就是公告时间；
- 抽取核验：已公开任务的已完成或已作废的抽取，只给公开记录（抽取协议第 8 节）；信用分类分层的抽取
  按地区规则（RegionRules.credit_draws_public）决定公开记录是否向社会公开。

页面缓存至多 5 分钟；发布或更正之后调用 purge()，所有缓存的页面立即失效。
"""

import hashlib
import time

from django.core.cache import cache
from django.db.models import Q

from shuangsui.catalog.models import InspectionItem
from shuangsui.core.models import AuditCheckpoint
from shuangsui.draws import services as draws
from shuangsui.draws.choices import DrawStatus, FileKind, TargetRole
from shuangsui.plans import services as plans
from shuangsui.plans.choices import PlanStatus, TaskStatus
from shuangsui.plans.models import AnnualPlan, Task

CACHE_SECONDS = 300  # 至多 5 分钟
SEARCH_LIMIT = 60  # 每个客户端每分钟的查询次数
WINDOW_SECONDS = 60
_VERSION_KEY = "publicity:version"


# ---------------------------------------------------------------- 缓存


def _version():
    version = cache.get(_VERSION_KEY)
    if version is None:
        cache.add(_VERSION_KEY, 1, None)
        version = cache.get(_VERSION_KEY) or 1
    return version


def cache_key(path):
    digest = hashlib.sha256(path.encode()).hexdigest()
    return f"publicity:page:{_version()}:{digest}"


def purge():
    """让门户所有缓存的页面失效（发布、更正、作废之后调用）。换一个版本号，旧键自然过期。"""
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:
        cache.set(_VERSION_KEY, 2, None)


# ---------------------------------------------------------------- 限流


def allow(client, bucket="search", limit=SEARCH_LIMIT, window=WINDOW_SECONDS, now=None):
    """本客户端在当前时间窗内还能再请求一次吗？计数放在 Django 缓存里（生产用共享缓存）。"""
    slot = int((now if now is not None else time.time()) // window)
    key = f"publicity:rate:{bucket}:{hashlib.sha256(client.encode()).hexdigest()[:32]}:{slot}"
    cache.add(key, 0, window + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # 刚好过期
        cache.set(key, 1, window + 1)
        count = 1
    return count <= limit


# ---------------------------------------------------------------- 公开的范围


def public_items():
    return (
        InspectionItem.objects.filter(active=True)
        .select_related("unit", "department")
        .order_by("unit__path", "code")
    )


def public_plans():
    return (
        AnnualPlan.objects.filter(status=PlanStatus.FILED)
        .select_related("unit", "lead_department")
        .order_by("-year", "-filed_on", "pk")
    )


def public_tasks():
    """已批准（含已抽取）的任务；批准时间即公告时间。"""
    return (
        Task.objects.filter(
            status__in=(TaskStatus.APPROVED, TaskStatus.DRAWN), approved_at__isnull=False
        )
        .select_related("unit", "lead_department", "plan")
        .order_by("-approved_at", "-pk")
    )


def search_tasks(tasks, query):
    query = (query or "").strip()
    if not query:
        return tasks
    return tasks.filter(Q(name__icontains=query) | Q(code__icontains=query))


def public_task(pk):
    return public_tasks().filter(pk=pk).first()


def public_draws(task):
    """任务已完成或已作废的抽取（作废的只在完成后作废时有记录）。"""
    return task.draws.filter(status__in=(DrawStatus.COMPLETED, DrawStatus.VOIDED)).order_by(
        "number"
    )


def public_draw(task, number):
    return public_draws(task).filter(number=number).first()


def record_for_everyone(draw):
    """公开记录与公开名单是否向社会公开：不按信用分类分层的总是；分层的看地区规则。"""
    if not draw.credit_strata:
        return True
    return plans.rules_for(draw.task.unit).credit_draws_public


def may_download(draw, kind):
    return (
        kind in (FileKind.PUBLIC_RECORD, FileKind.PUBLIC_POPULATION)
        and bool(draws.file_info(draw, kind)[0])
        and record_for_everyone(draw)
    )


def drawn_list(draw):
    """入选与备选名单（公开字段：名次、名称、对象标识、键，以及匹配的检查人员姓名与执法证号）。"""
    names = draws.inspector_names(draw)
    show_stratum = not draw.credit_strata  # 信用分类不公开（抽取协议第 8 节）
    rows = []
    targets = draw.targets.select_related("entity", "target_object").order_by("role", "rank")
    for t in targets:
        owner = t.entity or t.target_object
        rows.append(
            {
                "role": t.get_role_display(),
                "selected": t.role == TargetRole.SELECTED,
                "rank": t.rank,
                "uid": t.uid,
                "name": owner.name if owner else "",
                "key": t.key,
                "stratum": t.stratum if show_stratum else "",
                "inspectors": draws.describe_inspectors(t.inspectors, names),
            }
        )
    return rows


def public_stratum_labels(draw):
    """公开记录里的层：信用分类换成 S1、S2……（按标签顺序）；其余原样。"""
    labels = sorted(draw.strata)
    if draw.credit_strata:
        return {label: f"S{i}" for i, label in enumerate(labels, start=1)}
    return {label: label for label in labels}


def checkpoints():
    return AuditCheckpoint.objects.order_by("-at")
