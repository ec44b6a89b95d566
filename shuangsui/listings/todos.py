"""工作台的待办（列入经营异常名录）：待提醒负责人、待所长审核、待局审批，以及移出（信用修复）的审批。"""

from django.urls import reverse

from shuangsui.core import scope
from shuangsui.core.choices import Role

from . import services
from .choices import Stage


def _item(kind, label, count, tab):
    return {
        "kind": kind,
        "label": f"{label} {count} 项",
        "url": reverse("listing-list") + f"?tab={tab}",
    }


def todos(user):
    if not scope.can(user, "listings.view"):
        return []
    rows = services.visible(user)
    items = []
    if scope.can(user, "listings.handle"):
        count = rows.filter(stage=Stage.REMINDER).count()
        if count:
            items.append(_item("listing", "列异提请：待电话或短信提醒负责人", count, "reminder"))
    if user.role == Role.STATION_HEAD and scope.can(user, "listings.review"):
        count = rows.filter(stage=Stage.HEAD).count()
        if count:
            items.append(_item("listing", "列入经营异常名录：待所长审核", count, "head"))
    if scope.can(user, "listings.approve"):
        count = rows.filter(stage=Stage.BUREAU).count()
        if count:
            items.append(_item("listing", "列入经营异常名录：待局审批", count, "bureau"))
    if scope.can(user, "listings.review") or scope.can(user, "listings.approve"):
        step = Stage.HEAD if user.role == Role.STATION_HEAD else Stage.BUREAU
        count = rows.filter(removals__stage=step).distinct().count()
        if count:
            items.append(_item("listing", "移出经营异常名录（信用修复）：待审批", count, "removal"))
    return items
