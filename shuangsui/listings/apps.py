from django.apps import AppConfig


class ListingsConfig(AppConfig):
    name = "shuangsui.listings"
    verbose_name = "经营异常名录"

    def ready(self):
        from shuangsui.core import audit_labels
        from shuangsui.notices.signals import mailing_outcome_recorded
        from shuangsui.results.signals import result_approved

        from . import receivers
        from .labels import ACTIONS

        result_approved.connect(receivers.on_result_approved, dispatch_uid="listings.result")
        mailing_outcome_recorded.connect(receivers.on_mailing_outcome, dispatch_uid="listings.mail")
        audit_labels.ACTIONS.update(ACTIONS)
