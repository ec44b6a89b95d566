"""django-tasks 的任务：一个通用入口，按 Job 的种类分派（种类由各应用登记）。"""

from django_tasks import task

from . import services


@task()
def run_job(job_id):
    return services.execute(job_id)
