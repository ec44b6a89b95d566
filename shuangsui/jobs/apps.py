from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "shuangsui.jobs"
    verbose_name = "后台任务"
