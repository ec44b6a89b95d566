"""抽取阶段对计划事件的反应（在 DrawsConfig.ready 里接上）。"""

from django.dispatch import receiver

from shuangsui.plans.choices import QuotaMode
from shuangsui.plans.quota import base_total
from shuangsui.plans.services import ClassQuota, base_ratio_quotas, task_ratio, task_weights
from shuangsui.plans.signals import task_checking

from .services import build_population


@receiver(task_checking, dispatch_uid="draws.ratio_over_population")
def ratio_over_population(sender, task, user, check, population=None, **kwargs):
    """分类比例、分类户数的任务比例按可抽名单的各层人数加权。"""
    if task.quota_mode in (QuotaMode.CLASS_RATIO, QuotaMode.CLASS_COUNT):
        check.population = population or build_population(task, user)
        check.ratio = task_ratio(task, check.population.strata)
    if task.quota_mode == QuotaMode.CLASS_RATIO:
        check.total = sum(
            base_total(n, task.class_ratios[label])
            for label, n in check.population.strata.items()
            if label in task.class_ratios
        )
    elif task.quota_mode == QuotaMode.CLASS_COUNT:
        check.total = sum(
            min(int(task.class_counts.get(label, 0)), n)
            for label, n in check.population.strata.items()
        )


@receiver(task_checking, dispatch_uid="draws.base_ratio_by_class")
def base_ratio_by_class(sender, task, user, check, population=None, **kwargs):
    """基数比例：按可抽名单的各层人数 × 权重算出各类户数，批准前逐类列出（与冻结时的算法相同）。"""
    if task.quota_mode != QuotaMode.BASE_RATIO or not check.base or task.ratio is None:
        return
    check.population = population or build_population(task, user)
    quotas, check.notes = base_ratio_quotas(task, check.population.strata)
    weights = task_weights(task)
    check.total = sum(quotas.values())
    check.classes = [
        ClassQuota(label, n, quotas.get(label, 0), weights.get(label, "0") if weights else None)
        for label, n in sorted(check.population.strata.items())
        if n
    ]
    wanted = base_total(check.base, task.ratio)
    if wanted > check.total:
        check.warnings.append(f"基数 × 比例为 {wanted} 户，名单中只能抽 {check.total} 户")
