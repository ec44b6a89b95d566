from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "shuangsui.api"
    verbose_name = "接口"
