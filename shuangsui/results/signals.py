"""检查结果阶段发出的事件。后续阶段（列异、后续处置、信用反馈、公示、统计）在自己的 AppConfig.ready
里接收，结果阶段从不调用它们。

信号在结果服务的事务里同步发出：接收者抛出的异常使整个操作回滚（全部成功或全部不写）。
"""

from django.dispatch import Signal

result_approved = Signal()
"""一条检查结果（某一版本）审核通过后发出（地区不要求审核时，提交即通过）。
参数：result（刚通过的版本；更正时 result.previous 是被更正的旧版本）、user。"""
