"""检查实施对抽取事件的反应（在 InspectionsConfig.ready 里接上）：都在抽取服务的同一事务里执行。"""

from django.dispatch import receiver

from shuangsui.draws.signals import draw_completed, draw_voided, pool_freezing

from . import services


@receiver(pool_freezing, dispatch_uid="inspections.pool_extras")
def freeze_matching_rules(sender, task, uids, **kwargs):
    """冻结名单时一并冻结轮换回避（previous）与相邻所（neighbours）。"""
    return services.pool_extras(task, uids)


@receiver(draw_completed, dispatch_uid="inspections.dispatch")
def dispatch_completed_draw(sender, draw, user, record=None, **kwargs):
    """抽取完成即派发：检查组、检查对象与指派。"""
    services.dispatch(draw, user, record=record)


@receiver(draw_voided, dispatch_uid="inspections.cancel_for_void")
def cancel_voided_draw(sender, draw, user, **kwargs):
    """抽取作废，其检查对象随之取消；取消的户数记入 draw.voided 留痕。"""
    return {"inspections_cancelled": services.cancel_for_void(draw, user)}
