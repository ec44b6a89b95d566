from django import forms

from .choices import RecheckOutcome

DATE = {"widget": forms.DateInput(attrs={"type": "date"})}


class RecordForm(forms.Form):
    result = forms.TypedChoiceField(label="检查结果（发现问题的事项）", coerce=int)
    measure = forms.ChoiceField(label="处置措施")
    decided_on = forms.DateField(label="采取措施日期", **DATE)
    due_on = forms.DateField(label="改正期限（责令改正必填）", required=False, **DATE)
    receiver = forms.CharField(
        label="接收单位（线索移送、通报/移送、移送司法机关必填）", max_length=200, required=False
    )
    decision_no = forms.CharField(label="行政处罚决定书文号", max_length=100, required=False)
    decision_on = forms.DateField(label="处罚决定日期", required=False, **DATE)
    details = forms.CharField(
        label="处置情况", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, results=(), measures=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["result"].choices = [
            (r.pk, f"{r.item.code} {r.item.name}（结果 {'、'.join(r.code_list)}）") for r in results
        ]
        self.fields["measure"].choices = [(m.code, m.name) for m in measures]


class RecheckForm(forms.Form):
    checked_on = forms.DateField(label="复查日期", **DATE)
    checked_by = forms.CharField(label="复查人员", max_length=200)
    outcome = forms.ChoiceField(label="复查结论", choices=RecheckOutcome.choices)
    note = forms.CharField(
        label="复查情况", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    next_measure = forms.ChoiceField(label="未改正时的下一项措施", required=False)
    next_due_on = forms.DateField(label="下一项措施的期限", required=False, **DATE)
    next_receiver = forms.CharField(label="下一项措施的接收单位", max_length=200, required=False)

    def __init__(self, *args, measures=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["next_measure"].choices = [("", "—")] + [(m.code, m.name) for m in measures]


class CloseForm(forms.Form):
    closed_on = forms.DateField(label="完结日期", **DATE)
    note = forms.CharField(
        label="完结情况", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    decision_no = forms.CharField(
        label="行政处罚决定书文号（立案调查必填）", max_length=100, required=False
    )
    decision_on = forms.DateField(label="处罚决定日期", required=False, **DATE)


class DecisionForm(forms.Form):
    decision_no = forms.CharField(label="行政处罚决定书文号", max_length=100)
    decision_on = forms.DateField(label="处罚决定日期", required=False, **DATE)
