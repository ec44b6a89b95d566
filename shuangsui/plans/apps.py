from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "shuangsui.plans"
    verbose_name = "抽查计划与任务"
