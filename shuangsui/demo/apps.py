from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "shuangsui.demo"
    verbose_name = "演示数据"
