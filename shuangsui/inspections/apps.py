from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "shuangsui.inspections"
    verbose_name = "检查实施"

    def ready(self):
        from . import receivers  # noqa: F401  接收抽取阶段的事件
