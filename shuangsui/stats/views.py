"""统计页：年度（季度）统计表、下载（XLSX、CSV）与完整性检查。"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from shuangsui.core import scope, workdays
from shuangsui.lib import exporters
from shuangsui.plans.models import Task

from . import alerts, services
from . import dashboard as dashboard_data
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


def _table(request):
    """页面与下载共用：按单位的年度表，或按任务、检查组、部门、事项的分组表。"""
    year, period, unit_code = _params(request)
    by = request.GET.get("by", "")
    if by:
        return services.breakdown_table(request.user, year, by, unit_code=unit_code, period=period)
    return services.yearly_table(request.user, year, unit_code=unit_code, period=period)


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
        "breakdowns": list(services.BREAKDOWNS.items()),
        "by": request.GET.get("by", ""),
    }
    try:
        year, period, unit_code = _params(request)
        context.update(year=year, period=period, unit_code=unit_code)
        table = _table(request)
    except services.StatsError as exc:
        context["error"] = str(exc)
        return render(request, "stats/index.html", context, status=400)
    query = request.GET.urlencode()
    columns, groups, rows = StatsExporter.layout(table)
    context.update(
        table=table,
        groups=groups,
        rows=[
            (
                row,
                [services.display(k, v) for k, v in zip(columns, row.cells(columns), strict=True)],
            )
            for row in rows
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
        table = _table(request)
    except services.StatsError as exc:
        return render(request, "stats/index.html", {"error": str(exc)}, status=400)
    exporter = StatsExporter(table, request.user)
    return exporters.http_response(exporter, fmt, f"{exporter.filename_stem}.{fmt}")


@login_required
def dashboard(request):
    """监管看板：计划进度、各单位完成与录入、结果代码、信用分类、逾期工作，提醒与完整性检查。"""
    if not scope.can(request.user, services.VIEW):
        raise PermissionDenied(scope.NOT_PERMITTED)
    today = services.today()
    try:
        year, _, unit_code = _params(request)
        table = services.yearly_table(request.user, year, unit_code=unit_code)
    except services.StatsError as exc:
        return render(request, "stats/dashboard.html", {"error": str(exc)}, status=400)
    root = table.unit
    calendar = workdays.Calendar()
    late = alerts.overdue(root, today, calendar)
    charts = [
        dashboard_data.plan_progress(root, year),
        dashboard_data.station_progress(table),
        dashboard_data.result_codes(root, year),
        dashboard_data.credit_classes(root, year),
        dashboard_data.overdue_chart(late),
    ]
    context = {
        "year": year,
        "table": table,
        "ratio": services.display("ratio", table.total.figures["ratio"]),
        "checked_ratio": services.display("ratio", table.total.figures["checked_ratio"]),
        "min_ratio": services.display("ratio", table.min_ratio),
        "charts": [(c, dashboard_data.table_rows(c)) for c in charts],
        "chart_data": charts,
        "overdue": late,
        "reminders": alerts.reminders(root, today, calendar),
        "checks": [
            (c, [(f.text, reverse(f.url_name, args=f.url_args)) for f in c.findings])
            for c in services.completeness(request.user, year)
        ],
        "stats_url": f"{reverse('stats')}?year={year}",
        "xlsx_url": f"{reverse('stats-download', args=['xlsx'])}?year={year}",
    }
    return render(request, "stats/dashboard.html", context)


@login_required
def task_summary(request, pk):
    """任务的工作总结：预填的数字与一段草稿，供复制报送。"""
    if not scope.can(request.user, services.VIEW):
        raise PermissionDenied(scope.NOT_PERMITTED)
    task = get_object_or_404(scope.scoped(Task.objects.all(), request.user, "plans.view"), pk=pk)
    figures = alerts.summary_figures(task)
    draft = (
        f"{task.code} {task.name}（{task.start_date:%Y年%-m月%-d日}至{task.deadline:%Y年%-m月%-d日}）"
        "工作总结：本次抽查" + "，".join(f"{k} {v}" for k, v in figures) + "。"
    )
    due, why = workdays.safe_deadline(task.completed_on, alerts.SUMMARY_DAYS)
    return render(
        request,
        "stats/summary.html",
        {"task": task, "figures": figures, "draft": draft, "due": due, "why": why},
    )
