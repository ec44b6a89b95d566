from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "shuangsui.results"
    verbose_name = "检查结果"
