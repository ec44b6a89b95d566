"""抽取结果的汇总：差异化抽查户数占比、年度计划完成进度（计划与任务页上显示）。"""

import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, Q

from shuangsui.core import scope
from shuangsui.plans.choices import DIFFERENTIATED_MODES, Stratify, TargetKind
from shuangsui.plans.services import percent, ratio_str, rules_for

from .choices import DrawStatus, TargetRole
from .models import Draw, DrawnTarget
from .protocol import quota_from_ratio

# 计入差异化占比的抽中对象：有效（已完成、未作废）抽取中入选的市场主体
COUNTED = Q(
    role=TargetRole.SELECTED,
    draw__status=DrawStatus.COMPLETED,
    draw__task__target_kind=TargetKind.ENTITIES,
)
# 其中差异化抽取的：任务按信用分类分层且各类配额分别设定，该户属于 A–D 类（未分类不计）
DIFFERENTIATED = Q(
    draw__task__stratify=Stratify.CREDIT,
    draw__task__quota_mode__in=DIFFERENTIATED_MODES,
    stratum__in=["A", "B", "C", "D"],
)


@dataclass
class ShareReport:
    """差异化抽查户数占比：抽中的户数中，按信用分类差异化比例抽中的户数所占比例。"""

    total: int
    differentiated: int
    target: Decimal

    @property
    def share(self):
        return Decimal(self.differentiated) / self.total if self.total else None

    @property
    def meets_target(self):
        return None if self.share is None else self.share >= self.target

    @property
    def share_text(self):
        return percent(self.share)

    @property
    def target_text(self):
        return percent(self.target)


SHARE_TTL = 24 * 3600


def differentiated_share(user, *, year=None, tasks=None):
    """辖区内（或给定任务中）有效抽取抽中的户数，以及其中差异化抽取的户数。

    差异化：任务按信用分类分层且分类设定比例、户数，或基数比例按分类加权，且该户属于 A–D 类
    （未分类不计）。
    """
    rows = scope.scoped(DrawnTarget.objects.filter(COUNTED), user, "draws.view")
    draws = Draw.objects.filter(status=DrawStatus.COMPLETED, task__target_kind=TargetKind.ENTITIES)
    if year is not None:
        rows = rows.filter(draw__task__year=year)
        draws = draws.filter(task__year=year)
    if tasks is not None:
        rows = rows.filter(draw__task__in=tasks)
        draws = draws.filter(task__in=tasks)
    total, diff = _share_counts(rows, draws, user)
    target = rules_for(scope.root_unit(user)).differentiated_share_min
    return ShareReport(total=total, differentiated=diff, target=target)


def _share_counts(rows, draws, user):
    """一次扫描数出抽中户数与差异化户数（百万户的县里抽中两万来户，任务列表页每次都要）。

    计入的是已完成抽取的抽中对象：这些行不再改变，任务在有有效抽取时也不能修改，抽取完成或作废
    都会改变计入的抽取，所以按辖区与计入的抽取（各自的记录摘要）缓存。联合部门的可见范围取决于
    部门参与，不缓存。"""

    def count():
        counts = rows.aggregate(total=Count("pk"), diff=Count("pk", filter=DIFFERENTIATED))
        return counts["total"], counts["diff"]

    path = scope.root_path(user)
    if not scope.can(user, "draws.view") or not path or scope.participation_only(user):
        return count()
    records = draws.order_by("pk").values_list("record_sha256", flat=True)
    key = "share:" + hashlib.sha256(f"{path}|{','.join(records)}".encode()).hexdigest()
    counts = cache.get(key)
    if counts is None:
        counts = count()
        cache.set(key, counts, SHARE_TTL)
    return counts


@dataclass
class PlanProgress:
    base: int | None
    ratio: Decimal | None
    target: int | None
    drawn: int

    @property
    def done_ratio_text(self):
        return percent(Decimal(self.drawn) / self.base) if self.base else "—"


def plan_progress(plan, user):
    """计划完成进度：计划所属任务有效抽取抽中的户数，对比“基数 × 比例”的目标户数。"""
    drawn = (
        scope.scoped(DrawnTarget.objects.all(), user, "draws.view")
        .filter(
            role=TargetRole.SELECTED,
            draw__status=DrawStatus.COMPLETED,
            draw__task__plan=plan,
        )
        .count()
    )
    target = None
    if plan.base and plan.ratio is not None:
        target = quota_from_ratio(plan.base, ratio_str(plan.ratio))
    return PlanProgress(base=plan.base, ratio=plan.ratio, target=target, drawn=drawn)
