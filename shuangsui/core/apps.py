from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "shuangsui.core"
    verbose_name = "组织与权限"

    def ready(self):
        from . import checks, signals  # noqa: F401
