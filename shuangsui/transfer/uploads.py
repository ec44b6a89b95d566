"""上传大小上限：导入页面与导入 API 同一个上限（IMPORT_MAX_BYTES），同样在读请求体之前拒绝。

- 声明的 Content-Length 超过上限（加上表单边界等的余量）：一个字节也不读，直接 413。
- 长度未声明或声明不实：上传处理器边收边数，超过上限即停（不写临时文件），同样 413。
"""

from functools import wraps

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import JsonResponse

from shuangsui.lib.tabular import human_size

SLACK = 64 * 1024  # multipart 的边界、其他表单字段


def limit():
    return int(getattr(settings, "IMPORT_MAX_BYTES", 200 * 1024 * 1024))


def message():
    return f"文件过大，超过上限 {human_size(limit())}；请拆分后分批导入"


class SizeLimitHandler(FileUploadHandler):
    """上传超过上限时立即停止接收（不写临时文件），视图据此给出“文件过大”。"""

    def __init__(self, request, limit):
        super().__init__(request)
        self.limit = limit
        self.received = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > self.limit + SLACK:
            self.request.upload_too_large = True

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if getattr(self.request, "upload_too_large", False) or self.received > self.limit:
            self.request.upload_too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


def guard(request):
    """在读请求体之前调用。声明的长度已超限时返回 True（请求体不要再读）；否则装上计数的处理器。"""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit() + SLACK:
        request.upload_too_large = True
        return True
    request.upload_handlers.insert(0, SizeLimitHandler(request, limit()))
    return False


def too_large(request):
    return getattr(request, "upload_too_large", False)


def refusal_body():
    text = message()
    item = {"row": None, "column": "", "value": "", "reason": text, "message": text}
    return {"detail": text, "total": 1, "errors": [item]}


def limit_api_upload(run):
    """给 django-ninja 的 operation.run 用（`decorate_view`）：在认证和解析请求体之前检查。"""

    @wraps(run)
    def wrapper(request, *args, **kwargs):
        if guard(request):
            return JsonResponse(refusal_body(), status=413)
        response = run(request, *args, **kwargs)
        if too_large(request):
            return JsonResponse(refusal_body(), status=413)
        return response

    return wrapper
