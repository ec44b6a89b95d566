"""请求级的操作人上下文，供审计留痕使用。"""

from django.http import Http404, JsonResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse

from .audit import reset_actor, set_actor


class ActorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        token = set_actor(user if user is not None and user.is_authenticated else None)
        try:
            return self.get_response(request)
        finally:
            reset_actor(token)


class NulBytesMiddleware:
    """查询参数里的 NUL 字符（%00）一律去掉；路径里有 NUL 时答 404。

    PostgreSQL 的文本不能含 NUL，直接拿去查询会出错（500）；页面、接口与导出都经过这里。
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path:
            raise Http404("地址无效")
        query = request.GET
        if any("\x00" in k or any("\x00" in v for v in query.getlist(k)) for k in query):
            clean = QueryDict(mutable=True)
            for key in query:
                clean.setlist(
                    key.replace("\x00", ""), [v.replace("\x00", "") for v in query.getlist(key)]
                )
            clean._mutable = False
            request.GET = clean
        return self.get_response(request)


class PasswordChangeRequiredMiddleware:
    """管理员重置密码（或新建账号）后，用户下次登录须先改密码：其他页面一律转到改密码页。"""

    ALLOWED = ("password-change", "logout")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
            and request.path not in {reverse(name) for name in self.ALLOWED}
            and not request.path.startswith("/static/")
        ):
            if request.path.startswith("/api/"):  # 页面会话调接口；令牌调用不经过会话
                return JsonResponse({"detail": "请先在页面上修改密码"}, status=403)
            return redirect("password-change")
        return self.get_response(request)
