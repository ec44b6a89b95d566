from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "shuangsui.catalog"
    verbose_name = "抽查事项清单"
