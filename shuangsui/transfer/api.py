"""批量导入的 API：multipart 上传文件与方式（mode），成功返回计数，失败返回 400 与错误清单。

挂载：`api.add_router("/import", router)`（shuangsui/api/api.py），地址为
POST /api/import/entities、/api/import/inspectors、/api/import/items。
"""

from typing import Literal

from ninja import File, Form, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.files import UploadedFile

from shuangsui.api.schemas import ErrorOut, InvalidOut

from . import services, uploads

router = Router(tags=["批量导入"])
API_ERRORS_SHOWN = 1000


class ImportOut(Schema):
    kind: str
    filename: str
    mode: str
    rows: int
    created: int
    updated: int
    sha256: str


class ImportErrorItem(Schema):
    row: int | None
    column: str
    value: str
    reason: str
    message: str


class ImportFailedOut(Schema):
    detail: str
    total: int
    errors: list[ImportErrorItem]


def _failure(message, total, errors):
    return Status(400, {"detail": message, "total": total, "errors": errors})


def _run(request, kind, file, mode, unit):
    if file.size is not None and file.size > uploads.limit():  # 上传处理器已拦下，这里兜底
        return Status(413, uploads.refusal_body())
    try:
        result = services.run_import(
            kind, file, file.name or "", user=request.auth, mode=mode, unit=unit or None
        )
    except services.ImportFailed as failure:
        errors = [
            {
                "row": e.row,
                "column": e.column or "",
                "value": str(e.value or ""),
                "reason": e.reason,
                "message": services.format_error(e),
            }
            for e in failure.errors[:API_ERRORS_SHOWN]
        ]
        return _failure(
            f"导入失败：{failure.total} 处错误，没有写入任何数据", failure.total, errors
        )
    return Status(
        200,
        {
            "kind": result.kind,
            "filename": result.filename,
            "mode": result.mode,
            "rows": result.rows,
            "created": result.created,
            "updated": result.updated,
            "sha256": result.sha256,
        },
    )


Mode = Literal["insert", "upsert"]
RESPONSES = {
    200: ImportOut,
    400: ImportFailedOut,
    401: ErrorOut,
    403: ErrorOut,
    413: ImportFailedOut,
    422: InvalidOut,
}


@router.post("/entities", response=RESPONSES, summary="批量导入市场主体（CSV 或 XLSX）")
@decorate_view(uploads.limit_api_upload)  # 超限的上传在读请求体之前就拒绝（413）
def import_entities(
    request, file: File[UploadedFile], mode: Form[Mode] = "insert", unit: Form[str] = ""
):
    return _run(request, "entities", file, mode, unit)


@router.post("/inspectors", response=RESPONSES, summary="批量导入检查人员（CSV 或 XLSX）")
@decorate_view(uploads.limit_api_upload)  # 超限的上传在读请求体之前就拒绝（413）
def import_inspectors(
    request, file: File[UploadedFile], mode: Form[Mode] = "insert", unit: Form[str] = ""
):
    return _run(request, "inspectors", file, mode, unit)


@router.post("/items", response=RESPONSES, summary="批量导入抽查事项（CSV 或 XLSX）")
@decorate_view(uploads.limit_api_upload)  # 超限的上传在读请求体之前就拒绝（413）
def import_items(
    request, file: File[UploadedFile], mode: Form[Mode] = "insert", unit: Form[str] = ""
):
    return _run(request, "items", file, mode, unit)
