"""用户自助与单位管理的工作流：API 令牌的生成、列出与停用。

页面、命令行与接口都调用这里；令牌只保存摘要，明文只在生成时返回一次。
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import scope
from .models import TOKEN_DEFAULT_DAYS, TOKEN_MAX_DAYS, ApiToken


def token_expiry(expires=None, days=None):
    """有效期（含当日）：给定日期，或今天起 `days` 天，默认 90 天；最长一年，不能早于今天。"""
    today = timezone.localdate()
    if expires is not None and days is not None:
        raise ValidationError("有效期日期与天数只能给一个")
    if expires is None:
        days = TOKEN_DEFAULT_DAYS if days is None else days
        if days < 1 or days > TOKEN_MAX_DAYS:
            raise ValidationError(f"有效天数须在 1 到 {TOKEN_MAX_DAYS} 之间")
        return today + datetime.timedelta(days=days)
    if expires < today:
        raise ValidationError("有效期不能早于今天")
    if expires > today + datetime.timedelta(days=TOKEN_MAX_DAYS):
        raise ValidationError("有效期最长一年")
    return expires


def may_manage_tokens_of(actor, owner):
    """本人；或本单位（辖区内）的系统管理员。actor 为 None 表示服务器上的命令行。"""
    if actor is None:
        return True
    if actor.pk == owner.pk and actor.is_active:
        return True
    return scope.can(actor, "users.manage") and scope.in_scope(actor, owner.scope_path)


def create_token(actor, owner, name, *, expires=None, days=None):
    """为 owner 生成令牌，返回 (令牌, 明文)。只有本人（或服务器命令行）能生成。"""
    if actor is not None and actor.pk != owner.pk:
        raise PermissionDenied("只能为自己生成令牌")
    if not owner.is_active:
        raise ValidationError("该账号已停用，不能生成令牌")
    name = (name or "").strip()
    if not name:
        raise ValidationError("请填写令牌用途")
    return ApiToken.issue(owner, name, expires=token_expiry(expires, days))


def issue_token(user, name="测试", days=TOKEN_DEFAULT_DAYS):
    """给 user 生成令牌并返回明文（测试与脚本用的简便写法）。"""
    return create_token(None, user, name, days=days)[1]


def tokens_for(user):
    """用户能看到的令牌：自己的；系统管理员另见本辖区所有用户的（从不见他县）。"""
    own = ApiToken.objects.filter(user=user)
    if scope.can(user, "users.manage"):
        path = scope.root_path(user)
        return ApiToken.objects.filter(
            scope.under(path, "user__unit__path") | Q(user=user)
        ).select_related("user", "user__unit")
    return own.select_related("user", "user__unit")


def revoke_token(actor, token):
    """停用令牌（不可恢复）。本人或本辖区系统管理员。"""
    if not may_manage_tokens_of(actor, token.user):
        raise PermissionDenied("不能停用他人的令牌")
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked:
            return token
        token.revoked = True
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked", "revoked_at"])
    return token


def user_tokens(user):
    return ApiToken.objects.filter(user=user).select_related("user")
