from django.apps import AppConfig


class TransferConfig(AppConfig):
    name = "shuangsui.transfer"
    verbose_name = "导入与导出"

    def ready(self):
        from . import jobs  # noqa: F401 - 登记后台任务的种类
