from django.apps import AppConfig


class DrawsConfig(AppConfig):
    name = "shuangsui.draws"
    verbose_name = "随机抽取"
