"""检查实施的页面：我的检查任务、检查对象详情与人员调整、匹配结果、工作量、检查组名单下载。"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from shuangsui.core import scope
from shuangsui.core.models import OrgUnit
from shuangsui.core.nexturl import safe_next
from shuangsui.core.paging import paginate, paginate_counted
from shuangsui.draws import services as draws
from shuangsui.draws.choices import DrawStatus, FileKind
from shuangsui.inspectors.models import Inspector

from . import exporters, services
from .forms import DirectAssignForm, ExtraForm, ReassignForm
from .models import Dispatch, Inspection

WORK_CAPS = {"work.own", "work.station", "draws.view"}


def _report(request, exc):
    for message in exc.messages:
        messages.error(request, message)


def _back(request, inspection):
    fallback = reverse("inspection-detail", kwargs={"pk": inspection.pk})
    return redirect(safe_next(request, request.POST.get("next", ""), fallback))


# 检查人员多用手机，每行一张卡片：一页 20 张约一屏半，其余翻页
WORKLIST_PER_PAGE = 20


def _pk_url(name):
    """按 pk 的页面地址：整页只反解一次（每行各用 {% url %} 反解，一页 20 行两个链接要一两毫秒）。"""
    head, _, tail = reverse(name, args=[987654321]).rpartition("987654321")
    return lambda pk: f"{head}{pk}{tail}"


@login_required
def worklist(request):
    user = request.user
    if not scope.capabilities(user) & WORK_CAPS:
        raise PermissionDenied("没有检查任务")
    # 先分页取 id（排序只涉及检查对象表），再取这一页显示的字段。检查人员只看指派给自己的（几百户
    # 以内）：总数随这一页同一条查询数出。所长、计划员看全所、全县（上万户）：总数另数，大的缓存一会儿
    rows = services.worklist(user)
    if scope.capabilities(user) & {"work.station", "draws.view"}:
        page, querystring = paginate(
            request, rows.values_list("pk", flat=True), per_page=WORKLIST_PER_PAGE
        )
    else:
        page, querystring = paginate_counted(request, rows, per_page=WORKLIST_PER_PAGE)
    ids = list(page)
    inspections = services.worklist_rows(ids)
    members = services.members_by_inspection(ids)
    tasks = services.task_sheets({i["task_id"] for i in inspections})
    # 检查结果是后一阶段（results 应用）：退回、待审核与期限状态由它给出
    from shuangsui.results.services import worklist_marks

    marks = worklist_marks(inspections)
    detail_url, result_url = _pk_url("inspection-detail"), _pk_url("result-target")
    for i in inspections:
        i["detail_url"], i["result_url"] = detail_url(i["pk"]), result_url(i["pk"])
    rows = [(i, tasks[i["task_id"]], members.get(i["pk"], []), marks[i["pk"]]) for i in inspections]
    me = Inspector.objects.filter(user=user).only("name", "badge_no").first()
    return render(
        request,
        "inspections/worklist.html",
        {"page": page, "rows": rows, "querystring": querystring, "me": me},
    )


@login_required
def inspection_detail(request, pk):
    user = request.user
    inspection = services.get_inspection(user, pk)
    active = list(services.team(inspection))
    ended = list(services.team(inspection, active=False))
    names = dict(
        OrgUnit.objects.filter(code__in={a.department for a in active}).values_list("code", "name")
    )
    for a in active:
        a.department_name = names.get(a.department, "")
    info = Dispatch.objects.filter(draw_id=inspection.draw_id).first()
    may_operate = services.may_operate(user, inspection)
    open_ = inspection.draw.status == DrawStatus.COMPLETED
    current = " ".join(a.inspector.badge_no for a in active if a.counts_as_officer)
    return render(
        request,
        "inspections/inspection_detail.html",
        {
            "inspection": inspection,
            "entity": inspection.entity,
            "items": list(inspection.task.items.select_related("department").order_by("code")),
            "active": active,
            "ended": ended,
            "info": info,
            "open": open_,
            "may_operate": may_operate and open_,
            "may_reassign": services.may_reassign(user, inspection) and open_,
            "direct_form": DirectAssignForm(initial={"badges": current}),
            "extra_form": ExtraForm(),
            "may_see_draw": scope.can(user, "draws.view")
            and scope.in_scope(user, inspection.draw.scope_path),
        },
    )


def _post_action(request, pk, action):
    inspection = services.get_inspection(request.user, pk)
    try:
        message = action(inspection)
        if message:
            messages.success(request, message)
    except ValidationError as exc:
        _report(request, exc)
    return _back(request, inspection)


@login_required
@require_POST
def inspection_direct(request, pk):
    def action(inspection):
        form = DirectAssignForm(request.POST)
        if not form.is_valid():
            raise ValidationError("直接指派须填写执法证号并写明原因")
        services.assign_directly(
            inspection, request.user, form.cleaned_data["badges"], form.cleaned_data["reason"]
        )
        return f"已直接指派（{inspection.name}）"

    return _post_action(request, pk, action)


@login_required
@require_POST
def inspection_cross_region(request, pk):
    def action(inspection):
        services.match_cross_region(inspection, request.user)
        return f"已跨区域匹配（{inspection.name}）"

    return _post_action(request, pk, action)


@login_required
@require_POST
def inspection_reassign(request, pk):
    def action(inspection):
        form = ReassignForm(request.POST)
        if not form.is_valid():
            raise ValidationError("调整检查人员须写明原因")
        person = inspection.assignments.filter(
            inspector_id=form.cleaned_data["inspector"], active=True
        ).first()
        if person is None:
            raise ValidationError("该人员不在检查组中")
        new = services.reassign(
            inspection, request.user, person.inspector, form.cleaned_data["reason"]
        )
        if new is None:
            return "已调出；没有符合条件的替换人员，请直接指派或跨区域匹配"
        return f"已调整：由 {new.name}（{new.badge_no}）替换"

    return _post_action(request, pk, action)


@login_required
@require_POST
def inspection_extra(request, pk):
    def action(inspection):
        form = ExtraForm(request.POST)
        if not form.is_valid():
            raise ValidationError("请填写人员编号")
        badge = form.cleaned_data["badge"].strip()
        person = scope.scoped(Inspector.objects.all(), request.user).filter(badge_no=badge).first()
        if person is None:
            raise ValidationError(f"检查人员不存在或不在您的辖区内：{badge}")
        services.add_extra(inspection, request.user, person, form.cleaned_data["reason"])
        return f"已加入额外成员 {person.name}"

    return _post_action(request, pk, action)


def _dispatched_draw(request, pk):
    draw = draws.get_draw(request.user, pk)
    info = Dispatch.objects.filter(draw=draw).first()
    if info is None:
        raise Http404("本次抽取尚未派发检查")
    return draw, info


@login_required
def draw_matching(request, pk):
    user = request.user
    draw, info = _dispatched_draw(request, pk)
    rows = Inspection.objects.filter(draw=draw).select_related("group", "station", "entity")
    only_problems = request.GET.get("problems") == "1"
    if only_problems:
        rows = rows.filter(needs_action=True)
    q = request.GET.get("q", "").strip()
    if q:
        rows = rows.filter(Q(uid__icontains=q) | Q(name__icontains=q))
    page, querystring = paginate(request, rows.order_by("rank"), per_page=100)
    members = services.members_by_inspection([i.pk for i in page])
    flagged = [i.uid for i in page if i.match_flags]
    explanations = services.match_explanations(draw, flagged) if flagged else {}
    for i in page:
        i.flag_explanations = explanations.get(i.uid, [])
    may_operate = scope.can(user, "draws.operate") and draw.status == DrawStatus.COMPLETED
    all_rows = Inspection.objects.filter(draw=draw)
    return render(
        request,
        "inspections/draw_matching.html",
        {
            "draw": draw,
            "task": draw.task,
            "info": info,
            "page": page,
            "rows": [(i, members.get(i.pk, [])) for i in page],
            "querystring": querystring,
            "only_problems": only_problems,
            "q": q,
            "total": all_rows.count(),
            "pending": all_rows.filter(needs_action=True).count(),
            "groups": draw.inspection_groups.count(),
            "may_operate": may_operate,
            "next": request.get_full_path(),
        },
    )


def _require_workload(user):
    if not (scope.can(user, "draws.view") or scope.can(user, "work.station")):
        raise PermissionDenied("没有权限查看工作量")


@login_required
def draw_workload(request, pk):
    draw, info = _dispatched_draw(request, pk)  # 辖区外与不存在一样 404
    _require_workload(request.user)
    rows = services.workload(draw)
    return render(
        request,
        "inspections/workload.html",
        {"draw": draw, "info": info, "rows": rows, "title": f"{draw} 的检查人员工作量"},
    )


@login_required
def workload(request):
    _require_workload(request.user)
    rows = services.workload(user=request.user)
    return render(
        request,
        "inspections/workload.html",
        {"draw": None, "rows": rows, "title": "检查人员工作量（未完成的检查）"},
    )


@login_required
def draw_groups_xlsx(request, pk):
    draw, _info = _dispatched_draw(request, pk)
    response = HttpResponse(exporters.groups_xlsx(draw), content_type=exporters.XLSX_TYPE)
    name = draws.download_name(draw, FileKind.RECORD).removesuffix("record.json")
    response["Content-Disposition"] = f'attachment; filename="{name}groups.xlsx"'
    return response
