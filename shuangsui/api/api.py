"""JSON API：与页面同一套服务和辖区范围。OpenAPI 在 /api/openapi.json，文档在 /api/docs。"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Field, NinjaAPI, Query, Router
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as SchemaError

from shuangsui.catalog.filters import ItemFilterSet
from shuangsui.catalog.models import InspectionItem
from shuangsui.core import scope
from shuangsui.core.paging import CountCachingPaginator
from shuangsui.directory.filters import EntityFilterSet
from shuangsui.directory.models import Entity
from shuangsui.inspectors.filters import InspectorFilterSet
from shuangsui.inspectors.models import Inspector
from shuangsui.lib import ranges

from . import errors
from .auth import AUTH
from .schemas import EntityOut, InSchema, InspectorOut, ItemOut, responses

api = NinjaAPI(
    title="双随 shuangsui API",
    version="1",
    description=(
        "“双随机、一公开”监管平台接口。页面会话或 `Authorization: Bearer <令牌>`。\n\n"
        "错误一律为 JSON，`detail` 为中文原因：401 未登录或令牌无效，403 无权限，"
        "404 不存在或不在辖区内，422 请求不符合本说明（`errors` 逐项列出），"
        "400 违反业务规则，409 与已有记录冲突。"
    ),
    auth=AUTH,
    urls_namespace="api",
)


@api.exception_handler(PermissionDenied)
def on_denied(request, exc):
    return api.create_response(request, {"detail": str(exc) or "没有权限"}, status=403)


@api.exception_handler(Http404)
def on_missing(request, exc):
    return api.create_response(request, {"detail": "记录不存在或不在您的辖区内"}, status=404)


@api.exception_handler(SchemaError)
def on_invalid(request, exc):
    return errors.invalid(api, request, exc)


@api.exception_handler(AuthenticationError)
def on_unauthorised(request, exc):
    return errors.unauthorised(api, request, exc)


class Paging(InSchema):
    page: int = Field(1, ge=1, le=ranges.MAX_ID, description="页码，从 1 开始")
    per_page: int = Field(50, ge=1, le=500, description="每页条数")


def page_of(request, queryset, serialise, per_page=50):
    number = ranges.parse_int(request.GET.get("page", ""), 1, ranges.MAX_ID) or 1
    per_page = ranges.parse_int(request.GET.get("per_page", ""), 1, 500) or per_page
    paginator = CountCachingPaginator(queryset, per_page)
    page = paginator.get_page(number)
    return {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "results": [serialise(obj) for obj in page],
    }


def unit_out(unit):
    return {"code": unit.code, "name": unit.name} if unit else None


def entity_out(entity, show_credit=True):
    return {
        "uid": entity.uid,
        "name": entity.name,
        "entity_type": entity.entity_type,
        "unit": unit_out(entity.unit),
        "region_code": entity.region_code,
        "industry_code": entity.industry_code,
        "address": entity.address,
        "legal_rep": entity.legal_rep,
        "status": entity.status,
        "established": entity.established.isoformat() if entity.established else None,
        "credit_class": entity.credit_class if show_credit else None,
        "key_tags": entity.tag_list,
    }


def item_out(item):
    return {
        "id": item.pk,
        "code": item.code,
        "name": item.name,
        "kind": item.kind,
        "sub_items": item.sub_item_list,
        "legal_basis": item.legal_basis,
        "subject": item.subject or (item.department.name if item.department_id else ""),
        "object_type": item.object_type,
        "ratio_cap": str(item.ratio_cap) if item.ratio_cap is not None else None,
        "frequency": item.frequency,
        "methods": item.method_list,
        "inspector_requirements": item.requirement_tags,
    }


def inspector_out(inspector):
    return {
        "id": inspector.pk,
        "badge_no": inspector.badge_no,
        "name": inspector.name,
        "kind": inspector.kind,
        "unit": unit_out(inspector.unit),
        "department": unit_out(inspector.department),
        "qualifications": inspector.qualification_list,
        "expertise": inspector.expertise_list,
        "on_duty": inspector.on_duty,
    }


directory = Router(tags=["检查对象名录库"])
catalog = Router(tags=["抽查事项清单"])
people = Router(tags=["检查人员名录库"])

Text = Field(None, max_length=200)


class EntityFilters(Paging):
    """与页面同一个 EntityFilterSet；无效的筛选值（如 unit=null）不筛选。"""

    q: str | None = Text
    unit: str | None = Field(None, max_length=32, description="单位的主键")
    entity_type: str | None = Text
    industry: str | None = Text
    credit_class: str | None = Text
    status: str | None = Text
    region_code: str | None = Text
    tag: str | None = Text


class ItemFilters(Paging):
    q: str | None = Text
    kind: str | None = Text
    object_type: str | None = Text


class InspectorFilters(Paging):
    q: str | None = Text
    kind: str | None = Text
    qualification: str | None = Text
    on_duty: str | None = Field(None, max_length=1, description="1 在岗，0 不在岗")


class PageOut(InSchema):
    count: int
    page: int
    pages: int


class EntityPage(PageOut):
    results: list[EntityOut]


class ItemPage(PageOut):
    results: list[ItemOut]


class InspectorPage(PageOut):
    results: list[InspectorOut]


def filter_params(filters):
    return {k: v for k, v in filters.dict().items() if v is not None}


@directory.get("/entities", response=responses(EntityPage), summary="市场主体列表（筛选、分页）")
def list_entities(request, filters: Query[EntityFilters]):
    user = request.auth
    scope.require(user, "directory.view")
    qs = scope.scoped(Entity.objects.select_related("unit"), user, "directory.view")
    filterset = EntityFilterSet(
        filter_params(filters), queryset=qs, units=scope.units_in_scope(user)
    )
    show = scope.can(user, "credit.view")
    return page_of(
        request, filterset.qs.order_by("scope_path", "uid"), lambda e: entity_out(e, show)
    )


@directory.get("/entities/{uid}", response=responses(EntityOut), summary="市场主体详情")
def get_entity(request, uid: str):
    user = request.auth
    entity = scope.get_scoped(
        Entity.objects.select_related("unit"), user, "directory.view", uid=uid
    )
    return entity_out(entity, scope.can(user, "credit.view"))


@catalog.get("/items", response=responses(ItemPage), summary="抽查事项列表")
def list_items(request, filters: Query[ItemFilters]):
    user = request.auth
    scope.require(user, "catalog.view")
    qs = scope.visible_shared(InspectionItem.objects.select_related("department"), user)
    filterset = ItemFilterSet(filter_params(filters), queryset=qs)
    return page_of(request, filterset.qs.order_by("code"), item_out)


@catalog.get("/items/{item_id}", response=responses(ItemOut), summary="抽查事项详情")
def get_item(request, item_id: int):
    user = request.auth
    scope.require(user, "catalog.view")
    item = scope.visible_shared(InspectionItem.objects.all(), user).filter(pk=item_id).first()
    if item is None:
        raise Http404
    return item_out(item)


@people.get("/inspectors", response=responses(InspectorPage), summary="检查人员列表")
def list_inspectors(request, filters: Query[InspectorFilters]):
    user = request.auth
    qs = scope.scoped(
        Inspector.objects.select_related("unit", "department"), user, "inspectors.view"
    )
    scope.require(user, "inspectors.view")
    filterset = InspectorFilterSet(filter_params(filters), queryset=qs)
    return page_of(request, filterset.qs.order_by("badge_no"), inspector_out)


@people.get("/inspectors/{inspector_id}", response=responses(InspectorOut), summary="检查人员详情")
def get_inspector(request, inspector_id: int):
    user = request.auth
    inspector = scope.get_scoped(
        Inspector.objects.select_related("unit", "department"),
        user,
        "inspectors.view",
        pk=inspector_id,
    )
    return inspector_out(inspector)


api.add_router("/directory", directory)
api.add_router("/catalog", catalog)
api.add_router("/inspectors", people)

from shuangsui.draws.api import router as draws_router  # noqa: E402
from shuangsui.plans.api import router as plans_router  # noqa: E402

api.add_router("/plans", plans_router)
api.add_router("/draws", draws_router)
from shuangsui.transfer.api import router as import_router  # noqa: E402

api.add_router("/import", import_router)
from shuangsui.results.api import router as results_router  # noqa: E402

api.add_router("/results", results_router)
from shuangsui.listings.api import router as listings_router  # noqa: E402

api.add_router("/listings", listings_router)
from shuangsui.followups.api import router as followups_router  # noqa: E402

api.add_router("/followups", followups_router)
from shuangsui.credit.api import router as credit_router  # noqa: E402

api.add_router("/credit", credit_router)
from shuangsui.publicity.api import router as public_router  # noqa: E402

api.add_router("/public", public_router)
