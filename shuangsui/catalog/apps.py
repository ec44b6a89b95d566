from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "shuangsui.catalog"
    verbose_name = "抽查事项清单"

    def ready(self):
        from . import methods  # noqa: F401  连上核查方式缓存的清空信号
