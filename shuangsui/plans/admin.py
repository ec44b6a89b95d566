from django.contrib import admin

from .models import AnnualPlan, RegionRules, Task


@admin.register(RegionRules)
class RegionRulesAdmin(admin.ModelAdmin):
    list_display = ["unit", "a_undisturbed", "cap_b", "cap_c", "cap_d", "cap_key"]
    raw_id_fields = ["unit"]


@admin.register(AnnualPlan)
class AnnualPlanAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "year", "unit", "status", "filed_on"]
    list_filter = ["kind", "year", "status"]
    search_fields = ["name"]
    raw_id_fields = ["unit", "lead_department"]
    filter_horizontal = ["departments", "items"]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "year", "unit", "status"]
    list_filter = ["year", "status"]
    search_fields = ["code", "name"]
    raw_id_fields = ["unit", "plan", "lead_department", "library", "approved_by", "created_by"]
    filter_horizontal = ["items", "departments", "regions"]
    readonly_fields = ["code", "status", "approved_by", "approved_at"]
