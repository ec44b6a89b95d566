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
from django.db.models.signals import post_delete, post_save, pre_save  # noqa: E402


def _action(instance, verb):
    return f"{instance._meta.model_name}.{verb}"


@receiver(pre_save)
def capture_before(sender, instance, raw=False, **kwargs):
    if raw or not getattr(sender, "audited", False) or instance.pk is None:
        return
    old = sender._default_manager.filter(pk=instance.pk).first()
    instance._audit_before = audit.snapshot(old) if old is not None else None


@receiver(post_save)
def log_save(sender, instance, created, raw=False, **kwargs):
    if raw or not getattr(sender, "audited", False):
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
    if not getattr(sender, "audited", False):
        return
    audit.log(_action(instance, "deleted"), instance, before=audit.snapshot(instance))
