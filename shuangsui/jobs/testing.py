"""测试用：在本进程里用真的数据库后端工作进程（django-tasks-db 的 Worker）跑完排队的任务。"""

from django_tasks_db.management.commands.db_worker import Worker


def run_queued(max_tasks=None):
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()
