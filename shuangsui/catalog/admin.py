from django.contrib import admin

from .models import InspectionItem, ResultCode


@admin.register(InspectionItem)
class InspectionItemAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "ratio_cap", "unit", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name"]


@admin.register(ResultCode)
class ResultCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent", "order", "active"]
