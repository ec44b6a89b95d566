from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "shuangsui.notices"
    verbose_name = "告知与送达"

    def ready(self):
        from django.db.models import Q

        from shuangsui.core import scope
        from shuangsui.plans.services import participating_tasks

        from .models import Mailing

        scope.register_participation(
            Mailing,
            lambda departments: Q(
                inspection__task__in=participating_tasks(departments).values("pk")
            ),
        )
