"""命令行以某个用户的身份执行一步：找到在用的账号，留痕记在他名下，服务的拒绝变成中文的 CommandError。"""

from contextlib import contextmanager

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import CommandError
from django.http import Http404

from shuangsui.core import audit
from shuangsui.core.models import User


@contextmanager
def acting(username, not_found):
    """`with acting(opts["user"], "任务不存在或不在您的辖区内") as user: …`"""
    user = User.objects.select_related("unit").filter(username=username).first()
    if user is None or not user.is_active:
        raise CommandError(f"用户 {username} 不存在或已停用")
    token = audit.set_actor(user)
    try:
        yield user
    except Http404 as exc:
        raise CommandError(not_found) from exc
    except ValidationError as exc:
        raise CommandError("；".join(exc.messages)) from exc
    except PermissionDenied as exc:
        raise CommandError(str(exc) or "没有权限") from exc
    finally:
        audit.reset_actor(token)
