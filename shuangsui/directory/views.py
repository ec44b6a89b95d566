from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse

from shuangsui.core import scope
from shuangsui.core.paging import COUNT_TTL, CountCachingPaginator, paginate
from shuangsui.credit import services as credit
from shuangsui.credit.choices import ProposalStatus
from shuangsui.draws.services import draws_for_entity
from shuangsui.inspections.models import Inspection
from shuangsui.listings.services import entity_listings
from shuangsui.results.services import entity_results

from . import industry
from .choices import EntityStatus, EntityType
from .filters import EntityFilterSet
from .models import Entity

LARGE = 100_000  # 辖区主体超过这么多户时，新的筛选组合先不计数（见 entity_list）


LIST_COLUMNS = ("uid", "name", "entity_type", "unit_id", "industry_code", "status", "credit_class")
TYPE_LABELS = dict(EntityType.choices)
STATUS_LABELS = dict(EntityStatus.choices)


def list_rows(rows, units):
    """名录页一页的行：列值之外，给出类型、状态、所属单位与行业的显示文字。"""
    rows = list(rows)
    names = dict(units.filter(pk__in={r["unit_id"] for r in rows}).values_list("pk", "name"))
    detail = reverse("entity-list")  # 详情页的地址是列表地址加代码（urls.py），一页只解析一次
    return [
        {
            **row,
            "type_label": TYPE_LABELS.get(row["entity_type"], row["entity_type"]),
            "status_label": STATUS_LABELS.get(row["status"], row["status"]),
            "unit_name": names.get(row["unit_id"], ""),
            "industry": industry.label(row["industry_code"]),
            "url": f"{detail}{quote(row['uid'])}/",
        }
        for row in rows
    ]


def _entities_for_user(user):
    return scope.scoped(Entity.objects.select_related("unit"), user, "directory.view")


@login_required
def entity_list(request):
    scope.require(request.user, "directory.view")
    base = _entities_for_user(request.user)
    filterset = EntityFilterSet(
        request.GET,
        queryset=base,
        units=scope.units_in_scope(request.user),
        estimated_counts=True,
    )
    # 有名称片段时顺带得到 name_estimate。一页只取显示的列、不连所属单位（单位名取自辖区的单位）：
    # 不生成模型实例，翻到后面的页时跳过的行也只读索引、不回表
    order = ("scope_path", "uid")
    rows = filterset.qs.order_by(*order).values(*LIST_COLUMNS)

    # 辖区主体很多时，新的筛选组合先不计数：少见的组合结果不多，精确计数却要扫过辖区的整个索引
    # （百万户约 0.3 秒 CPU）；“N 户以上”旁给出计数的链接，数过的组合 2 分钟内直接显示总数
    def defer():  # 第一页满了才问
        return (
            filterset.name_estimate is None  # 名称片段另有估计，或经名称索引数得快
            and filterset.form.has_changed()
            and CountCachingPaginator(base, 1).count > LARGE
        )

    # 名称片段的第一页：命中够密时沿页面顺序有界扫描、取够一页即停（filterset.first_rows）
    page, querystring = paginate(
        request,
        rows,
        estimate=filterset.name_estimate,
        cache_all=True,
        defer_count=defer,
        first_rows=filterset.first_rows(order, LIST_COLUMNS),
    )
    page.object_list = list_rows(page.object_list, filterset.filters["unit"].queryset)
    return render(
        request,
        "directory/entity_list.html",
        {
            "filter": filterset,
            "page": page,
            "querystring": querystring,
            "show_credit": scope.can(request.user, "credit.view"),
            "count_age": COUNT_TTL // 60,
        },
    )


@login_required
def entity_detail(request, uid):
    entity = scope.get_scoped(
        Entity.objects.select_related("unit"), request.user, "directory.view", uid=uid
    )
    history = (
        scope.scoped(Inspection.objects.filter(entity=entity), request.user)
        .select_related("task", "draw", "group")
        .order_by("-draw__completed_at")
    )
    draws = draws_for_entity(entity, request.user)
    show_credit = scope.can(request.user, "credit.view")
    return render(
        request,
        "directory/entity_detail.html",
        {
            "entity": entity,
            "history": history,
            "draws": draws,
            "results": list(entity_results(request.user, entity)),  # 部门间互认
            "show_credit": show_credit,
            "listings": list(entity_listings(request.user, entity)),  # 经营异常名录
            "credit_history": entity.credit_history.select_related("user") if show_credit else (),
            "credit_pending": credit.proposals_for(request.user, ProposalStatus.PENDING).filter(
                entity=entity
            ),
        },
    )
