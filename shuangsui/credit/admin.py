from django.contrib import admin

from shuangsui.core.admin import CodeTableAdmin

from .models import CreditRule


@admin.register(CreditRule)
class CreditRuleAdmin(CodeTableAdmin):
    list_display = [
        "code",
        "name",
        "event",
        "result_codes",
        "effect",
        "credit_class",
        "order",
        "active",
    ]
    list_editable = ["order", "active"]
    list_filter = ["event", "active"]
    search_fields = ["code", "name"]
