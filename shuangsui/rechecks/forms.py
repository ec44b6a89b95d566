"""再检查的表单（承诺、揭示、公开随机值沿用抽取仪式的表单）。"""

from django import forms
from django.utils import timezone

from shuangsui.inspectors.models import Inspector

from .choices import Outcome


class SampleForm(forms.Form):
    """发起一次再检查抽样。"""

    unit = forms.ModelChoiceField(label="抽样范围（单位）", queryset=None, empty_label=None)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    period_from = forms.DateField(
        label="检查日期（起）", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    period_to = forms.DateField(
        label="检查日期（止）", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    cross_check = forms.BooleanField(
        label="交叉检查（再检查人员须来自原检查所属所以外的单位）", required=False
    )
    note = forms.CharField(
        label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=500
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["year"].initial = timezone.localdate().year


class AssignForm(forms.Form):
    inspectors = forms.ModelMultipleChoiceField(
        label="再检查人员", queryset=Inspector.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspectors"].queryset = people
        self.fields["inspectors"].label_from_instance = lambda i: f"{i.name}（{i.unit.name}）"


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label="再检查结果",
        choices=[
            (Outcome.CONSISTENT, Outcome.CONSISTENT.label),
            (Outcome.MISSED, Outcome.MISSED.label),
        ],
        widget=forms.RadioSelect,
    )
    missed = forms.CharField(
        label="未发现的问题",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="有问题未发现时必填：写明原检查漏掉的问题",
    )
    correction_needed = forms.BooleanField(label="原检查结果须更正", required=False)
    remark = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        if data.get("outcome") == Outcome.MISSED and not (data.get("missed") or "").strip():
            self.add_error("missed", "有问题未发现时须写明未发现的问题")
        return data
