from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from . import scope
from .models import ApiToken, AuditCheckpoint, AuditEvent, CalendarDay, OrgUnit, User


class CodeTableAdmin(admin.ModelAdmin):
    """全国通用的代码表（结果代码、后续处置措施、节假日安排……）：系统管理员在后台维护。

    权限跟角色走（能力 codes.edit，另须 is_staff——新建或改为系统管理员时由 services 置位），
    不靠逐个分配的 Django 权限；代码从不删除，不用的取消“有效”。其他模型的后台页仍只对
    超级用户开放（Django 的权限表里没给系统管理员任何权限）。

    用到它的：catalog 的检查结果代码、核查方式与后续处置措施。节假日安排（core 的 CalendarDay，法定日历的
    补充与更正，如 chinesecalendar 尚无数据的 2027 年）。
    """

    def _allowed(self, request):
        user = request.user
        return (
            user.is_active
            and user.is_staff
            and (user.is_superuser or scope.can(user, "codes.edit"))
        )

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None):
        return False


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
class CalendarDayAdmin(CodeTableAdmin):
    list_display = ["date", "is_working", "name"]
    list_filter = ["is_working"]
    date_hierarchy = "date"
