from datetime import date

from ninja import Schema
from pydantic import model_validator


def _has_nul(value):
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


class InSchema(Schema):
    """请求体与查询参数的基类：文字里不能有 NUL 字符（PostgreSQL 存不下）。"""

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data):
        if isinstance(data, dict) and _has_nul(data):
            raise ValueError("文字中不能含有 NUL 字符")
        return data


class UnitOut(Schema):
    code: str
    name: str


class EntityOut(Schema):
    uid: str
    name: str
    entity_type: str
    unit: UnitOut
    region_code: str
    industry_code: str
    address: str
    legal_rep: str
    status: str
    established: date | None
    credit_class: str | None = None
    key_tags: list[str]


class ItemOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    sub_items: list[str]
    legal_basis: str
    subject: str
    object_type: str
    ratio_cap: str | None
    frequency: str
    methods: list[str]
    inspector_requirements: list[str]


class InspectorOut(Schema):
    id: int
    badge_no: str
    name: str
    kind: str
    unit: UnitOut
    department: UnitOut | None
    qualifications: list[str]
    expertise: list[str]
    on_duty: bool


class Page(Schema):
    count: int
    page: int
    pages: int
    results: list


class ErrorOut(Schema):
    detail: str


class FieldErrorOut(Schema):
    loc: list[str | int]
    msg: str
    type: str


class InvalidOut(Schema):
    """422：请求不符合接口说明（类型、必填、范围）；detail 为中文汇总，errors 逐项列出。"""

    detail: str
    errors: list[FieldErrorOut]


# 各类操作实际会返回的错误（200 之外）；键为状态码
READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: InvalidOut}
WRITE_ERRORS = {400: ErrorOut, 409: ErrorOut, **READ_ERRORS}


def responses(ok, *, write=False):
    """操作的 `response=`：200 的内容加上该类操作会返回的 400/401/403/404/409/422。"""
    return {200: ok, **(WRITE_ERRORS if write else READ_ERRORS)}
