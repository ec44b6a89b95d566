"""导入作为后台任务：页面提交后由工作进程运行；进度、结果页、错误报告。

全有或全无仍由导入本身的事务保证：失败时一行也不写。
"""

from django.core.exceptions import PermissionDenied
from django.urls import reverse

from shuangsui.core import audit
from shuangsui.core.models import OrgUnit
from shuangsui.jobs import services as job_services
from shuangsui.jobs.registry import JobFailed, register

from . import services, specs
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
