from django.apps import AppConfig


class FollowupsConfig(AppConfig):
    name = "shuangsui.followups"
    verbose_name = "后续处置"

    def ready(self):
        from django.db.models import Q

        from shuangsui.core import scope
        from shuangsui.plans.services import participating_tasks

        from .models import FollowUp

        scope.register_participation(
            FollowUp,
            lambda departments: Q(
                inspection__task__in=participating_tasks(departments).values("pk")
            ),
        )
