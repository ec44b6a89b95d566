"""检查实施在后台只读：调整人员须经页面（写明原因、留痕）。"""

from django.contrib import admin

from shuangsui.draws.admin import ReadOnlyAdmin

from .models import Assignment, Dispatch, Inspection, InspectionGroup


@admin.register(Dispatch)
class DispatchAdmin(ReadOnlyAdmin):
    list_display = ["draw", "per_target", "min_officers", "dispatched_at"]


@admin.register(InspectionGroup)
class InspectionGroupAdmin(ReadOnlyAdmin):
    list_display = ["draw", "number", "name", "member_key"]
    search_fields = ["member_key", "draw__task__code"]


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ["draw", "rank", "uid", "name", "station", "group", "status", "needs_action"]
    list_filter = ["status", "needs_action"]
    search_fields = ["uid", "name"]


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ["inspection", "inspector", "department", "source", "active", "assigned_at"]
    list_filter = ["source", "active", "counts_as_officer"]
    search_fields = ["inspector__badge_no", "inspection__uid"]
