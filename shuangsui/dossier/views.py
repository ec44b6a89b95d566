"""立卷归档的下载：与检查对象页同样的辖区与权限。"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse

from shuangsui.core import audit
from shuangsui.inspections import services as inspections

from . import services


@login_required
def download(request, pk):
    inspection = inspections.get_inspection(request.user, pk)
    content = services.build(inspection)
    audit.log("dossier.downloaded", inspection, actor=request.user, after={"bytes": len(content)})
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{services.filename(inspection)}"
    )
    return response
