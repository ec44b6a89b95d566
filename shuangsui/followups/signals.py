"""后续处置阶段发出的事件。后续阶段（信用反馈、统计）在自己的 AppConfig.ready 里接收。

信号在服务的事务里同步发出：接收者抛出的异常使整个操作回滚。
"""

from django.dispatch import Signal

followup_closed = Signal()
"""一项后续处置完结后发出（责令改正经复查、其他措施登记完结）。参数：followup、user。
`followup.result` 是引起它的检查结果（审核通过的版本），`followup.inspection` 是检查对象。"""
