from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "shuangsui.plans"
    verbose_name = "抽查计划与任务"

    def ready(self):
        from shuangsui.core import scope

        from . import services
        from .models import AnnualPlan, Task

        # 联合部门只见本部门发起或参与的任务与计划
        scope.register_participation(Task, services.task_participation)
        scope.register_participation(AnnualPlan, services.plan_participation)
