from django.apps import AppConfig


class DrawsConfig(AppConfig):
    name = "shuangsui.draws"
    verbose_name = "随机抽取"

    def ready(self):
        from . import receivers  # noqa: F401  接收计划阶段的事件
