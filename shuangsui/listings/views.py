"""未完成"""

from django.http import HttpResponse


def _stub(request, pk=None):
    return HttpResponse("未完成")


listing_list = listing_detail = listing_docx = listing_reminder = listing_step = _stub
removal_apply = removal_step = order_fulfil = _stub
