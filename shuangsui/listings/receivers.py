"""对前一阶段事件的反应：检查结果审核通过、邮寄结果登记（在 AppConfig.ready 里接上）。"""

from . import services


def on_result_approved(sender, result, user, **kwargs):
    services.react_to_result(result, user)


def on_mailing_outcome(sender, mailing, user, **kwargs):
    services.react_to_mailing(mailing, user)
