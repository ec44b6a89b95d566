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


def _decide(request, pk, form_class, act, done):
    """确认或驳回：表单有效则调用服务、回到建议页；否则在字段旁（或表单上方）说明原因。"""
    proposal = services.get_proposal(request.user, pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            act(request.user, proposal, *form.cleaned_data.values())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, done.format(p=proposal))
            return redirect("credit-proposal", pk=proposal.pk)
    key = "confirm_form" if form_class is ConfirmForm else "reject_form"
    return _detail(request, proposal, status=400, **{key: form})


@login_required
@require_POST
def proposal_confirm(request, pk):
    done = "已确认：{p.entity.name} 调整为 {p.to_class} 类"
    return _decide(request, pk, ConfirmForm, services.confirm, done)


@login_required
@require_POST
def proposal_reject(request, pk):
    done = "已驳回对 {p.entity.name} 的调整建议"
    return _decide(request, pk, RejectForm, services.reject, done)
