"""检查人员调整的表单：原因必填；人员以执法证号给出（服务层核对辖区与资格）。"""

from django import forms


class DirectAssignForm(forms.Form):
    badges = forms.CharField(
        label="执法人员（执法证号）",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="以逗号、空格或换行分隔；检查组的执法人员将改为这些人",
    )
    reason = forms.CharField(
        label="指派原因", widget=forms.Textarea(attrs={"rows": 2}), max_length=500
    )


class ReassignForm(forms.Form):
    inspector = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label="调整原因", max_length=500)


class ExtraForm(forms.Form):
    badge = forms.CharField(label="辅助人员或专家（人员编号）", max_length=32)
    reason = forms.CharField(label="说明", max_length=500, required=False)
