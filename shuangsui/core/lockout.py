"""登录限速（django-axes）：同一用户名、同一来源地址各自计数，各有上限，所有登录入口共用。

- 计数存数据库（各 worker 共享，重启不丢）；配置了 Redis 缓存时存 Redis。
- 用户名上限 `AXES_FAILURE_LIMIT`（默认 5），地址上限 `LOGIN_FAILURE_LIMIT_PER_ADDRESS`（默认 30，
  一个单位的出口地址不会因一个人输错而全体被锁）。axes 只有一个上限，这里把每种计数按各自上限
  折算后交给它比较：n 次失败折算为 ⌊n × 用户名上限 ÷ 本项上限⌋，达到用户名上限即等于本项达到上限。
- 登录成功只清这个用户名的计数：同一地址后面被锁的别人仍按自己的计数。
- 被拒的尝试不再累加（不延长锁定），但照样写入审计；达到上限时另记一条“锁定”。
- 来源地址：默认 REMOTE_ADDR；只有 REMOTE_ADDR 属于 `TRUSTED_PROXIES` 时才看 X-Forwarded-For。
"""

import hashlib
import ipaddress

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.handlers.cache import AxesCacheHandler
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import (
    get_cache_timeout,
    get_client_username,
    get_cool_off,
    get_failure_limit,
    get_lockout_parameters,
)
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.shortcuts import render

from . import audit

LOCKED_MESSAGE = "登录失败次数过多，账号或所在网络已被暂时锁定，请 {minutes} 分钟后再试。"


# ---- 来源地址 ----


def _networks():
    nets = []
    for item in getattr(settings, "TRUSTED_PROXIES", []) or []:
        try:
            nets.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            continue
    return nets


def _trusted(addr, nets):
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return False
    return any(ip in net for net in nets)


def client_ip(request):
    """请求的来源地址。只有直接连来的是受信任的代理时，才从 X-Forwarded-For 右起找第一个不受信任的地址。"""
    remote = request.META.get("REMOTE_ADDR") or None
    nets = _networks()
    if not nets or not remote or not _trusted(remote, nets):
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if _trusted(hop, nets):
            continue
        try:
            return str(ipaddress.ip_address(hop))
        except ValueError:
            return remote
    return remote


# ---- 上限 ----


def limits():
    return {
        "username": int(settings.AXES_FAILURE_LIMIT),
        "ip_address": int(getattr(settings, "LOGIN_FAILURE_LIMIT_PER_ADDRESS", 30)),
    }


def _scaled(counts, base):
    """各项计数按各自上限折算到 axes 的单一上限 base。"""
    caps = limits()
    return max([n * base // max(1, caps.get(p, base)) for p, n in counts.items()] or [0])


def cooloff_minutes(request=None):
    delta = get_cool_off(request)
    return max(1, int(delta.total_seconds() // 60)) if delta else 15


def lockout_response(request, original_response=None, credentials=None):
    """被锁时的回应：登录页（中文说明），HTTP 429。/login/ 与 /admin/login/ 一样。"""
    from .forms import LoginForm

    form = LoginForm(initial={"username": get_client_username(request, credentials) or ""})
    message = LOCKED_MESSAGE.format(minutes=cooloff_minutes(request))
    return render(request, "core/login.html", {"form": form, "locked": message}, status=429)


class LockoutBackend(AxesStandaloneBackend):
    """axes 的认证前检查；被拒时在请求上做标记，审计据此记为“限速拒绝”而不是“密码错误”。"""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if (
            request is None
        ):  # 不经网页的认证（脚本、测试的 client.login）；网页的登录入口都带 request
            return None
        try:
            return super().authenticate(request, username, password, **kwargs)
        except AxesBackendPermissionDenied:
            request.login_throttled = True
            raise


class _Audited:
    """两种存储共用：按各自上限折算的失败数；新近被锁时写一条审计。"""

    def counts(self, request, credentials=None):
        raise NotImplementedError

    def get_failures(self, request, credentials=None):
        counts = self.counts(request, credentials)
        return _scaled(counts, get_failure_limit(request, credentials))

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        self.audit_lock(request, credentials)

    def audit_lock(self, request, credentials):
        """这一次失败让用户名或地址达到上限时记“锁定”（被拒的尝试另由 user.login_throttled 记）。"""
        if request is None or getattr(request, "login_throttled", False):
            return
        if not getattr(request, "axes_locked_out", False):
            return
        counts = self.counts(request, credentials)
        caps = limits()
        username = str(get_client_username(request, credentials) or "")
        audit.log(
            "user.locked_out",
            object_type="core.user",
            object_id=username[:64],
            object_repr=username[:200],
            after={
                "ip": request.axes_ip_address,
                "by": [p for p, n in counts.items() if n >= caps.get(p, 0)],
                "failures": counts,
                "minutes": cooloff_minutes(request),
            },
        )


def _name(param):
    return "+".join(param) if isinstance(param, list) else param


class DatabaseHandler(_Audited, AxesDatabaseHandler):
    """计数存数据库（默认）。"""

    def counts(self, request, credentials=None):
        params = get_lockout_parameters(request, credentials)
        attempts = self.get_user_attempts(request, credentials)
        return {
            _name(param): sum(rows.values_list("failures_since_start", flat=True))
            for param, rows in zip(params, attempts, strict=True)
        }

    def reset_user_attempts(self, request, credentials=None):
        """登录成功：只清这个用户名的失败记录。"""
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


class CacheHandler(_Audited, AxesCacheHandler):
    """计数存缓存（配置了 Redis 时）。键带上参数名，用户名与地址不会撞在一起。"""

    def keys(self, request, credentials=None):
        values = {
            "username": get_client_username(request, credentials),
            "ip_address": request.axes_ip_address,
            "user_agent": request.axes_user_agent,
        }
        keys = {}
        for param in get_lockout_parameters(request, credentials):
            parts = param if isinstance(param, list) else [param]
            text = "\n".join(f"{p}={values.get(p) or ''}" for p in parts)
            keys[_name(param)] = (
                f"shuangsui-login:{_name(param)}:{hashlib.sha256(text.encode()).hexdigest()}"
            )
        return keys

    def counts(self, request, credentials=None):
        return {
            name: int(self.cache.get(key, 0) or 0)
            for name, key in self.keys(request, credentials).items()
        }

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        if request is None:
            return
        username = get_client_username(request, credentials)
        if request.axes_locked_out and not settings.AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT:
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes", request=request, username=username, ip_address=request.axes_ip_address
            )
            return
        if self.is_whitelisted(request, credentials):
            return
        timeout = get_cache_timeout(request)
        for key in self.keys(request, credentials).values():
            if not self.cache.add(key, 1, timeout):
                try:
                    self.cache.incr(key)
                    self.cache.touch(key, timeout)
                except ValueError:  # 恰好过期
                    self.cache.set(key, 1, timeout)
        if settings.AXES_LOCK_OUT_AT_FAILURE and self.is_locked(request, credentials):
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes", request=request, username=username, ip_address=request.axes_ip_address
            )
        self.audit_lock(request, credentials)

    def user_logged_in(self, sender, request, user, **kwargs):
        """登录成功：只清这个用户名的计数。"""
        if settings.AXES_RESET_ON_SUCCESS:
            credentials = {settings.AXES_USERNAME_FORM_FIELD: user.get_username()}
            key = self.keys(request, credentials).get("username")
            if key:
                self.cache.delete(key)

    def reset_attempts(self, *, ip_address=None, username=None, ip_or_username=False):
        """`axes_reset_ip` / `axes_reset_username` 等命令用：清指定地址或用户名的计数。"""
        from types import SimpleNamespace

        request = SimpleNamespace(axes_ip_address=ip_address, axes_user_agent="", POST={})
        keys = self.keys(request, {settings.AXES_USERNAME_FORM_FIELD: username})
        count = 0
        for name, key in keys.items():
            if (name == "username" and username) or (name == "ip_address" and ip_address):
                count += int(bool(self.cache.delete(key)))
        return count
