from django.apps import AppConfig


class DossierConfig(AppConfig):
    name = "shuangsui.dossier"
    verbose_name = "立卷归档"

    def ready(self):
        from . import parts  # noqa: F401  登记本应用汇集的各阶段（告知、送达、结果、材料、审核、后续处置）
