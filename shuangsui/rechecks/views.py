"""再检查的页面：抽样列表与“有问题未发现”统计、发起抽样、抽样仪式、逐户指派人员与录入结果。"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from shuangsui.core import scope
from shuangsui.draws.choices import DrawStatus
from shuangsui.draws.forms import CommitForm, PublicValueForm, RevealForm

from . import services
from .choices import FileKind, Outcome
from .forms import AssignForm, OutcomeForm, SampleForm


def _report(request, exc):
    for message in exc.messages:
        messages.error(request, message)


def _year(request):
    try:
        return int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        return timezone.localdate().year


@login_required
def sample_list(request):
    user = request.user
    year = _year(request)
    path = scope.root_path(user)
    samples = services.samples_for(user).order_by("-year", "-frozen_at")
    return render(
        request,
        "rechecks/sample_list.html",
        {
            "samples": samples[:200],
            "year": year,
            "by_station": services.missed_by_station(year, path) if path else [],
            "by_inspector": services.missed_by_inspector(year, path) if path else [],
            "may_new": scope.can(user, "draws.operate"),
        },
    )


@login_required
def sample_new(request):
    user = request.user
    if not scope.can(user, "draws.operate"):
        raise PermissionDenied("只有计划管理（执行方）可以发起再检查抽样")
    units = services.sampling_units(user)
    form = SampleForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sample = services.freeze(
                user,
                data["unit"],
                data["year"],
                period_from=data["period_from"],
                period_to=data["period_to"],
                cross_check=data["cross_check"],
                note=data["note"],
            )
            messages.success(
                request,
                f"名单已冻结：{sample.population_count} 户，抽 {sum(sample.quotas.values())} 户，"
                "请执行方与监督见证方提交承诺",
            )
            return redirect("recheck-detail", sample.pk)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
    unit = units.filter(pk=form["unit"].value() or 0).first() or units.first()
    rules = services.rules_for(unit) if unit else None
    return render(request, "rechecks/sample_new.html", {"form": form, "rules": rules})


@login_required
def sample_detail(request, pk):
    user = request.user
    sample = services.get_sample(user, pk)
    parties = list(sample.parties.select_related("user").order_by("order"))
    me = next((p for p in parties if p.user_id == user.pk), None)
    operate = services.may_operate(user, sample)
    witness = scope.can(user, "draws.witness") and scope.in_scope(user, sample.scope_path)
    may_commit = sample.status == DrawStatus.FROZEN and me is None and (operate or witness)
    items = list(
        sample.items.select_related("station", "inspection").prefetch_related("checkers__inspector")
    )
    strata = [
        {
            "label": label,
            "count": n,
            "quota": sample.quotas.get(label, 0),
            "ratio": sample.quota_rule.get(label, ""),
        }
        for label, n in sample.strata.items()
    ]
    return render(
        request,
        "rechecks/sample_detail.html",
        {
            "sample": sample,
            "strata": strata,
            "quota_total": sum(sample.quotas.values()),
            "parties": parties,
            "missing": services.ceremony.missing_parties(sample),
            "may_commit": may_commit,
            "commit_form": CommitForm(initial={"label": services.next_label(sample, user)})
            if may_commit
            else None,
            "may_reveal": me is not None
            and not me.revealed
            and sample.status in (DrawStatus.FROZEN, DrawStatus.REVEALING),
            "reveal_form": RevealForm(),
            "may_public": operate and sample.status == DrawStatus.READY and not sample.public_label,
            "public_form": PublicValueForm(),
            "may_run": operate and sample.status == DrawStatus.READY,
            "may_download": scope.can(user, "draws.view")
            and scope.in_scope(user, sample.scope_path),
            "items": items,
            "done": sum(1 for i in items if i.outcome != Outcome.PENDING),
        },
    )


def _ceremony_step(request, pk, step, ok):
    sample = services.get_sample(request.user, pk)
    try:
        done = step(sample)
        messages.success(request, ok(done))
    except ValidationError as exc:
        _report(request, exc)
    return redirect("recheck-detail", sample.pk)


@login_required
@require_POST
def sample_commit(request, pk):
    services.get_sample(request.user, pk)  # 辖区之外：403，先于表单校验
    form = CommitForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("recheck-detail", pk)
    data = form.cleaned_data
    return _ceremony_step(
        request,
        pk,
        lambda s: services.commit(
            s,
            request.user,
            commitment=data["commitment"] or None,
            value=data["value"] or None,
            label=data["label"] or None,
        ),
        lambda party: f"承诺已记录（{party.label}）。请保管好秘密值，揭示时需再次输入",
    )


@login_required
@require_POST
def sample_reveal(request, pk):
    return _ceremony_step(
        request,
        pk,
        lambda s: services.reveal(s, request.user, request.POST.get("value", "")),
        lambda party: f"揭示值与承诺相符，已记录（{party.label}）",
    )


@login_required
@require_POST
def sample_public(request, pk):
    return _ceremony_step(
        request,
        pk,
        lambda s: services.add_public_value(
            s, request.user, request.POST.get("label", ""), request.POST.get("value", "")
        ),
        lambda _s: "公开随机值已录入",
    )


@login_required
@require_POST
def sample_run(request, pk):
    return _ceremony_step(
        request,
        pk,
        lambda s: services.run(s, request.user),
        lambda s: f"抽样完成：抽中 {s.selected_count} 户，种子 {s.seed[:16]}…",
    )


@login_required
def sample_file(request, pk, kind):
    sample = services.get_sample(request.user, pk)
    if kind not in FileKind.values:
        raise Http404("没有这种文件")
    if not (
        scope.can(request.user, "draws.view") and scope.in_scope(request.user, sample.scope_path)
    ):
        raise PermissionDenied("只有抽样单位辖区内的用户可以下载记录与名单")
    try:
        data = services.read_file(sample, kind)
    except services.ceremony.FileMismatch as exc:
        raise Http404("；".join(exc.messages)) from exc
    content_type = "application/json" if kind == FileKind.RECORD else "text/csv; charset=utf-8"
    response = HttpResponse(data, content_type=content_type)
    name = services.download_name(sample, kind)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def item_detail(request, pk):
    user = request.user
    item = services.get_item(user, pk)
    sample = item.sample
    operate = services.may_operate(user, sample)
    pending = item.outcome == Outcome.PENDING
    assign_form = outcome_form = None
    if operate and pending:
        assign_form = AssignForm(
            request.POST if request.POST.get("action") == "assign" else None,
            people=services.eligible_checkers(item),
        )
    if pending and services.may_record(user, item):
        outcome_form = OutcomeForm(request.POST if request.POST.get("action") == "record" else None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "assign" and assign_form is not None:
                if assign_form.is_valid():
                    services.assign(item, user, assign_form.cleaned_data["inspectors"])
                    messages.success(request, "再检查人员已指派")
                    return redirect("recheck-item", item.pk)
            elif request.POST.get("action") == "record" and outcome_form is not None:
                if outcome_form.is_valid():
                    data = outcome_form.cleaned_data
                    services.record_outcome(
                        item,
                        user,
                        data["outcome"],
                        missed=data["missed"],
                        correction_needed=data["correction_needed"],
                        remark=data["remark"],
                    )
                    messages.success(request, "再检查结果已录入")
                    return redirect("recheck-item", item.pk)
            else:
                raise PermissionDenied("您不能对这一户做此操作")
        except ValidationError as exc:
            form = assign_form if request.POST.get("action") == "assign" else outcome_form
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
    inspection = item.inspection
    return render(
        request,
        "rechecks/item_detail.html",
        {
            "item": item,
            "sample": sample,
            "inspection": inspection,
            "original": inspection.assignments.filter(active=True).select_related(
                "inspector", "inspector__unit"
            ),
            "checkers": item.checkers.select_related("inspector", "inspector__unit"),
            "assign_form": assign_form,
            "outcome_form": outcome_form,
        },
    )
