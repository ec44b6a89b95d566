from django.contrib import admin

from .models import Attachment, Result


@admin.register(Result)
class ResultAdmin(admin.ModelAdmin):
    list_display = ["inspection", "item", "version", "current", "status", "codes"]
    list_filter = ["status", "current"]
    search_fields = ["inspection__uid", "inspection__name"]
    raw_id_fields = ["inspection", "item", "previous", "present"]


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "content_type", "size", "sha256", "uploaded_at"]
    raw_id_fields = ["result"]
