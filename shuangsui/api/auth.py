"""API 认证：页面会话（带 CSRF）或系统对接令牌（Authorization: Bearer …）。"""

from django.utils import timezone
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth

from shuangsui.core.audit import set_actor
from shuangsui.core.models import ApiToken


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        if not token:
            return None
        row = (
            ApiToken.objects.select_related("user", "user__unit")
            .filter(digest=ApiToken.hash(token), revoked=False, expires__gte=timezone.localdate())
            .first()
        )
        if row is None or not row.user.is_active:
            return None
        ApiToken.objects.filter(pk=row.pk).update(last_used=timezone.now())
        request.user = row.user
        set_actor(row.user)
        return row.user


class HeaderTokenAuth(APIKeyHeader):
    param_name = "X-API-Token"

    def authenticate(self, request, key):
        return TokenAuth().authenticate(request, key)


class PageSession(SessionAuth):
    """页面会话；只认有效账号。"""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


AUTH = [TokenAuth(), HeaderTokenAuth(), PageSession()]
