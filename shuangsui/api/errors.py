"""接口的错误响应：中文的 detail，状态码与 OpenAPI 里声明的一致。

- 401 未登录或令牌无效；403 无权限；404 不存在或不在辖区内；
- 422 请求不符合接口说明（pydantic 校验：类型、必填、范围），逐项列出；
- 400 符合说明但违反业务规则（模型的 clean()、服务的检查）；409 与已有记录冲突（唯一约束）。
"""

import contextlib

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import JsonResponse
from django.views import defaults
from ninja.errors import HttpError

CONFLICT_CODES = {"unique", "unique_together"}

_MESSAGES = {
    "missing": "必填",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "decimal_parsing": "应为数字",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "string_type": "应为文字",
    "string_unicode": "应为文字",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_type": "应为 JSON 对象",
    "model_attributes_type": "应为 JSON 对象",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_inexact": "应为日期（YYYY-MM-DD）",
    "date_type": "应为日期（YYYY-MM-DD）",
    "json_invalid": "不是有效的 JSON",
    "json_type": "不是有效的 JSON",
}


def _message(error):
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind == "greater_than_equal":
        return f"不能小于 {ctx.get('ge')}"
    if kind == "less_than_equal":
        return f"不能大于 {ctx.get('le')}"
    if kind == "greater_than":
        return f"应大于 {ctx.get('gt')}"
    if kind == "less_than":
        return f"应小于 {ctx.get('lt')}"
    if kind == "string_too_long":
        return f"最多 {ctx.get('max_length')} 个字符"
    if kind == "string_too_short":
        return "不能为空" if ctx.get("min_length") == 1 else f"至少 {ctx.get('min_length')} 个字符"
    if kind == "too_short":
        return f"至少 {ctx.get('min_length')} 项"
    if kind == "too_long":
        return f"最多 {ctx.get('max_length')} 项"
    if kind in ("literal_error", "enum"):
        return f"应为以下之一：{ctx.get('expected', '')}"
    if kind == "string_pattern_mismatch":
        return "格式不对"
    if kind == "value_error":
        return str(error.get("msg", "取值无效")).removeprefix("Value error, ")
    return _MESSAGES.get(kind, error.get("msg", "取值无效"))


def _where(loc):
    # ninja 的 loc 以 "body"/"query"/"path" 与参数名开头；只给出字段路径
    parts = [str(p) for p in loc[1:] if p not in ("data", "payload")] or [str(p) for p in loc]
    return ".".join(parts)


def invalid(api, request, exc):
    errors = [
        {"loc": list(e.get("loc", ())), "msg": _message(e), "type": str(e.get("type", ""))}
        for e in exc.errors
    ]
    summary = "；".join(f"{_where(e['loc'])}：{e['msg']}" for e in errors[:10])
    detail = f"请求数据有误：{summary}" if summary else "请求数据有误"
    return api.create_response(request, {"detail": detail, "errors": errors}, status=422)


def unauthorised(api, request, exc):
    return api.create_response(
        request, {"detail": "未登录或令牌无效（请使用 Authorization: Bearer <令牌>）"}, status=401
    )


def _codes(exc):
    if hasattr(exc, "error_dict"):
        return {e.code for errors in exc.error_dict.values() for e in errors}
    return {e.code for e in exc.error_list}


@contextlib.contextmanager
def rule_errors():
    """业务规则不满足 → 400；与已有记录冲突（唯一约束）→ 409。detail 为中文原因。"""
    try:
        yield
    except DjangoValidationError as exc:
        status = 409 if _codes(exc) and _codes(exc) <= CONFLICT_CODES else 400
        raise HttpError(status, "；".join(exc.messages)) from exc
    except IntegrityError as exc:
        raise HttpError(409, "与已有记录冲突，没有保存") from exc


def not_found(request, exception=None):
    """Django 的 404：接口地址（/api/…）返回 JSON，页面返回 404.html。"""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": "没有这个接口或记录"}, status=404, json_dumps_params={"ensure_ascii": False}
        )
    return defaults.page_not_found(request, exception)
