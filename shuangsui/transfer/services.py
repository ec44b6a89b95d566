"""批量导入：市场主体、检查人员、抽查事项。页面、命令行和 API 都调用这里的 `run_import`。

每种数据一个模块（`importers/entities.py`、`inspectors.py`、`items.py`），建在共用的
`importers/core.py` 上（读文件与表头、逐行校验、全有或全无、审计事件）。
一次导入要么全部写入，要么一行也不写：任何一行有错，就收集所有错误（行号、列、值、原因）
并抛出 `ImportFailed`，事务回滚。每次成功的导入写一条审计事件（不逐行记）。

大批量的市场主体导入在提交之后才补建名称检索索引与名录筛选索引（`result.index_pending`）：`run_import` 排入一个
后台任务（`build_index="now"` 时就在本进程里建，命令行用）；其间名称检索照样答，只是慢些。
"""

from shuangsui.core import audit, scope
from shuangsui.core.models import OrgUnit
from shuangsui.directory import search
from shuangsui.jobs import services as job_services
from shuangsui.jobs.choices import JobState
from shuangsui.jobs.models import Job

from . import specs
from .importers.core import (
    MODE_LABELS,
    MODES,
    ImportFailed,
    ImportResult,
    RowError,
    format_error,
)
from .importers.entities import import_entities
from .importers.inspectors import import_inspectors
from .importers.items import import_items, parse_ratio

__all__ = [
    "IMPORTERS",
    "MODES",
    "MODE_LABELS",
    "ImportFailed",
    "ImportResult",
    "RowError",
    "format_error",
    "import_entities",
    "import_inspectors",
    "import_items",
    "parse_ratio",
    "run_import",
]

IMPORTERS = {
    "entities": import_entities,
    "inspectors": import_inspectors,
    "items": import_items,
}


def run_import(
    kind,
    source,
    filename="",
    *,
    user=None,
    mode="insert",
    unit=None,
    progress=None,
    build_index="later",
):
    """按种类分派（页面、命令行、API、后台任务共用）。`progress(done, total, stage)` 报告进度。

    `build_index`：导入留下待建的名称检索索引时，"later" 排入后台任务，"now" 在本进程里接着建。"""
    if kind not in IMPORTERS:
        raise ValueError(f"未知的导入种类：{kind}")
    try:
        if kind == "entities":
            result = import_entities(
                source, filename, user=user, mode=mode, unit=unit, progress=progress
            )
            if result.index_pending:
                if build_index == "now":
                    search.build_pending(progress)
                else:
                    schedule_search_index(user)
            return result
        if progress:
            progress(0, 0, "读取、校验并写入")
        result = IMPORTERS[kind](source, filename, user=user, mode=mode, unit=unit)
    except ImportFailed as exc:  # 失败的导入也留痕（数据未写入，只记文件与错误）
        _audit_failure(kind, filename, user, unit, mode, exc)
        raise
    if progress:
        progress(result.rows, result.rows, "完成")
    return result


SEARCH_INDEX_JOB = "transfer.search_index"


def schedule_search_index(user=None):
    """排入补建名称检索索引与筛选索引的后台任务（已有排队或进行中的就不再排）。返回 Job。"""
    waiting = Job.objects.filter(
        kind=SEARCH_INDEX_JOB, state__in=[JobState.QUEUED, JobState.RUNNING]
    ).first()
    if waiting is not None and waiting.state == JobState.QUEUED:
        return waiting
    return job_services.start(SEARCH_INDEX_JOB, user, "更新检索与筛选索引")


def _audit_failure(kind, filename, user, unit, mode, exc):
    spec = {"entities": specs.ENTITY, "inspectors": specs.INSPECTOR, "items": specs.ITEM}[kind]
    scope_path = scope.root_path(user) if user is not None else ""
    if isinstance(unit, str):
        unit = OrgUnit.objects.filter(code=unit).first()
    if unit is not None:
        scope_path = unit.path
    audit.log(
        spec.action.replace(".imported", ".import_failed"),
        actor=user,
        object_type=spec.object_type,
        object_repr=(filename or "（未命名文件）")[:200],
        scope_path=scope_path or "",
        after={
            "file": filename,
            "mode": mode,
            "rows": exc.rows,
            "errors": exc.total,
            "first": exc.lines()[:5],
        },
    )
