from django.apps import AppConfig


class TransferConfig(AppConfig):
    name = "shuangsui.transfer"
    verbose_name = "导入与导出"
