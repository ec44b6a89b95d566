"""经营异常名录的页面：本辖区的队列（待提醒、待所长审核、待局审批、已列入……）、一户的列异
（提醒、审核、审批、审批表、移出申请）与责令限期公示。"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from shuangsui.core import scope
from shuangsui.core.choices import Role
from shuangsui.core.paging import paginate

from . import documents, services
from .choices import OPEN_STAGES, Cause, OrderStatus, Stage
from .forms import FulfilForm, ReminderForm, RemovalForm, StepForm
from .models import PublishOrder, Removal

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

TABS = [
    ("reminder", "待提醒负责人"),
    ("head", "待所长审核"),
    ("bureau", "待局审批"),
    ("listed", "列入中"),
    ("removal", "移出审批中"),
    ("removed", "已移出"),
    ("rejected", "不予批准"),
    ("orders", "责令限期公示"),
]


def _tab_rows(user, tab):
    rows = services.visible(user)
    if tab in (Stage.REMINDER, Stage.HEAD, Stage.BUREAU, Stage.REJECTED):
        return rows.filter(stage=tab)
    if tab == "listed":
        return rows.filter(stage=Stage.APPROVED, removed_on=None)
    if tab == "removed":
        return rows.filter(stage=Stage.APPROVED).exclude(removed_on=None)
    if tab == "removal":
        return rows.filter(removals__stage__in=OPEN_STAGES).distinct()
    return rows.none()


def _default_tab(user):
    if user.role == Role.BUREAU_APPROVER:
        return "bureau"
    if user.role == Role.STATION_HEAD:
        return "head"
    return "reminder"


@login_required
def listing_list(request):
    scope.require(request.user, "listings.view")
    tab = request.GET.get("tab") or _default_tab(request.user)
    if tab not in dict(TABS):
        tab = _default_tab(request.user)
    counts = {key: _tab_rows(request.user, key).count() for key, _ in TABS if key != "orders"}
    orders = scope.scoped(
        PublishOrder.objects.select_related("entity", "station"), request.user, "listings.view"
    )
    counts["orders"] = orders.filter(status=OrderStatus.OPEN).count()
    if tab == "orders":
        page, query = paginate(request, orders.order_by("status", "deadline", "id"))
    else:
        page, query = paginate(
            request, _tab_rows(request.user, tab).order_by("-proposed_at", "-id")
        )
    return render(
        request,
        "listings/list.html",
        {
            "tabs": [(key, label, counts[key]) for key, label in TABS],
            "tab": tab,
            "page": page,
            "query": query,
            "today": services.today(),
        },
    )


def _detail(request, listing, status=200, **forms):
    user = request.user
    removal = services.open_removal(listing)
    entity = listing.entity
    context = {
        "listing": listing,
        "rows": documents.rows(listing),
        "steps": services.steps(listing),
        "reminders": listing.reminders.select_related("recorded_by"),
        "removals": listing.removals.select_related("proposed_by"),
        "removal": removal,
        "may_handle": services.may_handle(user, listing.scope_path),
        "needs_reminder": listing.cause == Cause.UNREACHABLE
        and listing.stage in (Stage.REMINDER, Stage.HEAD),
        "may_step": services.may_step(user, listing),
        "may_step_removal": removal is not None and services.may_step(user, removal),
        "reminder_form": forms.get("reminder_form")
        or ReminderForm(initial={"person": entity.legal_rep, "number": entity.phone}),
        "step_form": forms.get("step_form") or StepForm(),
        "removal_step_form": forms.get("removal_step_form") or StepForm(),
        "removal_form": forms.get("removal_form")
        or RemovalForm(initial={"applicant": entity.legal_rep, "applied_on": services.today()}),
    }
    return render(request, "listings/detail.html", context, status=status)


@login_required
def listing_detail(request, pk):
    return _detail(request, services.get_listing(request.user, pk))


@login_required
def listing_docx(request, pk):
    listing = services.get_listing(request.user, pk)
    response = HttpResponse(documents.approval_form(listing), content_type=DOCX)
    name = f"listing-{listing.entity.uid}-{listing.pk}.docx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response


def _apply_errors(form, exc):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _submit(request, pk, form_class, action, done, form_name):
    """办理类的表单（提醒、移出申请）：不合规则时在原页面字段旁显示中文错误（400）。"""
    listing = services.get_listing(request.user, pk)
    services.check_handle(request.user, listing.scope_path)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            action(request.user, listing, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("listing-detail", pk=listing.pk)
    return _detail(request, listing, status=400, **{form_name: form})


@login_required
@require_POST
def listing_reminder(request, pk):
    return _submit(
        request,
        pk,
        ReminderForm,
        services.record_reminder,
        "已登记提醒，提请报所长审核",
        "reminder_form",
    )


def _step(request, obj, listing, form_name):
    form = StepForm(request.POST)
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        note = form.cleaned_data["note"]
        stage = obj.stage
        try:
            if stage == Stage.BUREAU:
                services.decide(request.user, obj, approve=approve, note=note)
            else:
                services.review(request.user, obj, approve=approve, note=note)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "已审批" if stage == Stage.BUREAU else "已审核")
            return redirect("listing-detail", pk=listing.pk)
    return _detail(request, listing, status=400, **{form_name: form})


@login_required
@require_POST
def listing_step(request, pk):
    listing = services.get_listing(request.user, pk)
    return _step(request, listing, listing, "step_form")


@login_required
@require_POST
def removal_step(request, pk):
    removal = Removal.objects.filter(pk=pk).first()
    if removal is None:
        raise Http404("记录不存在或不在您的辖区内")
    listing = services.get_listing(request.user, removal.listing_id)
    return _step(request, removal, listing, "removal_step_form")


@login_required
@require_POST
def removal_apply(request, pk):
    return _submit(
        request,
        pk,
        RemovalForm,
        services.apply_removal,
        "已登记移出申请，报所长审核",
        "removal_form",
    )


@login_required
@require_POST
def order_fulfil(request, pk):
    order = scope.get_scoped(PublishOrder.objects.all(), request.user, "listings.view", pk=pk)
    form = FulfilForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
    else:
        try:
            services.fulfil_order(request.user, order, form.cleaned_data["fulfilled_on"])
            messages.success(request, "已登记按期公示")
        except ValidationError as exc:
            for m in exc.messages:
                messages.error(request, m)
    return redirect(reverse("listing-list") + "?tab=orders")
