from django.apps import AppConfig


class CreditConfig(AppConfig):
    name = "shuangsui.credit"
    verbose_name = "信用反馈"

    def ready(self):
        from shuangsui.followups.signals import followup_closed
        from shuangsui.listings.signals import listing_approved, listing_removed
        from shuangsui.results.signals import result_approved

        from .choices import RuleEvent
        from .receivers import connect

        connect(result_approved, RuleEvent.RESULT_APPROVED, "result")
        connect(listing_approved, RuleEvent.LISTING_APPROVED, "listing")
        connect(listing_removed, RuleEvent.LISTING_REMOVED, "listing")
        connect(followup_closed, RuleEvent.FOLLOWUP_CLOSED, "followup")
