from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import ApiToken, AuditCheckpoint, AuditEvent, CalendarDay, OrgUnit, User


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]


@admin.register(User)
class ShuangsuiUserAdmin(UserAdmin):
    list_display = ["username", "last_name", "first_name", "role", "unit", "is_active"]
    list_filter = ["role", "is_active"]
    fieldsets = UserAdmin.fieldsets + (("岗位", {"fields": ("role", "unit", "phone")}),)
    add_fieldsets = UserAdmin.add_fieldsets + (("岗位", {"fields": ("role", "unit")}),)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created", "last_used", "revoked"]
    readonly_fields = ["prefix", "digest", "created", "last_used"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """审计事件只读：不能在后台新增、修改或删除。"""

    list_display = ["id", "at", "actor_name", "action", "object_repr"]
    list_filter = ["action"]
    search_fields = ["object_id", "object_repr", "actor_name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditCheckpoint)
class AuditCheckpointAdmin(AuditEventAdmin):
    """签名检查点只读。"""

    list_display = ["id", "at", "event_id", "reason", "key_id"]
    list_filter = []
    search_fields = ["reason"]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "is_working", "name"]
    list_filter = ["is_working"]
    date_hierarchy = "date"
