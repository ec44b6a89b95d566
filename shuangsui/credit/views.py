"""信用反馈的页面：调整建议的待确认队列、一条建议（确认或驳回）。"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from shuangsui.core import scope
from shuangsui.core.paging import paginate

from . import services
from .choices import ProposalStatus
from .forms import ConfirmForm, RejectForm


@login_required
def proposal_list(request):
    scope.require(request.user, services.CAPABILITY)
    status = request.GET.get("status", ProposalStatus.PENDING)
    if status not in ProposalStatus.values:
        status = ProposalStatus.PENDING
    page, querystring = paginate(request, services.proposals_for(request.user, status))
    counts = {s: services.proposals_for(request.user, s).count() for s in ProposalStatus.values}
    tabs = [(value, label, counts[value]) for value, label in ProposalStatus.choices]
    return render(
        request,
        "credit/proposal_list.html",
        {"page": page, "querystring": querystring, "status": status, "tabs": tabs},
    )


def _detail(request, proposal, confirm_form=None, reject_form=None, status=200):
    return render(
        request,
        "credit/proposal_detail.html",
        {
            "p": proposal,
            "history": services.history(proposal.entity),
            "confirm_form": confirm_form or ConfirmForm(),
            "reject_form": reject_form or RejectForm(),
        },
        status=status,
    )


@login_required
def proposal_detail(request, pk):
    return _detail(request, services.get_proposal(request.user, pk))


@login_required
@require_POST
def proposal_confirm(request, pk):
    proposal = services.get_proposal(request.user, pk)
    form = ConfirmForm(request.POST)
    if form.is_valid():
        try:
            services.confirm(request.user, proposal, form.cleaned_data["note"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, f"已确认：{proposal.entity.name} 调整为 {proposal.to_class} 类"
            )
            return redirect("credit-proposal", pk=proposal.pk)
    return _detail(request, proposal, confirm_form=form, status=400)


@login_required
@require_POST
def proposal_reject(request, pk):
    proposal = services.get_proposal(request.user, pk)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            services.reject(request.user, proposal, form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已驳回对 {proposal.entity.name} 的调整建议")
            return redirect("credit-proposal", pk=proposal.pk)
    return _detail(request, proposal, reject_form=form, status=400)
