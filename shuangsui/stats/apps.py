from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "shuangsui.stats"
    verbose_name = "统计与监督"
