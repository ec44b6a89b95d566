"""JSON API：与页面同一套服务和辖区范围。OpenAPI 在 /api/openapi.json，文档在 /api/docs。"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import NinjaAPI, Router

from shuangsui.catalog.filters import ItemFilterSet
from shuangsui.catalog.models import InspectionItem
from shuangsui.core import scope
from shuangsui.core.paging import CountCachingPaginator
from shuangsui.directory.filters import EntityFilterSet
from shuangsui.directory.models import Entity
from shuangsui.inspectors.filters import InspectorFilterSet
from shuangsui.inspectors.models import Inspector

from .auth import AUTH

api = NinjaAPI(
    title="双随 shuangsui API",
    version="1",
    description="“双随机、一公开”监管平台接口。页面会话或 `Authorization: Bearer <令牌>`。",
    auth=AUTH,
    urls_namespace="api",
)


@api.exception_handler(PermissionDenied)
def on_denied(request, exc):
    return api.create_response(request, {"detail": str(exc) or "没有权限"}, status=403)


@api.exception_handler(Http404)
def on_missing(request, exc):
    return api.create_response(request, {"detail": "记录不存在或不在您的辖区内"}, status=404)


def page_of(request, queryset, serialise, per_page=50):
    try:
        number = max(1, int(request.GET.get("page", 1)))
        per_page = min(500, max(1, int(request.GET.get("per_page", per_page))))
    except ValueError:
        number = 1
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


@directory.get("/entities", summary="市场主体列表（筛选、分页）")
def list_entities(request):
    user = request.auth
    scope.require(user, "directory.view")
    qs = scope.scoped(Entity.objects.select_related("unit"), user, "directory.view")
    filterset = EntityFilterSet(request.GET, queryset=qs, units=scope.units_in_scope(user))
    show = scope.can(user, "credit.view")
    return page_of(request, filterset.qs.order_by("scope_path", "uid"), lambda e: entity_out(e, show))


@directory.get("/entities/{uid}", summary="市场主体详情")
def get_entity(request, uid: str):
    user = request.auth
    entity = scope.get_scoped(
        Entity.objects.select_related("unit"), user, "directory.view", uid=uid
    )
    return entity_out(entity, scope.can(user, "credit.view"))


@catalog.get("/items", summary="抽查事项列表")
def list_items(request):
    user = request.auth
    scope.require(user, "catalog.view")
    qs = scope.visible_shared(InspectionItem.objects.select_related("department"), user)
    return page_of(request, ItemFilterSet(request.GET, queryset=qs).qs.order_by("code"), item_out)


@catalog.get("/items/{item_id}", summary="抽查事项详情")
def get_item(request, item_id: int):
    user = request.auth
    scope.require(user, "catalog.view")
    item = scope.visible_shared(InspectionItem.objects.all(), user).filter(pk=item_id).first()
    if item is None:
        raise Http404
    return item_out(item)


@people.get("/inspectors", summary="检查人员列表")
def list_inspectors(request):
    user = request.auth
    qs = scope.scoped(
        Inspector.objects.select_related("unit", "department"), user, "inspectors.view"
    )
    scope.require(user, "inspectors.view")
    return page_of(
        request, InspectorFilterSet(request.GET, queryset=qs).qs.order_by("badge_no"), inspector_out
    )


@people.get("/inspectors/{inspector_id}", summary="检查人员详情")
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
