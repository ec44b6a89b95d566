"""工作台的待办（后续处置）：发现问题、尚未登记措施的结果；期限已过仍未完结的措施。"""

from django.urls import reverse

from shuangsui.core import scope

from . import services


def todos(user):
    if not scope.capabilities(user) & services.RECORDING_CAPS:
        return []
    items = []
    pending = services.pending(user).count()
    if pending:
        items.append(
            {
                "kind": "followup",
                "label": f"发现问题、尚未登记后续处置的检查结果 {pending} 项",
                "url": reverse("followup-list") + "?show=pending",
            }
        )
    late = services.overdue(user).count()
    if late:
        items.append(
            {
                "kind": "overdue",
                "label": f"期限已过仍未完结的后续处置 {late} 项",
                "url": reverse("followup-list") + "?show=overdue",
            }
        )
    return items
