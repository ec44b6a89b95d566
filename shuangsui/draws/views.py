"""抽取仪式的页面操作（都在任务页面上进行）、抽取详情、排除名单与文件下载。"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from shuangsui.core import scope
from shuangsui.core.paging import paginate
from shuangsui.jobs import services as job_services
from shuangsui.plans.choices import TaskStatus
from shuangsui.plans.models import Task
from shuangsui.plans.services import percent

from . import exporters, services
from .choices import DrawStatus, ExclusionCode, FileKind, PartyRole, TargetRole
from .forms import CommitForm, PublicValueForm, RevealForm, VoidForm

SHOWN_TARGETS = 500  # 页面上最多列出的备选对象（完整名单见 XLSX 与记录文件）
LIST_PAGE = 50  # 入选名单每页户数


def _report(request, exc):
    for message in exc.messages:
        messages.error(request, message)


def _back(draw_or_task):
    task = getattr(draw_or_task, "task", draw_or_task)
    return redirect(reverse("task-detail", args=[task.pk]) + "#draw")


def _opaque(strata):
    return {label: f"S{i}" for i, label in enumerate(sorted(strata), start=1)}


EXCLUSIONS_TTL = 24 * 3600


def exclusion_summary(draw):
    """排除名单按原因汇总的户数：冻结时已数好存在抽取上（draw.exclusion_counts）。

    存入之前冻结的抽取（迁移已补上，此处只防漏）才汇总一次：排除行随冻结写入、此后不可改也不可删
    （FrozenRowMixin），按抽取与名单摘要缓存；百万户的总体排除几十万行，汇总一次要约 0.1 秒。"""
    if draw.exclusion_counts or not draw.excluded_count:
        return draw.exclusion_counts
    key = f"draw-exclusions:{draw.pk}:{draw.population_digest}"
    rows = cache.get(key)
    if rows is None:
        rows = services.count_exclusions(draw)
        if draw.population_digest:
            cache.set(key, rows, EXCLUSIONS_TTL)
    return rows


def _entity_url():
    """主体详情地址：整页只反解一次（名单逐行反解或用 {% url %}，一页 50 行要几毫秒）。"""
    head, _, tail = reverse("entity-detail", args=["UID"]).rpartition("UID")
    return lambda uid: f"{head}{uid}{tail}"


def _target_rows(rows, names, entity_url):
    """入选或备选名单的表格行：显示的层名、主体名称、所属单位与详情链接（对象库的对象不链）。"""
    return [
        {
            **t,
            "url": entity_url(t["uid"]) if t["entity_id"] else "",
            "name": t["entity__name"] or "",
            "unit": t["entity__unit__name"] or "",
            "shown_stratum": names.get(t["stratum"], t["stratum"]),
        }
        for t in rows
    ]


def _selected_page(request, draw, names, entity_url):
    """入选名单的一页：户数即抽取登记的入选户数，不再计数；每行另有批次与匹配的检查人员。"""
    page = Paginator(range(draw.selected_count), LIST_PAGE).get_page(request.GET.get("page"))
    ranks = page.object_list  # range 的一段：本页在入选名单中的位置
    rows = services.drawn_rows(draw)[ranks.start : ranks.stop]
    people = services.inspector_names(draw)
    batches = draw.task.batches
    page.object_list = _target_rows(rows, names, entity_url)
    for t in page.object_list:
        t["batch"] = services.batch_of(t["rank"], draw.selected_count, batches)
        t["people"] = services.describe_inspectors(t["inspectors"], people) or "—"
        t["unmatched"] = any("unmatched" in f for f in t["flags"])
    return page


def draw_context(request, draw):
    """一次抽取在页面上的全部信息：名单分层、配额、排除、仪式进度、抽中名单、可做的操作。"""
    user = request.user
    full = services.may_see_full(user, draw)
    names = {label: label for label in draw.strata} if full else _opaque(draw.strata)
    strata_rows = [
        {
            "label": names[label],
            "count": n,
            "quota": draw.quotas.get(label, 0),
            "ratio": percent(draw.quota_rule[label]) if full and label in draw.quota_rule else "",
            "reserve": draw.reserves.get(label, 0),
        }
        for label, n in sorted(draw.strata.items())
    ]
    exclusion_counts = exclusion_summary(draw)
    if not full:
        merged = {}
        for row in exclusion_counts:
            reason = services.shown_reason(row["code"], row["reason"], False)
            merged[reason] = merged.get(reason, 0) + row["n"]
        exclusion_counts = [{"reason": r, "n": n} for r, n in merged.items()]
    parties = sorted(draw.parties.select_related("user").order_by(), key=lambda p: p.order)
    me = next((p for p in parties if p.user_id == user.pk), None)
    can_operate = scope.can(user, "draws.operate") and scope.in_scope(user, draw.scope_path)
    can_witness = scope.can(user, "draws.witness") and scope.in_scope(user, draw.scope_path)
    in_ceremony = draw.status in (DrawStatus.FROZEN, DrawStatus.REVEALING)
    may_commit = draw.status == DrawStatus.FROZEN and me is None and (can_operate or can_witness)
    may_reveal = me is not None and not me.revealed and in_ceremony
    may_public = can_operate and draw.status == DrawStatus.READY and not draw.public_label
    may_void = can_operate and draw.status != DrawStatus.VOIDED and not draw.void_pending
    selected_page, reserves = None, []
    if draw.status in (DrawStatus.COMPLETED, DrawStatus.VOIDED) and draw.record_file:
        entity_url = _entity_url()
        selected_page = _selected_page(request, draw, names, entity_url)
        if any(draw.reserves.values()):
            rows = services.drawn_rows(draw, TargetRole.RESERVE)[:SHOWN_TARGETS]
            reserves = _target_rows(rows, names, entity_url)
    downloads = []
    if draw.record_file:
        for kind in (
            FileKind.RECORD,
            FileKind.POPULATION,
            FileKind.PUBLIC_RECORD,
            FileKind.PUBLIC_POPULATION,
        ):
            if services.may_download(user, draw, kind):
                downloads.append(
                    (
                        kind.value,
                        f"下载{kind.label}",
                        reverse("draw-file", args=[draw.pk, kind.value]),
                    )
                )
    elif draw.population_file and full:
        kind = FileKind.POPULATION
        downloads.append(
            (kind.value, f"下载{kind.label}", reverse("draw-file", args=[draw.pk, kind]))
        )
    return {
        "draw": draw,
        "full": full,
        "strata_rows": strata_rows,
        "quota_total": sum(draw.quotas.values()),
        "exclusion_counts": exclusion_counts,
        "parties": parties,
        "me": me,
        # 只在收集承诺与揭示时显示
        "missing": services.missing_parties(draw) if in_ceremony else [],
        "may_commit": may_commit,
        "commit_form": CommitForm(initial={"label": services.next_label(draw, user)})
        if may_commit
        else None,
        "my_role": PartyRole.WITNESS.label if can_witness else PartyRole.OPERATOR.label,
        "may_reveal": may_reveal,
        "reveal_form": RevealForm() if may_reveal else None,
        "may_public": may_public,
        "public_form": PublicValueForm() if may_public else None,
        "may_run": can_operate and draw.status == DrawStatus.READY,
        "may_void": may_void,
        "void_form": VoidForm() if may_void else None,
        "may_approve_void": draw.void_pending
        and scope.can(user, "plans.approve")
        and scope.in_scope(user, draw.scope_path)
        and draw.void_requested_by_id != user.pk,
        "selected": selected_page.object_list if selected_page else [],
        "selected_page": selected_page,
        "reserves": reserves,
        "reserve_count": sum(draw.reserves.values()),
        "self_verified": draw.population_count <= services.SELF_VERIFY_MAX,
        "downloads": downloads,
        "xlsx_url": reverse("draw-xlsx", args=[draw.pk]) if draw.record_file else "",
        "show_batches": draw.task.batches > 1,
    }


def ceremony_context(request, task):
    """任务页面的“抽取”部分。任务的各次抽取（连同页面要显示的各方用户）一次取出。"""
    user = request.user
    if not scope.can(user, "draws.view"):
        return {"draws_visible": False}
    # 次序在 Python 里排（一个任务只有几次抽取）：SQL 的 ORDER BY 要把选出的一百来列逐个比对
    draws = sorted(
        task.draws.select_related(
            "frozen_by",
            "completed_by",
            "void_requested_by",
            "void_approved_by",
            "dispatch",  # 检查实施阶段的派发（有时页面链到匹配结果与检查组）
        ).order_by(),
        key=lambda d: -d.number,
    )
    # 当前有效的抽取（未作废的那一次，同 services.current_draw）与已作废的各次
    current = next((d for d in draws if d.status != DrawStatus.VOIDED), None)
    past = [d for d in draws if d.status == DrawStatus.VOIDED]
    can_operate = scope.can(user, "draws.operate") and scope.in_scope(user, task.scope_path)
    context = {
        "draws_visible": True,
        "current": draw_context(request, current) if current else None,
        "past_draws": past,
        "may_freeze": can_operate and current is None and task.status == TaskStatus.APPROVED,
        "preview": None,
    }
    if current is None and request.GET.get("preview") and task.status != TaskStatus.DRAFT:
        population = services.build_population(task, user)
        quota = services.compute_quotas(task, population.strata)
        full = scope.can(user, "credit.view")
        names = {k: k for k in population.strata} if full else _opaque(population.strata)
        context["preview"] = {
            "count": population.count,
            "strata": [
                (names[label], n, quota.quotas.get(label, 0))
                for label, n in population.strata.items()
            ],
            "total": quota.total,
            "notes": quota.notes,
            "excluded": population.exclusion_counts() if full else [],
            "excluded_count": len(population.excluded),
        }
    return context


def _task(user, pk):
    return scope.get_scoped(Task.objects.select_related("unit"), user, "plans.view", pk=pk)


@login_required
@require_POST
def draw_freeze(request, task_pk):
    task = _task(request.user, task_pk)
    try:
        draw = services.freeze(task, request.user)
        messages.success(
            request,
            f"名单已冻结：{draw.population_count} 户，摘要 {draw.population_digest[:16]}…，"
            "请各方提交承诺",
        )
    except ValidationError as exc:
        _report(request, exc)
    return _back(task)


@login_required
@require_POST
def draw_commit(request, pk):
    draw = services.get_draw(request.user, pk)
    form = CommitForm(request.POST)
    if form.is_valid():
        try:
            party = services.commit(
                draw,
                request.user,
                commitment=form.cleaned_data["commitment"] or None,
                value=form.cleaned_data["value"] or None,
                label=form.cleaned_data["label"] or None,
            )
            messages.success(
                request, f"承诺已记录（{party.label}）。请保管好秘密值，揭示时需再次输入"
            )
        except ValidationError as exc:
            _report(request, exc)
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return _back(draw)


@login_required
@require_POST
def draw_reveal(request, pk):
    draw = services.get_draw(request.user, pk)
    try:
        party = services.reveal(draw, request.user, request.POST.get("value", ""))
        messages.success(request, f"揭示值与承诺相符，已记录（{party.label}）")
    except ValidationError as exc:
        _report(request, exc)
    return _back(draw)


@login_required
@require_POST
def draw_public(request, pk):
    draw = services.get_draw(request.user, pk)
    try:
        services.add_public_value(
            draw, request.user, request.POST.get("label", ""), request.POST.get("value", "")
        )
        messages.success(request, "公开随机值已录入")
    except ValidationError as exc:
        _report(request, exc)
    return _back(draw)


@login_required
@require_POST
def draw_run(request, pk):
    draw = services.get_draw(request.user, pk)
    if (
        draw.status == DrawStatus.READY
        and draw.population_count > settings.DRAW_BACKGROUND_POPULATION
    ):
        # 大总体：交给后台工作进程，任务页显示进度，完成后回到这里
        scope.check_write(request.user, "draws.operate", draw.scope_path)
        job = job_services.start(
            "draws.run",
            request.user,
            f"执行抽取：{draw.task.code}（{draw.population_count:,} 户）",
            params={"draw": draw.pk},
        )
        return redirect("job-detail", job.pk)
    try:
        draw = services.run(draw, request.user)
        messages.success(
            request, f"抽取完成：入选 {draw.selected_count} 户，种子 {draw.seed[:16]}…"
        )
    except ValidationError as exc:
        _report(request, exc)
    return _back(draw)


@login_required
@require_POST
def draw_void(request, pk):
    draw = services.get_draw(request.user, pk)
    try:
        services.request_void(draw, request.user, request.POST.get("reason", ""))
        messages.success(request, "作废申请已提交，待另一位有审批权限的用户批准")
    except ValidationError as exc:
        _report(request, exc)
    return _back(draw)


@login_required
@require_POST
def draw_void_approve(request, pk):
    draw = services.get_draw(request.user, pk)
    try:
        services.approve_void(draw, request.user)
        messages.success(request, "已批准作废；作废记录保留可查，任务可重新抽取")
    except ValidationError as exc:
        _report(request, exc)
    return _back(draw)


@login_required
@require_POST
def draw_void_reject(request, pk):
    draw = services.get_draw(request.user, pk)
    try:
        services.reject_void(draw, request.user)
        messages.success(request, "已驳回作废申请")
    except ValidationError as exc:
        _report(request, exc)
    return _back(draw)


@login_required
def draw_detail(request, pk):
    draw = services.get_draw(request.user, pk)
    return render(
        request, "draws/draw_detail.html", {"task": draw.task, "ctx": draw_context(request, draw)}
    )


@login_required
def draw_exclusions(request, pk):
    draw = services.get_draw(request.user, pk)
    full = services.may_see_full(request.user, draw)
    # 没有 credit.view 时不按原因排序或筛选（否则可推知主体的信用分类）
    rows = draw.exclusions.select_related("entity").order_by(
        *(["code", "uid"] if full else ["uid"])
    )
    code = request.GET.get("code", "")
    if full and code in ExclusionCode.values:
        rows = rows.filter(code=code)
    page, querystring = paginate(request, rows, per_page=100)
    for row in page:
        row.shown_reason = services.shown_reason(row.code, row.reason, full)
    return render(
        request,
        "draws/exclusion_list.html",
        {
            "draw": draw,
            "page": page,
            "querystring": querystring,
            "codes": ExclusionCode.choices if full else [],
            "code": code,
        },
    )


@login_required
def draw_file(request, pk, kind):
    draw = services.get_draw(request.user, pk)
    if kind not in FileKind.values or kind == FileKind.POOL and not draw.pool_file:
        raise Http404("没有这种文件")
    if not services.may_download(request.user, draw, kind):
        raise PermissionDenied("您不能下载含信用风险分类的完整文件，请下载公开形式")
    try:
        data = services.read_file(draw, kind)
    except services.FileMismatch as exc:
        raise Http404(exc.messages[0]) from exc
    response = HttpResponse(data, content_type=services.CONTENT_TYPES[kind])
    response["Content-Disposition"] = f'attachment; filename="{services.download_name(draw, kind)}"'
    response["X-Content-SHA256"] = services.file_info(draw, kind)[1]
    return response


@login_required
def draw_xlsx(request, pk):
    draw = services.get_draw(request.user, pk)
    if not draw.record_file:
        raise Http404("尚未完成抽取")
    data = exporters.drawn_list_xlsx(draw, show_credit=services.may_see_full(request.user, draw))
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"{services.download_name(draw, FileKind.RECORD).removesuffix('record.json')}drawn.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_POST
def draw_verify(request, pk):
    draw = services.get_draw(request.user, pk)
    problems = services.verify_stored(draw)
    if problems:
        for p in problems[:5]:
            messages.error(request, f"核验不通过：{p}")
    else:
        messages.success(request, "核验通过：文件摘要与登记相符，记录可由名单与公开的熵完整复算")
    return _back(draw) if draw.is_valid else redirect("draw-detail", pk=draw.pk)
