"""测试用：在本进程里用真的数据库后端工作进程（django-tasks-db 的 Worker）跑完排队的任务。

与 `db_worker --batch` 相同的取任务、认领、运行（`Worker.run_task`），只是不在每轮前后
`close_old_connections()`：TestCase 把整个测试包在一个事务里，关掉连接会把它弄坏。
工作进程作为独立进程的端到端运行见 shuangsui/tests/test_browser_jobs.py。
"""

from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction


def run_queued(max_tasks=None):
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    count = 0
    while max_tasks is None or count < max_tasks:
        tasks = DBTaskResult.objects.ready().filter(backend_name="default")
        with exclusive_transaction(tasks.db):
            task_result = tasks.get_locked()
            if task_result is not None:
                task_result.claim(worker.worker_id)
        if task_result is None:
            return count
        worker.run_task(task_result)
        count += 1
    return count
