from django.contrib import admin

from .models import Entity, ObjectLibrary, TargetObject


@admin.register(Entity)
class EntityAdmin(admin.ModelAdmin):
    list_display = ["uid", "name", "entity_type", "unit", "status", "credit_class"]
    list_filter = ["entity_type", "status", "credit_class"]
    search_fields = ["uid", "name"]
    raw_id_fields = ["unit"]
    show_full_result_count = False


@admin.register(ObjectLibrary)
class ObjectLibraryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "unit"]


@admin.register(TargetObject)
class TargetObjectAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "library", "active"]
    raw_id_fields = ["entity"]
