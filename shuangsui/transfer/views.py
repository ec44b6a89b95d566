"""导入导出页面：上传 → 结果（成功计数，或错误表 + 错误报告下载）；按列表页筛选导出。"""

import re

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from shuangsui.core import scope
from shuangsui.core.choices import UnitLevel
from shuangsui.jobs import services as job_services
from shuangsui.jobs.choices import JobState
from shuangsui.lib import exporters
from shuangsui.lib.tabular import human_size

from . import exports, services, specs, uploads
from . import jobs as transfer_jobs
from .reports import report_dir as _report_dir

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
UNIT_LABELS = {"entities": "默认所属单位", "inspectors": "默认所在单位", "items": "制定单位"}


def _spec(kind):
    spec = specs.SPECS.get(kind)
    if spec is None:
        raise Http404("没有这种导入导出")
    return spec


class ImportForm(forms.Form):
    file = forms.FileField(label="文件（CSV 或 XLSX）")
    mode = forms.ChoiceField(
        label="方式",
        choices=[
            ("insert", "仅新增（已有的记录视为错误）"),
            ("upsert", "新增并更新已有（按代码/证号/编号匹配）"),
        ],
        initial="insert",
        widget=forms.RadioSelect,
    )
    unit = forms.ModelChoiceField(label="默认单位", queryset=None, required=False)

    def __init__(self, *args, spec, user, **kwargs):
        super().__init__(*args, **kwargs)
        units = scope.units_in_scope(user).exclude(level=UnitLevel.DEPARTMENT)
        self.fields["unit"].queryset = units
        self.fields["unit"].label = UNIT_LABELS[spec.kind]
        self.fields["unit"].empty_label = (
            "（默认为您所在的县（区）局）" if spec.kind == "items" else "（以文件中的单位列为准）"
        )
        self.fields["file"].widget.attrs["accept"] = ".csv,.xlsx,text/csv"


@csrf_exempt
@login_required
def import_page(request, kind):
    """上传页面与结果。先装上大小限制的上传处理器，再做 CSRF 检查（Django 文档的做法）。"""
    spec = _spec(kind)
    if request.method == "POST":
        scope.require(request.user, spec.import_capability)
        if uploads.guard(request):  # 声明的长度已超限：请求体一个字节也不读
            return _too_large(request, spec)
    return _import_page(request, spec)


def _limit():
    return uploads.limit()


def _too_large(request, spec):
    context = {
        "spec": spec,
        "limit": human_size(_limit()),
        "columns": spec.columns,
        "form": ImportForm(spec=spec, user=request.user),
        "too_large": uploads.message(),
    }
    return render(request, "transfer/import.html", context, status=413)


@csrf_protect
def _import_page(request, spec):
    user = request.user
    scope.require(user, spec.import_capability)
    context = {"spec": spec, "limit": human_size(_limit()), "columns": spec.columns}
    if request.method != "POST":
        context["form"] = ImportForm(spec=spec, user=user)
        return render(request, "transfer/import.html", context)
    form = ImportForm(request.POST, request.FILES, spec=spec, user=user)
    context["form"] = form
    if uploads.too_large(request):  # 收到上限就停了
        return _too_large(request, spec)
    if not form.is_valid():
        return render(request, "transfer/import.html", context, status=400)
    upload = form.cleaned_data["file"]
    unit = form.cleaned_data["unit"]
    job = job_services.start(
        "transfer.import",
        user,
        f"导入{spec.label}：{upload.name}",
        params={
            "kind": spec.kind,
            "filename": upload.name,
            "mode": form.cleaned_data["mode"],
            "unit": unit.pk if unit else None,
        },
        files={"file": upload},
    )
    return redirect("job-detail", job.pk)


@login_required
def import_job_result(request, kind, job_id):
    """后台导入的结果：成功计数，或错误表 + 错误报告下载。"""
    spec = _spec(kind)
    job = job_services.visible(request.user).filter(pk=job_id, kind="transfer.import").first()
    if job is None or job.params.get("kind") != kind or not job.finished:
        raise Http404("导入任务不存在或尚未结束")
    data = job.result or {}
    context = {
        "spec": spec,
        "job": job,
        "filename": job.params.get("filename", ""),
        "mode_label": services.MODE_LABELS.get(job.params.get("mode"), ""),
    }
    if job.state == JobState.DONE:
        context["result"] = data
    elif "errors" in data:
        errors = data["errors"]
        context.update(
            errors=errors,
            total=data.get("total", len(errors)),
            rows=data.get("rows", 0),
            token=data.get("token", "") if job.owner_id == request.user.pk else "",
        )
    else:
        context["failure"] = job.error
    return render(request, "transfer/result.html", context)


@login_required
def import_template(request, kind, fmt):
    """导入模板（只有表头）。"""
    spec = _spec(kind)
    scope.require(request.user, spec.import_capability)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    exporter = exports.TemplateExporter(spec)
    return exporters.http_response(exporter, fmt, f"{exporter.filename_stem}.{fmt}")


@login_required
def import_report(request, kind, token):
    """下载自己的导入错误报告。"""
    spec = _spec(kind)
    if not _TOKEN.match(token):
        raise Http404
    path = _report_dir() / f"{request.user.pk}-{token}.xlsx"
    if not path.is_file():
        raise Http404("错误报告不存在或已过期（保存 24 小时）")
    return FileResponse(
        open(path, "rb"),  # noqa: SIM115 - FileResponse 负责关闭
        as_attachment=True,
        filename=f"{spec.label}导入错误报告.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@login_required
def export_download(request, kind):
    """按列表页的筛选条件导出（?format=xlsx 导出 XLSX，默认 CSV）。"""
    spec = _spec(kind)
    fmt = request.GET.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        fmt = "csv"
    exporter = exports.build_exporter(kind, user=request.user, params=request.GET)
    queryset = getattr(exporter, "queryset", None)
    if queryset is not None and queryset.count() > settings.EXPORT_BACKGROUND_ROWS:
        # 大列表在后台写成文件：任务页显示进度，写完给下载链接
        job = job_services.start(
            "transfer.export",
            request.user,
            f"导出{spec.label}（{fmt.upper()}）",
            params={"kind": kind, "format": fmt, "query": transfer_jobs.query_params(request.GET)},
        )
        return redirect("job-detail", job.pk)
    stamp = timezone.localdate().strftime("%Y%m%d")
    return exporters.http_response(exporter, fmt, f"{spec.filename_stem}-{stamp}.{fmt}")
