from django import forms


class ConfirmForm(forms.Form):
    note = forms.CharField(
        label="确认说明", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="驳回理由",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "驳回须写明理由"},
    )
