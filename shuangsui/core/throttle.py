"""登录限速：同一用户名或同一来源地址在窗口期内的失败次数上限。"""

from django.conf import settings
from django.core.cache import cache


def _keys(username, ip):
    return [f"login-fail:u:{(username or '').lower()}", f"login-fail:ip:{ip or '-'}"]


def blocked(username, ip):
    limit = settings.LOGIN_FAILURE_LIMIT
    return any((cache.get(k) or 0) >= limit for k in _keys(username, ip))


def failed(username, ip):
    for key in _keys(username, ip):
        cache.add(key, 0, settings.LOGIN_FAILURE_WINDOW)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, settings.LOGIN_FAILURE_WINDOW)


def succeeded(username, ip):
    cache.delete(_keys(username, ip)[0])
