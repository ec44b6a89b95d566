"""后续处置的页面：本单位的清单（待处置、逾期、未完结、已完结，按处罚决定书文号查找）、
一个检查对象的后续处置（登记措施）、一项措施（复查、完结、决定书文号、“两张清单”“一书一函”）。"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from shuangsui.core.paging import paginate
from shuangsui.inspections import services as inspections

from . import documents, services
from .choices import FollowUpStatus
from .forms import CloseForm, DecisionForm, RecheckForm, RecordForm

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
VIEWS = {
    "open": "未完结",
    "overdue": "逾期未完结",
    "pending": "发现问题待处置",
    "closed": "已完结",
}


def _to_form(form, exc, rename=None):
    """把服务的 ValidationError 放到表单对应字段旁（没有对应字段的放在表单顶部）。"""
    rename = rename or {}
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            field = rename.get(field, field)
            for e in errors:
                form.add_error(field if field in form.fields else None, e)
    else:
        for e in exc.messages:
            form.add_error(None, e)


@login_required
def followup_list(request):
    user = request.user
    show = request.GET.get("show", "open")
    if show not in VIEWS:
        show = "open"
    number = request.GET.get("decision", "").strip()[:100]
    found = list(services.search_decision(user, number)[:50]) if number else None
    if show == "pending":
        rows = services.pending(user)
    elif show == "overdue":
        rows = services.overdue(user)
    else:
        rows = services.visible(user).filter(status=show).order_by("due_on", "decided_on", "id")
    page, querystring = paginate(request, rows)
    return render(
        request,
        "followups/list.html",
        {
            "show": show,
            "views": VIEWS,
            "show_label": VIEWS[show],
            "page": page,
            "querystring": querystring,
            "decision": number,
            "found": found,
            "today": timezone.localdate(),
            "counts": {
                "pending": services.pending(user).count(),
                "overdue": services.overdue(user).count(),
            },
        },
    )


def _target_page(request, inspection, form=None, status=200):
    user = request.user
    results = services.problem_results(inspection)
    measures = list(services.measures())
    may_record = services.may_record(user, inspection) and bool(results)
    if form is None and may_record:
        initial = {"decided_on": timezone.localdate()}
        wanted = request.GET.get("result", "")
        if wanted.isdigit():
            initial["result"] = int(wanted)
        form = RecordForm(initial=initial, results=results, measures=measures)
    return render(
        request,
        "followups/target.html",
        {
            "inspection": inspection,
            "results": results,
            "followups": services.for_inspection(inspection),
            "may_record": may_record,
            "form": form,
            "today": timezone.localdate(),
        },
        status=status,
    )


@login_required
def target(request, pk):
    inspection = inspections.get_inspection(request.user, pk)
    if request.method != "POST":
        return _target_page(request, inspection)
    results = services.problem_results(inspection)
    form = RecordForm(request.POST, results=results, measures=services.measures())
    if form.is_valid():
        data = dict(form.cleaned_data)
        result = next(r for r in results if r.pk == data.pop("result"))
        try:
            followup = services.record(request.user, result, **data)
        except ValidationError as exc:
            _to_form(form, exc)
        else:
            messages.success(request, f"已登记“{followup.measure.name}”")
            return redirect("followup-detail", pk=followup.pk)
    return _target_page(request, inspection, form, status=400)


def _detail_page(request, followup, forms=None, status=200):
    forms = forms or {}
    measures = list(services.measures())
    may = services.may_record(request.user, followup.inspection)
    is_open = followup.status == FollowUpStatus.OPEN
    today = timezone.localdate()
    if may and is_open and followup.is_order:
        forms.setdefault("recheck", RecheckForm(initial={"checked_on": today}, measures=measures))
    if may and is_open and not followup.is_order:
        forms.setdefault(
            "close",
            CloseForm(initial={"closed_on": today, "decision_no": followup.decision_no}),
        )
    if may and is_open and followup.is_case:
        forms.setdefault(
            "decision", DecisionForm(initial={"decision_no": followup.decision_no}, prefix="d")
        )
    return render(
        request,
        "followups/detail.html",
        {
            "f": followup,
            "inspection": followup.inspection,
            "rechecks": list(followup.rechecks.all()),
            "next_measures": list(followup.next_measures.select_related("measure")),
            "forms": forms,
            "documents": documents.KINDS if followup.is_case and followup.decision_no else {},
            "today": today,
        },
        status=status,
    )


@login_required
def detail(request, pk):
    return _detail_page(request, services.get_followup(request.user, pk))


@login_required
@require_POST
def recheck(request, pk):
    followup = services.get_followup(request.user, pk)
    form = RecheckForm(request.POST, measures=services.measures())
    if form.is_valid():
        try:
            row, nxt = services.recheck(request.user, followup, **form.cleaned_data)
        except ValidationError as exc:
            _to_form(
                form,
                exc,
                {
                    "measure": "next_measure",
                    "due_on": "next_due_on",
                    "receiver": "next_receiver",
                    "closed_on": "checked_on",
                },
            )
        else:
            messages.success(request, f"已登记复查：{row.get_outcome_display()}，责令改正已完结")
            return redirect("followup-detail", pk=(nxt or followup).pk)
    return _detail_page(request, followup, {"recheck": form}, status=400)


def _act(request, followup, key, form, service, done):
    """一项措施页上的表单操作：通过则记下并回到该页；不通过则在原表单字段旁说明原因（400）。"""
    if form.is_valid():
        try:
            service(request.user, followup, **form.cleaned_data)
        except ValidationError as exc:
            _to_form(form, exc)
        else:
            messages.success(request, done)
            return redirect("followup-detail", pk=followup.pk)
    return _detail_page(request, followup, {key: form}, status=400)


@login_required
@require_POST
def close(request, pk):
    followup = services.get_followup(request.user, pk)
    return _act(request, followup, "close", CloseForm(request.POST), services.close, "已登记完结")


@login_required
@require_POST
def decision(request, pk):
    followup = services.get_followup(request.user, pk)
    form = DecisionForm(request.POST, prefix="d")
    return _act(
        request, followup, "decision", form, services.set_decision, "已登记行政处罚决定书文号"
    )


@login_required
def document(request, pk, kind):
    followup = services.get_followup(request.user, pk)
    if kind not in documents.KINDS:
        raise Http404("没有这种文书")
    try:
        content = documents.render(followup, kind)
    except ValidationError as exc:
        for e in exc.messages:
            messages.error(request, e)
        return redirect("followup-detail", pk=followup.pk)
    response = HttpResponse(content, content_type=DOCX)
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{documents.filename(followup, kind)}"
    )
    return response
