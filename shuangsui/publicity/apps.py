from django.apps import AppConfig


class PublicityConfig(AppConfig):
    name = "shuangsui.publicity"
    verbose_name = "公开"

    def ready(self):
        from . import receivers

        receivers.connect()
