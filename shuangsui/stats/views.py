"""统计页：年度（季度）统计表、下载（XLSX、CSV）与完整性检查。"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse

from shuangsui.core import scope
from shuangsui.lib import exporters

from . import services
from .exporters import StatsExporter


def _params(request):
    today = services.today()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        raise services.StatsError("年度应为数字，如 2025") from None
    if not 2000 <= year <= 2100:
        raise services.StatsError("年度应在 2000 到 2100 之间")
    return year, request.GET.get("period", ""), request.GET.get("unit", "")


@login_required
def stats_index(request):
    if not scope.can(request.user, services.VIEW):
        raise PermissionDenied(scope.NOT_PERMITTED)
    root = scope.root_unit(request.user)
    context = {
        "periods": list(services.PERIODS.items()),
        "groups": services.COLUMN_GROUPS,
        "units": [root, *services.row_units(root)] if root else [],
        "year": services.today().year,
        "period": "",
        "unit_code": "",
    }
    try:
        year, period, unit_code = _params(request)
        context.update(year=year, period=period, unit_code=unit_code)
        table = services.yearly_table(request.user, year, unit_code=unit_code, period=period)
    except services.StatsError as exc:
        context["error"] = str(exc)
        return render(request, "stats/index.html", context, status=400)
    query = request.GET.urlencode()
    context.update(
        table=table,
        rows=[
            (
                row,
                [
                    services.display(k, v)
                    for k, v in zip(services.COLUMNS, row.cells(), strict=True)
                ],
            )
            for row in table.all_rows
        ],
        checks=[
            (c, [(f.text, reverse(f.url_name, args=f.url_args)) for f in c.findings])
            for c in services.completeness(request.user, year)
        ],
        xlsx_url=f"{reverse('stats-download', args=['xlsx'])}?{query}",
        csv_url=f"{reverse('stats-download', args=['csv'])}?{query}",
    )
    return render(request, "stats/index.html", context)


@login_required
def stats_download(request, fmt):
    if not scope.can(request.user, services.VIEW):
        raise PermissionDenied(scope.NOT_PERMITTED)
    try:
        year, period, unit_code = _params(request)
        table = services.yearly_table(request.user, year, unit_code=unit_code, period=period)
    except services.StatsError as exc:
        return render(request, "stats/index.html", {"error": str(exc)}, status=400)
    exporter = StatsExporter(table, request.user)
    return exporters.http_response(exporter, fmt, f"{exporter.filename_stem}.{fmt}")
