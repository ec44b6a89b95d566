from django.apps import AppConfig


class DrawsConfig(AppConfig):
    name = "shuangsui.draws"
    verbose_name = "随机抽取"

    def ready(self):
        from shuangsui.core import scope
        from shuangsui.directory.models import Entity

        from . import (
            jobs,  # noqa: F401  登记后台任务的种类（大总体的抽取）
            receivers,  # noqa: F401  接收计划阶段的事件
            services,
        )
        from .models import Draw, DrawnTarget, DrawParty

        # 联合部门只见本部门参与的任务的抽取与抽中对象；名录库里只见这些对象（含联系方式）
        scope.register_participation(Draw, services.draw_participation)
        scope.register_participation(DrawParty, services.draw_row_participation)
        scope.register_participation(DrawnTarget, services.draw_row_participation)
        scope.register_participation(Entity, services.entity_participation)
