"""导入与大列表的导出作为后台任务：页面提交后由工作进程运行；进度、结果页、错误报告、下载。

导入的全有或全无仍由导入本身的事务保证：失败时一行也不写。导出失败时删掉写了一半的文件。
"""

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from shuangsui.core import audit
from shuangsui.core.models import OrgUnit
from shuangsui.directory import search
from shuangsui.jobs import services as job_services
from shuangsui.jobs.registry import JobFailed, register
from shuangsui.lib import exporters

from . import exports, services, specs
from .reports import ERRORS_SHOWN, save_report


@register("transfer.import", "导入")
def import_job(job, progress):
    params = job.params
    kind = params["kind"]
    spec = specs.SPECS[kind]
    user = job.owner
    if user is None or not user.is_active:
        raise JobFailed("提交人的账号已停用，导入没有进行")
    unit = OrgUnit.objects.filter(pk=params["unit"]).first() if params.get("unit") else None
    url = reverse("import-job-result", args=[kind, job.pk])
    token = audit.set_actor(user)
    try:
        result = services.run_import(
            kind,
            str(job_services.input_path(job, "file")),
            params.get("filename", ""),
            user=user,
            mode=params.get("mode", "insert"),
            unit=unit,
            progress=progress,
        )
    except services.ImportFailed as failure:
        raise JobFailed(
            f"文件中有 {failure.total} 处错误，没有写入任何数据",
            result={
                "url": url,
                "redirect": True,
                "link_label": "查看错误",
                "total": failure.total,
                "rows": failure.rows,
                "errors": [
                    {"row": e.row, "column": e.column, "value": str(e.value), "reason": e.reason}
                    for e in failure.errors[:ERRORS_SHOWN]
                ],
                "token": save_report(user, failure),
            },
        ) from None
    except PermissionDenied as exc:
        raise JobFailed(str(exc) or "没有权限") from None
    finally:
        audit.reset_actor(token)
    return {
        "url": url,
        "redirect": True,
        "link_label": "查看导入结果",
        "rows": result.rows,
        "created": result.created,
        "updated": result.updated,
        "ignored_columns": list(result.ignored_columns or []),
        "summary": [
            [f"{spec.label}（行）", result.rows],
            ["新增", result.created],
            ["更新", result.updated],
        ],
    }


@register(services.SEARCH_INDEX_JOB, "更新检索与筛选索引")
def search_index_job(job, progress):
    """大批量导入提交之后补建名录索引、筛选索引与名称检索索引（其间名录页显示“检索索引更新中”，
    名称检索走慢路径，翻页与筛选不走那些索引）。"""
    done = search.build_pending(progress)
    what = "补入检索索引的主体与建好的索引" if connection.vendor == "sqlite" else "重建的索引"
    return {"summary": [[what, done], ["检索与筛选索引", "已更新"]]}


PROGRESS_EVERY = 2000  # 导出每写这么多行报告一次进度


class _Counted(exporters.Exporter):
    """包一层导出器：逐行照写，顺带报告进度。"""

    def __init__(self, inner, progress, total):
        self.inner, self.progress, self.total = inner, progress, total
        self.columns = inner.columns
        self.sheet_title = inner.sheet_title
        self.filename_stem = inner.filename_stem
        self.caption = inner.caption
        self.widths = inner.widths

    def header(self):
        return self.inner.header()

    def rows(self):
        done = 0
        for row in self.inner.rows():
            yield row
            done += 1
            if done % PROGRESS_EVERY == 0:
                self.progress(done, max(self.total, done), "写出文件")
        self.progress(done, max(self.total, done), "写出文件")


def query_params(get):
    return {key: get.getlist(key) for key in get if key not in ("page", "format")}


def export_filename(spec, fmt):
    return f"{spec.filename_stem}-{timezone.localdate():%Y%m%d}.{fmt}"


@register("transfer.export", "导出")
def export_job(job, progress):
    params = job.params
    kind, fmt = params["kind"], params.get("format", "csv")
    spec = specs.SPECS[kind]
    user = job.owner
    if user is None or not user.is_active:
        raise JobFailed("提交人的账号已停用，导出没有进行")
    query = QueryDict(mutable=True)
    for key, values in (params.get("query") or {}).items():
        query.setlist(key, values)
    progress(0, 0, "查询")
    try:
        exporter = exports.build_exporter(kind, user=user, params=query)
    except PermissionDenied as exc:
        raise JobFailed(str(exc) or "没有权限") from None
    total = exporter.queryset.count() if hasattr(exporter, "queryset") else 0
    name = f"export.{fmt}"
    path = job_services.job_dir(job) / name
    try:
        with open(path, "wb") as fh:
            rows = exporters.write(_Counted(exporter, progress, total), fh, fmt)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return {
        "file": name,
        "filename": export_filename(spec, fmt),
        "content_type": exporters.XLSX_TYPE if fmt == "xlsx" else "text/csv; charset=utf-8",
        "summary": [["行数", rows], ["格式", fmt.upper()]],
    }
