from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied

from shuangsui.core import scope
from shuangsui.core.admin import CodeTableAdmin

from . import methods
from .models import CheckMethod, FollowUpMeasure, InspectionItem, ResultCode


class InspectionItemForm(forms.ModelForm):
    """抽查方式按代码表勾选：有效的方式，加上事项原有的停用方式。"""

    methods = forms.MultipleChoiceField(
        label="抽查方式", required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = InspectionItem
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        saved = self.instance.method_list if self.instance.pk else []
        self.fields["methods"].choices = methods.choices(keep=saved)
        self.initial["methods"] = saved

    def clean_methods(self):
        return ",".join(methods.ordered(self.cleaned_data["methods"]))


@admin.register(InspectionItem)
class InspectionItemAdmin(admin.ModelAdmin):
    """后台也守事项的归属：只有制定单位、抽查主体部门和系统管理员能改（见 change_refused）。"""

    form = InspectionItemForm

    list_display = ["code", "name", "kind", "ratio_cap", "unit", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return scope.visible_shared(queryset, request.user, "catalog.view")

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.change_refused(request.user) is None)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or obj.change_refused(request.user) is None)

    def save_model(self, request, obj, form, change):
        refused = obj.change_refused(request.user)
        if refused:
            raise PermissionDenied(refused)
        super().save_model(request, obj, form, change)


@admin.register(ResultCode)
class ResultCodeAdmin(CodeTableAdmin):
    list_display = ["code", "name", "parent", "order", "active"]
    list_editable = ["order", "active"]
    search_fields = ["code", "name"]


@admin.register(FollowUpMeasure)
class FollowUpMeasureAdmin(CodeTableAdmin):
    list_display = ["code", "name", "order", "active"]
    list_editable = ["order", "active"]


@admin.register(CheckMethod)
class CheckMethodAdmin(CodeTableAdmin):
    list_display = ["code", "name", "mode", "order", "active"]
    list_editable = ["order", "active"]
    list_filter = ["mode", "active"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj is not None else []  # 已有记录按代码引用，代码不能改
