"""列异前提醒的短信发送：可替换的发送器。

设置 `SMS_SENDER` 为发送函数的点分路径（环境变量 `SHUANGSUI_SMS_SENDER`），函数签名
`send(number, text) -> (成功与否, 说明)`；默认的发送器只写日志（不真正发送），
接入短信平台时换成自己的函数。
"""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT_SENDER = "shuangsui.listings.sms.log_sender"

logger = logging.getLogger("shuangsui.sms")


def log_sender(number, text):
    logger.info("短信（未真正发送）%s：%s", number, text)
    return True, "默认发送器：已写入日志"


def sender():
    return import_string(getattr(settings, "SMS_SENDER", "") or DEFAULT_SENDER)


def send(number, text):
    ok, detail = sender()(number, text)
    return bool(ok), detail or ""
