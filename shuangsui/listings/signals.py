"""列异阶段发出的事件。后续阶段（信用反馈、公示）在自己的 AppConfig.ready 里接收。

信号在服务的事务里同步发出：接收者抛出的异常使整个操作回滚。
"""

from django.dispatch import Signal

listing_approved = Signal()
"""局审批通过、主体列入经营异常名录（个体工商户标记为经营异常状态）后发出。参数：listing、user。"""

listing_removed = Signal()
"""移出申请经局审批通过、主体移出经营异常名录（或恢复正常记载状态）后发出。参数：listing、user。"""
