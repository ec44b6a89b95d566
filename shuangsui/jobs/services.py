"""后台任务：提交、运行、查看范围、清理中断的任务。页面、工作进程共用。

提交（`start`）只建一行 Job、把上传的文件存进任务目录、排入 django-tasks 的队列；工作进程
（`shuangsui jobs_worker`）取出后调用 `execute`。命令行不经队列，直接在本进程里跑同一个函数
（见各应用的命令）。
"""

import logging
import os
import shutil
import socket
from pathlib import Path

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from shuangsui.core import scope
from shuangsui.core.choices import Role

from . import progress, registry
from .choices import JobState
from .models import Job

logger = logging.getLogger(__name__)

# 除本人提交的以外，还能看到本辖区所有后台任务的角色
OVERSEERS = {Role.ADMIN, Role.STATION_HEAD}
INPUT_PREFIX = "input-"


def jobs_root():
    return Path(settings.JOBS_DIR)


def job_dir(job):
    path = jobs_root() / str(job.pk)
    path.mkdir(parents=True, exist_ok=True)
    return path


def input_path(job, name):
    return job_dir(job) / f"{INPUT_PREFIX}{name}"


def start(kind, user, title, params=None, files=None):
    """提交一个后台任务；`files` 为 {名称: 上传文件}，存进任务目录。返回 Job。"""
    registry.get(kind)
    job = Job.objects.create(
        kind=kind,
        title=title[:200],
        owner=user,
        scope_path=getattr(user, "scope_path", "") or "",
        params=params or {},
    )
    for name, upload in (files or {}).items():
        with open(input_path(job, name), "wb") as fh:
            if hasattr(upload, "chunks"):
                for chunk in upload.chunks():
                    fh.write(chunk)
            else:
                fh.write(upload)
    from .tasks import run_job

    result = run_job.enqueue(str(job.pk))
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id))
    job.task_id = str(result.id)
    return job


def worker_name():
    return f"{socket.gethostname()}:{os.getpid()}"


def execute(job_id):
    """工作进程里运行一个任务：标记进行中，调登记的函数，记下结果或失败原因。"""
    job = Job.objects.filter(pk=job_id).first()
    if job is None or job.state != JobState.QUEUED:
        return None
    label, fn = registry.KINDS.get(job.kind, (None, None))
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING, started_at=now, worker=worker_name(), stage="开始"
    )
    job.state = JobState.RUNNING
    report = progress.FileProgress(job_dir(job) / "progress.json")
    last = [0, 0, "开始"]

    def tracked(done, total, stage=""):
        last[:] = [done, total, stage]
        report(done, total, stage)

    fields = {}
    try:
        if fn is None:
            raise registry.JobFailed(f"未知的后台任务种类：{job.kind}")
        result = fn(job, tracked) or {}
        fields = {"state": JobState.DONE, "result": result, "stage": "完成"}
        if last[1]:
            last[0] = last[1]
    except registry.JobFailed as failure:
        fields = {"state": JobState.FAILED, "error": failure.message, "result": failure.result}
        fields["stage"] = last[2]
    except Exception as exc:  # noqa: BLE001 - 任何意外都要记成失败，不能让任务停在“进行中”
        logger.exception("后台任务 %s 出错", job.pk)
        fields = {
            "state": JobState.FAILED,
            "error": f"内部错误（{type(exc).__name__}：{exc}），没有写入任何数据",
            "stage": last[2],
        }
    Job.objects.filter(pk=job.pk).update(
        done=last[0], total=last[1], finished_at=timezone.now(), **fields
    )
    _drop_inputs(job)
    return fields["state"]


def _drop_inputs(job):
    folder = jobs_root() / str(job.pk)
    for path in folder.glob(f"{INPUT_PREFIX}*"):
        try:
            path.unlink()
        except OSError:
            pass
    try:
        (folder / "progress.json").unlink()
    except OSError:
        pass


def live(job):
    """(已完成, 总量, 阶段)：进行中的读工作进程的 progress.json，其余读库里的值。"""
    if job.state == JobState.RUNNING:
        found = progress.read(jobs_root() / str(job.pk) / "progress.json")
        if found:
            return found
    return job.done, job.total, job.stage


def visible(user):
    """用户能看到的后台任务：本人提交的；系统管理员和所长另见本辖区的。从不跨县（区）。"""
    if user is None or not user.is_authenticated or not user.is_active:
        return Job.objects.none()
    condition = Q(owner=user)
    path = scope.root_path(user)
    if user.role in OVERSEERS and path:
        condition |= scope.under(path)
    return Job.objects.filter(condition)


def _alive(pid):
    if pid == os.getpid():
        return False  # 记录的是本进程号：那个进程早已不在，号被重用了
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def fail_orphans():
    """工作进程启动时调用：本机上已经不在的工作进程留下的“进行中”任务记为失败。返回条数。"""
    host = socket.gethostname()
    count = 0
    for job in Job.objects.filter(state=JobState.RUNNING):
        name, _, pid = job.worker.rpartition(":")
        if name != host or not pid.isdigit() or _alive(int(pid)):
            continue
        done, total, stage = live(job)
        updated = Job.objects.filter(pk=job.pk, state=JobState.RUNNING).update(
            state=JobState.FAILED,
            error="后台进程中途退出，任务没有完成；没有写入任何数据，请重新提交",
            finished_at=timezone.now(),
            done=done,
            total=total,
            stage=stage,
        )
        if updated:
            count += 1
            _fail_task_row(job.task_id)
            _drop_inputs(job)
    return count


def _fail_task_row(task_id):
    if not task_id:
        return
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(pk=task_id, status="RUNNING").update(
        status="FAILED", finished_at=timezone.now()
    )


def output_path(job):
    name = (job.result or {}).get("file")
    if not name or "/" in name or name.startswith("."):
        return None
    path = jobs_root() / str(job.pk) / name
    return path if path.is_file() else None


def remove(job):
    shutil.rmtree(jobs_root() / str(job.pk), ignore_errors=True)
    job.delete()
