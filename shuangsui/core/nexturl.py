"""登录后、操作后的跳转目标（`next`）：只许跳回本站。"""

from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, target, fallback):
    """`target` 是本站地址时返回它，否则返回 `fallback`（视图名或地址）。

    指向别的主机（`https://evil.example/x`、`//evil.example/x`、`/\\evil.example`）、
    别的协议（`javascript:`、`data:`）或在 HTTPS 页面上指向 http 的，一律不跟随。
    """
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(fallback)
