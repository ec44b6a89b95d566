"""抽取在后台只读：仪式只能经页面、接口或命令进行。"""

from django.contrib import admin

from .models import Draw, DrawnTarget, DrawParty, Exclusion


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Draw)
class DrawAdmin(ReadOnlyAdmin):
    list_display = ["task", "number", "status", "population_count", "selected_count", "frozen_at"]
    list_filter = ["status"]
    search_fields = ["task__code"]


@admin.register(DrawParty)
class DrawPartyAdmin(ReadOnlyAdmin):
    list_display = ["draw", "label", "role", "user", "committed_at", "revealed_at"]


@admin.register(DrawnTarget)
class DrawnTargetAdmin(ReadOnlyAdmin):
    list_display = ["draw", "role", "rank", "uid", "stratum"]
    search_fields = ["uid"]
    show_full_result_count = False


@admin.register(Exclusion)
class ExclusionAdmin(ReadOnlyAdmin):
    list_display = ["draw", "uid", "code", "reason"]
    search_fields = ["uid"]
    show_full_result_count = False
