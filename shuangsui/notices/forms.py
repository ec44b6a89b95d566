from django import forms

from .choices import MailMethod, MailOutcome


class MailingForm(forms.Form):
    method = forms.ChoiceField(label="邮寄方式", choices=MailMethod.choices)
    sent_on = forms.DateField(label="寄出日期", widget=forms.DateInput(attrs={"type": "date"}))
    tracking_no = forms.CharField(label="邮件号", max_length=40)


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label="结果", choices=[c for c in MailOutcome.choices if c[0] != MailOutcome.PENDING]
    )
    outcome_on = forms.DateField(label="结果日期", widget=forms.DateInput(attrs={"type": "date"}))
    return_reason = forms.CharField(label="退回原因", max_length=200, required=False)
