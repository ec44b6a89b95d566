from django.contrib import admin

from .models import Publication, PublishedResult, Publisher, Withholding


@admin.register(Publisher)
class PublisherAdmin(admin.ModelAdmin):
    """地区（局）指定的公示员：有了公示员，本地区的抽查结果只由他们发布。"""

    list_display = ["unit", "user"]
    raw_id_fields = ["unit", "user"]


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin):
    list_display = ["title", "task", "published_on", "published_by"]
    search_fields = ["title", "task__code"]

    def has_add_permission(self, request):
        return False  # 只经“结果公示”页面发布

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PublishedResult)
class PublishedResultAdmin(PublicationAdmin):
    list_display = ["name", "uid", "item_name", "published_on", "corrected_on", "withdrawn_on"]
    search_fields = ["uid", "name"]


@admin.register(Withholding)
class WithholdingAdmin(PublicationAdmin):
    list_display = ["result", "status", "basis", "requested_by", "decided_by"]
    search_fields = ["basis"]
