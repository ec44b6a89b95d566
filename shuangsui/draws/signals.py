"""抽取阶段发出的事件。后续阶段（检查实施等）在自己的 AppConfig.ready 里接收，抽取从不调用它们。

三个信号都在抽取服务的事务里同步发出：接收者抛出的异常使整个操作回滚（全部成功或全部不写）。
"""

from django.dispatch import Signal

pool_freezing = Signal()
"""冻结名单时、保存检查人员库快照之前发出（先于任何熵）。参数：task、uids（候选对象的 uid）。
接收者返回要一并冻结的匹配参数 dict（如轮换回避 previous、相邻所 neighbours），合并进快照。"""

draw_completed = Signal()
"""抽取完成、记录与抽中对象已保存后发出。参数：draw、user、record（刚算出的抽取记录）。"""

draw_voided = Signal()
"""作废获批、任务已退回“已批准”后发出。参数：draw、user。
接收者可返回 dict（如取消的检查对象户数），合并进 draw.voided 留痕的 after。"""
