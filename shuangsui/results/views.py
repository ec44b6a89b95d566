"""检查结果的页面：检查对象（录入入口）、事项结果表单（草稿、提交、更正、审核）、待审核、材料文件。"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from shuangsui.catalog import methods as check_methods
from shuangsui.catalog.models import ResultCode
from shuangsui.core import workdays
from shuangsui.inspections import services as inspections
from shuangsui.inspections.models import Assignment

from . import files, services
from .choices import AttachmentKind
from .models import Attachment


def _report(request, exc):
    for message in exc.messages:
        messages.error(request, message)


def _code_rows():
    """结果代码按层级缩进：[(代码, 名称, 层级, 上级代码)]。"""
    codes = list(ResultCode.objects.filter(active=True).values_list("code", "name", "parent__code"))
    parents = {code: parent for code, _name, parent in codes}

    def depth(code):
        n = 0
        parent = parents[code]
        while parent:
            n += 1
            parent = parents.get(parent)  # 停用的上级不再往上数
        return n

    return [(code, name, depth(code), parent or "") for code, name, parent in codes]


def _team(inspection):
    """检查组现有成员（连同人员），执法人员在前。"""
    return list(
        Assignment.objects.filter(inspection=inspection, active=True)
        .select_related("inspector")
        .order_by("-counts_as_officer", "department", "position")
    )


def _decorate(inspection, items, results, user, team):
    enterable = services.enterable(user, inspection, items, team)
    rows = []
    for item in items:
        r = results.get(item.pk)
        rows.append(
            {
                "item": item,
                "result": r,
                "may_enter": item.pk in enterable,
                "may_review": bool(r) and services.may_review(user, r),
                "on_site": services.requires_on_site(item),
            }
        )
    return rows


def _deadline_rows(inspection, results):
    today = timezone.localdate()
    done = inspection.status == "completed"
    out = []
    for label, date, why in services.deadlines(inspection, results):
        state = services.check_deadline_state(date, today, done) if date else ""
        out.append({"label": label, "date": date, "why": why, "state": state})
    return out


@login_required
def target(request, pk):
    user = request.user
    inspection = inspections.get_inspection(user, pk)
    items = services.items_of(inspection)
    results = services.current_versions(inspection)
    entity = inspection.entity
    others = []
    if entity:
        others = list(services.entity_results(user, entity).exclude(inspection=inspection))
    team = _team(inspection)
    may_replace = (
        inspections.may_reassign(user, inspection)
        and inspection.status in ("pending", "in_progress")
        and services.replaceable(inspection)
    )
    return render(
        request,
        "results/target.html",
        {
            "inspection": inspection,
            "entity": entity,
            "rows": _decorate(inspection, items, results, user, team),
            "deadlines": _deadline_rows(inspection, results),
            "team": team,
            "others": others,
            "may_replace": may_replace,
            "written_first": any(services.written_first(inspection, i) for i in items),
            # 从未有结果审核通过时不会有后续处置，不必查
            "followups": services.ever_approved(results),
        },
    )


def _form_data(request):
    post = request.POST

    def date(name):
        value = post.get(name, "").strip()
        if not value:
            return None
        try:
            return timezone.datetime.fromisoformat(value).date()
        except ValueError as exc:
            raise ValidationError(f"日期“{value}”应形如 2026-09-30") from exc

    return {
        "checked_from": date("checked_from"),
        "checked_to": date("checked_to"),
        "methods": post.getlist("methods"),
        "codes": post.getlist("codes"),
        "facts": post.get("facts", "").strip(),
        "provisions": post.get("provisions", "").strip(),
        "present": [i for i in post.getlist("present") if i.isdigit()],
        "status_confirmed": post.get("status_confirmed") == "1",
    }


def _uploads(request, user, inspection, item):
    count = 0
    for field, kind in (("photos", AttachmentKind.PHOTO), ("documents", None)):
        for upload in request.FILES.getlist(field):
            chosen = kind or request.POST.get("document_kind") or AttachmentKind.SITE_RECORD
            if chosen not in AttachmentKind.values:
                chosen = AttachmentKind.OTHER
            services.attach(user, inspection, item, upload, chosen)
            count += 1
    return count


@login_required
def result_form(request, pk, item_pk):
    user = request.user
    inspection = inspections.get_inspection(user, pk)
    item = get_object_or_404(inspection.task.items.select_related("department"), pk=item_pk)
    if request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            if action in ("save", "submit"):
                data = _form_data(request)
                if action == "save":
                    services.save_draft(user, inspection, item, data)
                    n = _uploads(request, user, inspection, item)
                    messages.success(request, "已保存草稿" + (f"，上传 {n} 个文件" if n else ""))
                else:
                    _uploads(request, user, inspection, item)
                    result = services.submit(user, inspection, item, data)
                    messages.success(request, f"已提交（{result.get_status_display()}）")
                    return redirect("result-target", pk=inspection.pk)
            elif action == "correct":
                current = services.current_results(inspection).get(item.pk)
                if current is None:
                    raise ValidationError("尚无结果可更正")
                services.correct(user, current, request.POST.get("reason", ""))
                messages.success(request, "已建立更正版本，请修改后提交审核")
            elif action in ("approve", "return"):
                current = services.current_results(inspection).get(item.pk)
                if current is None:
                    raise ValidationError("尚无结果可审核")
                if action == "approve":
                    services.approve(user, current)
                    messages.success(request, "已审核通过")
                else:
                    services.return_result(user, current, request.POST.get("reason", ""))
                    messages.success(request, "已退回检查人员")
                return redirect("result-target", pk=inspection.pk)
            elif action == "remove":
                attachment = get_object_or_404(
                    Attachment, pk=request.POST.get("attachment"), result__inspection=inspection
                )
                services.remove_attachment(user, attachment)
                messages.success(request, "已删除材料")
        except ValidationError as exc:
            _report(request, exc)
        except PermissionDenied as exc:
            messages.error(request, str(exc) or "没有权限")
        return redirect("result-form", pk=inspection.pk, item_pk=item.pk)
    results = services.current_versions(inspection)
    result = results.get(item.pk)
    if result is not None:
        services.with_people_and_files(result, item)
    team = _team(inspection)
    may_enter = item.pk in services.enterable(user, inspection, [item], team)
    editable = may_enter and (result is None or result.editable)
    if result is not None:
        present = {p.pk for p in result.present.all()}
    else:  # 新结果默认本人和同组执法人员到场
        present = {a.inspector_id for a in team if a.counts_as_officer}
    errors = services.problems(result) if result is not None and result.editable else []
    return render(
        request,
        "results/result_form.html",
        {
            "inspection": inspection,
            "entity": inspection.entity,
            "item": item,
            "result": result,
            "editable": editable,
            "may_enter": may_enter,
            "may_review": bool(result) and services.may_review(user, result),
            "may_correct": may_enter and result is not None and result.status == "approved",
            # 第 1 版之前没有旧版本（更正才产生新版本）
            "history": services.history(inspection, item, current=False)
            if result is not None and result.version > 1
            else [],
            "methods": check_methods.choices(keep=result.method_list if result else ()),
            "chosen_methods": set(result.method_list) if result else set(),
            "codes": _code_rows(),
            "chosen_codes": set(result.code_list) if result else set(),
            "team": team,
            "present": present,
            "on_site": services.requires_on_site(item),
            "written_first": services.written_first(inspection, item),
            "today": timezone.localdate(),
            "errors": errors,
            "document_kinds": [
                (k, v) for k, v in AttachmentKind.choices if k != AttachmentKind.PHOTO
            ],
            "deadlines": _deadline_rows(inspection, results),
        },
    )


@login_required
def review_list(request):
    user = request.user
    rows = list(services.review_queue(user)[:200])
    calendar = workdays.Calendar()
    today = timezone.localdate()
    for r in rows:
        region = services.rules(r.inspection)
        date, why = workdays.safe_deadline(
            timezone.localtime(r.submitted_at).date() if r.submitted_at else None,
            region.review_days,
            True,
            calendar,
        )
        r.review_deadline, r.review_why = date, why
        r.deadline_state = services.check_deadline_state(date, today)
    return render(request, "results/review_list.html", {"rows": rows})


@login_required
def attachment_file(request, pk, thumb=False):
    attachment = get_object_or_404(Attachment.objects.select_related("result"), pk=pk)
    if not services.visible_results(request.user).filter(pk=attachment.result_id).exists():
        if (
            not services.entity_results(request.user, attachment.result.inspection.entity)
            .filter(pk=attachment.result_id)
            .exists()
        ):
            raise Http404("材料不存在或不在您的辖区内")
    rel = attachment.thumbnail if thumb and attachment.thumbnail else attachment.path
    try:
        handle = files.open_file(rel)
    except FileNotFoundError as exc:
        raise Http404("文件已不在数据目录中") from exc
    content_type = "image/jpeg" if thumb and attachment.thumbnail else attachment.content_type
    response = FileResponse(handle, content_type=content_type)
    disposition = (
        "inline" if attachment.is_image or content_type == "application/pdf" else "attachment"
    )
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{_quote(attachment.name)}"
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _quote(name):
    from urllib.parse import quote

    return quote(name)


@login_required
@require_POST
def replace(request, pk):
    inspection = inspections.get_inspection(request.user, pk)
    try:
        if not services.replaceable(inspection):
            raise ValidationError("已有审核通过的结果，不能替换")
        new = inspections.replace_with_reserve(inspection, request.user, request.POST.get("reason"))
        messages.success(request, f"已由备选第{new.rank}名 {new.name} 替换")
        return redirect("result-target", pk=new.pk)
    except ValidationError as exc:
        _report(request, exc)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("result-target", pk=inspection.pk)


def task_progress_context(request, task, n_items=None):
    """任务页用：检查进度与逾期、即将到期的对象（任务还没有检查对象时为空）。"""
    progress = services.progress(task, n_items)
    # 有有效的检查对象就显示；没有时只在有过检查对象（抽取已作废、对象已取消）时显示
    if not progress["drawn"] and not task.inspections.exists():
        return {}
    return {"progress": progress, "overdue": progress["overdue"], "due_soon": progress["due_soon"]}
