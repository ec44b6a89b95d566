"""请求级的操作人上下文，供审计留痕使用。"""

from django.http import Http404, QueryDict

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
