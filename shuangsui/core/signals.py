"""登录、登出与登录失败的留痕。"""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from . import audit
from .lockout import client_ip


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    audit.log(
        "user.login",
        user,
        actor=user,
        scope_path=user.unit.path if user.unit_id else "",
        after={"ip": client_ip(request) if request else None},
    )


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        audit.log(
            "user.logout", user, actor=user, scope_path=user.unit.path if user.unit_id else ""
        )


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    # 被限速拒绝的尝试（没有核对密码）记为 user.login_throttled
    throttled = request is not None and getattr(request, "login_throttled", False)
    audit.log(
        "user.login_throttled" if throttled else "user.login_failed",
        object_type="core.user",
        object_id=str(credentials.get("username", ""))[:64],
        object_repr=str(credentials.get("username", ""))[:200],
        after={"ip": client_ip(request) if request else None},
    )


# ---- 模型增删改的自动留痕：类属性 audited = True 的模型都会记录 ----
import contextlib  # noqa: E402
import contextvars  # noqa: E402

from django.db.models.signals import post_delete, post_save, pre_save  # noqa: E402

_own_event = contextvars.ContextVar("shuangsui_audit_own_event", default=())


@contextlib.contextmanager
def own_event(*models):
    """一个动作一条事件：服务自己写语义事件（如 task.approved）并在其中记下全部改动时，
    块内这些模型的自动留痕不再另写一条。"""
    token = _own_event.set(_own_event.get() + models)
    try:
        yield
    finally:
        _own_event.reset(token)


def _silent(sender):
    return not getattr(sender, "audited", False) or sender in _own_event.get()


def changes(before, after):
    """两份快照中改动了的字段：(改动前, 改动后)，供语义事件记下全部改动。"""
    keys = [k for k in after if before.get(k) != after[k]]
    keys += [k for k in before if k not in after]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def _action(instance, verb):
    return f"{instance._meta.model_name}.{verb}"


@receiver(pre_save)
def capture_before(sender, instance, raw=False, **kwargs):
    if raw or _silent(sender) or instance.pk is None:
        return
    old = sender._default_manager.filter(pk=instance.pk).first()
    instance._audit_before = audit.snapshot(old) if old is not None else None


@receiver(post_save)
def log_save(sender, instance, created, raw=False, **kwargs):
    if raw or _silent(sender):
        return
    before = None if created else getattr(instance, "_audit_before", None)
    after = audit.snapshot(instance)
    if before is not None and before == after:
        return
    audit.log(
        _action(instance, "created" if created else "updated"), instance, before=before, after=after
    )
    instance._audit_before = after


@receiver(post_delete)
def log_delete(sender, instance, **kwargs):
    if _silent(sender):
        return
    audit.log(_action(instance, "deleted"), instance, before=audit.snapshot(instance))
