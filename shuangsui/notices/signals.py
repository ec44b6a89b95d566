"""告知与送达阶段发出的事件。后续阶段（如列入经营异常名录）在自己的 AppConfig.ready 里接收。

信号在服务的事务里同步发出：接收者抛出的异常使整个操作回滚。
"""

from django.dispatch import Signal

mailing_outcome_recorded = Signal()
"""一次邮寄的结果（送达或退回）登记后发出。参数：mailing、user。
两次都被退回时可用 `notices.services.returned_twice(mailing.inspection)` 判断。"""
