"""告知与送达的页面：告知书（打印页、.docx、一个所的批量 .docx）与邮寄登记。"""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from shuangsui.core import scope
from shuangsui.core.models import OrgUnit
from shuangsui.inspections import services as inspections
from shuangsui.plans.models import Task

from . import services
from .forms import MailingForm, OutcomeForm
from .models import Mailing

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _docx(content, filename):
    response = HttpResponse(content, content_type=DOCX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


def _errors(request, exc):
    for message in exc.messages:
        messages.error(request, message)


@login_required
def mailing_page(request, pk):
    inspection = inspections.get_inspection(request.user, pk)
    now = services.state(inspection)
    return render(
        request,
        "notices/mailings.html",
        {
            "inspection": inspection,
            "state": now,
            "may_record": services.may_record(request.user, inspection),
            "form": MailingForm(),
            "outcome_form": OutcomeForm(),
            "returned_twice": services.returned_twice(inspection),
            # 批量下载按用户可见的对象：检查人员只得到自己的，所以只给所长与抽查操作人员看这个链接
            "may_batch": bool(scope.capabilities(request.user) & {"work.station", "draws.view"}),
        },
    )


@login_required
def notice_page(request, pk):
    inspection = inspections.get_inspection(request.user, pk)
    return render(
        request, "notices/notice_print.html", {"notices": [services.notice_context(inspection)]}
    )


@login_required
def notice_docx(request, pk):
    inspection = inspections.get_inspection(request.user, pk)
    return _docx(services.render_notices([inspection]), f"notice-{inspection.uid}.docx")


@login_required
def batch_docx(request, pk):
    """一个任务在某所（?station=代码）或用户辖区内全部检查对象的告知书，一个 .docx。"""
    task = Task.objects.filter(pk=pk).first()
    if task is None:
        raise Http404("记录不存在或不在您的辖区内")
    station = None
    code = request.GET.get("station", "")
    if code:
        station = OrgUnit.objects.filter(code=code).first()
        if station is None:
            raise Http404("没有这个所")
    rows = services.station_batch(request.user, task, station)
    if not rows:  # 任务或所在辖区外：403 与原因（与其他页面一样）；辖区内没有对象：404
        scope.refuse_existing(not scope.in_scope(request.user, task.scope_path), request.user)
        raise Http404("没有可生成告知书的检查对象")
    if request.GET.get("format") == "html":
        return render(
            request,
            "notices/notice_print.html",
            {"notices": [services.notice_context(i) for i in rows]},
        )
    name = f"notices-{task.code}{'-' + code if code else ''}.docx"
    return _docx(services.render_notices(rows), name)


def _record(request, inspection, form, record, done):
    """校验表单并登记（邮寄或其结果）：错误逐条提示，成功提示 `done`；都回到该对象的邮寄页。"""
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
    else:
        try:
            record(request.user, **form.cleaned_data)
            messages.success(request, done)
        except ValidationError as exc:
            _errors(request, exc)
    return redirect("notice-mailings", pk=inspection.pk)


@login_required
@require_POST
def mailing_add(request, pk):
    inspection = inspections.get_inspection(request.user, pk)
    record = partial(services.record_mailing, inspection)
    return _record(request, inspection, MailingForm(request.POST), record, "已登记邮寄")


@login_required
@require_POST
def mailing_outcome(request, pk):
    mailing = Mailing.objects.filter(pk=pk).first()
    if mailing is None:
        raise Http404("记录不存在或不在您的辖区内")
    inspection = inspections.get_inspection(request.user, mailing.inspection_id)
    record = partial(services.record_outcome, mailing)
    return _record(request, inspection, OutcomeForm(request.POST), record, "已登记邮寄结果")
