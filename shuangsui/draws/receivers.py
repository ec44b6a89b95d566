"""抽取阶段对计划事件的反应（在 DrawsConfig.ready 里接上）。"""

from django.dispatch import receiver

from shuangsui.plans.choices import QuotaMode
from shuangsui.plans.services import task_ratio
from shuangsui.plans.signals import task_checking

from .services import build_population


@receiver(task_checking, dispatch_uid="draws.ratio_over_population")
def ratio_over_population(sender, task, user, check, population=None, **kwargs):
    """分类比例、分类户数的任务比例按可抽名单的各层人数加权。"""
    if task.quota_mode in (QuotaMode.CLASS_RATIO, QuotaMode.CLASS_COUNT):
        check.population = population or build_population(task, user)
        check.ratio = task_ratio(task, check.population.strata)
