from django.contrib import admin

from .models import Inspector


@admin.register(Inspector)
class InspectorAdmin(admin.ModelAdmin):
    list_display = ["badge_no", "name", "kind", "unit", "department", "on_duty"]
    list_filter = ["kind", "on_duty"]
    search_fields = ["badge_no", "name"]
    raw_id_fields = ["conflicts", "user"]
