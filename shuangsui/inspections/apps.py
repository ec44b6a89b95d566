from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "shuangsui.inspections"
    verbose_name = "检查实施"

    def ready(self):
        from django.db.models import Q

        from shuangsui.core import scope
        from shuangsui.plans.services import participating_tasks

        from . import receivers  # noqa: F401  接收抽取阶段的事件
        from .models import Assignment, Dispatch, Inspection, InspectionGroup

        # 联合部门只见本部门参与的任务的派发、检查组与检查
        def by_task(departments):
            return Q(task__in=participating_tasks(departments).values("pk"))

        for model in (Dispatch, InspectionGroup, Inspection):
            scope.register_participation(model, by_task)
        scope.register_participation(
            Assignment,
            lambda departments: Q(
                inspection__task__in=participating_tasks(departments).values("pk")
            ),
        )
