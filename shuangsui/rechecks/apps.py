from django.apps import AppConfig


class RechecksConfig(AppConfig):
    name = "shuangsui.rechecks"
    verbose_name = "再检查与交叉检查"

    def ready(self):
        from shuangsui.core import audit_labels

        from .choices import AUDIT_ACTIONS

        audit_labels.ACTIONS.update(AUDIT_ACTIONS)  # 本应用的动作名在本应用登记
