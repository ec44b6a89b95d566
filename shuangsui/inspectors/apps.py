from django.apps import AppConfig


class InspectorsConfig(AppConfig):
    name = "shuangsui.inspectors"
    verbose_name = "执法检查人员名录库"
