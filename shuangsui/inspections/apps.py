from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "shuangsui.inspections"
    verbose_name = "检查实施"
