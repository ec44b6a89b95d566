"""把前面各阶段的事件接到信用反馈上（在 CreditConfig.ready 里连接）。

`connect(signal, event, arg)`：信号参数 `arg` 是引起调整的记录（检查结果、列异、后续处置……），
信号在发出方的事务里同步处理，建议与之一同提交或回滚。新的事件接上只需一行。
"""

from . import services
from .choices import RuleEvent


def connect(signal, event, arg):
    def receive(sender, user=None, **kwargs):
        obj = kwargs[arg]
        if event == RuleEvent.RESULT_APPROVED:
            cause = services.result_cause(obj)
        else:
            cause = services.object_cause(event, obj)
        services.propose(event, cause, user=user)

    signal.connect(receive, weak=False, dispatch_uid=f"credit.{event}")
    return receive
