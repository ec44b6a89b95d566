"""后台任务页面：进度条（htmx 轮询就地更新；没有脚本时 meta refresh 整页刷新）、结果、列表。"""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render

from . import progress, services
from .choices import JobState

POLL_MS = 700  # 轮询间隔


def _get(request, job_id):
    job = services.visible(request.user).filter(pk=job_id).first()
    if job is None:
        raise Http404("后台任务不存在")
    return job


def _context(job):
    done, total, stage = services.live(job)
    result = job.result or {}
    return {
        "job": job,
        "done": done,
        "total": total,
        "stage": stage,
        "percent": progress.percent(done, total),
        "result": result,
        "has_file": job.state == JobState.DONE and services.output_path(job) is not None,
        "poll_ms": POLL_MS,
    }


def _forward(job):
    """已结束且结果是一个页面（导入结果、抽取页）时，直接打开它。"""
    result = job.result or {}
    if job.finished and result.get("redirect") and result.get("url"):
        return result["url"]
    return None


@login_required
def job_detail(request, job_id):
    job = _get(request, job_id)
    url = _forward(job)
    if url:
        return redirect(url)
    return render(request, "jobs/detail.html", _context(job))


@login_required
def job_progress(request, job_id):
    """htmx 轮询的片段；结束且有结果页时让 htmx 整页转到结果页。"""
    job = _get(request, job_id)
    url = _forward(job)
    if url and request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return render(request, "jobs/_progress.html", _context(job))


@login_required
def job_list(request):
    jobs = list(services.visible(request.user).select_related("owner")[:100])
    rows = []
    for job in jobs:
        done, total, stage = services.live(job)
        rows.append((job, progress.percent(done, total), stage))
    return render(request, "jobs/list.html", {"rows": rows})


@login_required
def job_file(request, job_id):
    job = _get(request, job_id)
    path = services.output_path(job) if job.state == JobState.DONE else None
    if path is None:
        raise Http404("文件不存在或已清理")
    result = job.result or {}
    return FileResponse(
        open(path, "rb"),  # noqa: SIM115 - FileResponse 负责关闭
        as_attachment=True,
        filename=result.get("filename") or path.name,
        content_type=result.get("content_type") or "application/octet-stream",
    )
