"""后台任务（导入、导出、大总体的抽取……）：状态、进度、结果与失败原因。

一条 Job 对应 django-tasks 的一个任务（数据库后端）；工作进程运行它时把进度写进任务目录里的
progress.json（导入在自己的事务里进行，SQLite 同一时刻只有一个写者，进度不能写进同一个库），
结束时把最终的进度、结果或失败原因写回这一行。
"""

import uuid

from django.conf import settings
from django.db import models

from .choices import JobState


class Job(models.Model):
    id = models.UUIDField("编号", primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField("种类", max_length=40)
    title = models.CharField("名称", max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提交人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    scope_path = models.CharField("辖区路径", max_length=255, blank=True, db_index=True)
    params = models.JSONField("参数", default=dict, blank=True)
    state = models.CharField(
        "状态", max_length=10, choices=JobState.choices, default=JobState.QUEUED
    )
    done = models.BigIntegerField("已完成", default=0)
    total = models.BigIntegerField("总量", default=0)
    stage = models.CharField("阶段", max_length=100, blank=True)
    result = models.JSONField("结果", default=dict, blank=True)
    error = models.TextField("失败原因", blank=True)
    worker = models.CharField("工作进程", max_length=120, blank=True)
    task_id = models.CharField("队列任务编号", max_length=64, blank=True)
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state"], name="jobs_job_state_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(done__gte=0) & models.Q(total__gte=0),
                name="jobs_job_counts_nonnegative",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def finished(self):
        return self.state in (JobState.DONE, JobState.FAILED)
