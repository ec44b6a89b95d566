from django.contrib import admin

from .models import ListingRules


@admin.register(ListingRules)
class ListingRulesAdmin(admin.ModelAdmin):
    list_display = ["unit", "publish_days", "publish_working"]
    readonly_fields = ["scope_path"]
