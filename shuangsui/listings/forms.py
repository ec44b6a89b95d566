from django import forms

from .choices import ReminderMethod, ReminderOutcome


class ReminderForm(forms.Form):
    method = forms.ChoiceField(label="方式", choices=ReminderMethod.choices)
    person = forms.CharField(label="负责人", max_length=100)
    number = forms.CharField(label="电话号码", max_length=30)
    contacted_at = forms.DateTimeField(
        label="提醒时间",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="不填为现在；短信按发送时间",
    )
    outcome = forms.ChoiceField(
        label="电话结果",
        choices=[("", "（短信由发送器回答）")] + ReminderOutcome.choices[:3],
        required=False,
    )
    note = forms.CharField(label="说明", max_length=500, required=False)

    def clean(self):
        data = super().clean()
        if data.get("method") == ReminderMethod.PHONE and not data.get("outcome"):
            self.add_error("outcome", "电话提醒须选择结果")
        return data


class StepForm(forms.Form):
    decision = forms.ChoiceField(label="意见", choices=[("approve", "同意"), ("reject", "不同意")])
    note = forms.CharField(
        label="意见说明", max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("note") or "").strip():
            self.add_error("note", "不予批准须写明理由")
        return data


class RemovalForm(forms.Form):
    applicant = forms.CharField(label="申请人", max_length=100)
    applied_on = forms.DateField(label="申请日期", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(
        label="已纠正的情况", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class FulfilForm(forms.Form):
    fulfilled_on = forms.DateField(label="公示日期", widget=forms.DateInput(attrs={"type": "date"}))
