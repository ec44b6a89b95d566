"""工作台的待办（信用反馈）：待确认的信用风险分类调整建议。"""

from django.urls import reverse

from shuangsui.core import scope

from . import services
from .choices import ProposalStatus


def todos(user):
    if not scope.can(user, services.CAPABILITY):
        return []
    count = services.proposals_for(user, ProposalStatus.PENDING).count()
    if not count:
        return []
    return [
        {
            "kind": "credit",
            "label": f"待确认的信用风险分类调整建议 {count} 项",
            "url": reverse("credit-proposals"),
        }
    ]
