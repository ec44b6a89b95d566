"""监管看板的图表数据：每张图一份 {标题, 类目, 系列}，同一份数据画图（ECharts）也出旁边的表格。"""

from django.db.models import Count

from shuangsui.catalog.models import ResultCode
from shuangsui.core import scope
from shuangsui.directory.choices import CreditClass, EntityStatus
from shuangsui.directory.models import Entity
from shuangsui.draws.choices import DrawStatus, TargetRole
from shuangsui.draws.models import DrawnTarget
from shuangsui.plans.choices import TaskStatus
from shuangsui.plans.models import Task
from shuangsui.results.choices import ResultStatus
from shuangsui.results.models import Result, tags

from . import services


def chart(key, title, categories, series, *, unit="户", kind="bar", note=""):
    return {
        "id": key,
        "title": title,
        "categories": categories,
        "series": [{"name": name, "data": data} for name, data in series],
        "unit": unit,
        "kind": kind,
        "note": note,
    }


def plan_progress(root, year):
    tasks = Task.objects.filter(scope.under(root.path), year=year)
    counts = dict(tasks.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return chart(
        "plan",
        f"{year}年抽查任务进度",
        [label for _, label in TaskStatus.choices],
        [("任务数", [counts.get(value, 0) for value, _ in TaskStatus.choices])],
        unit="个",
    )


def station_progress(table):
    rows = table.rows if len(table.rows) > 1 else [table.total]
    return chart(
        "stations",
        "各单位检查完成、录入与公示",
        [r.unit.name for r in rows],
        [
            ("已派发", [r.figures["dispatched"] for r in rows]),
            ("已检查", [r.figures["checked"] for r in rows]),
            ("已录入", [r.figures["entered"] for r in rows]),
            ("已公示", [r.figures["published"] for r in rows]),
        ],
    )


def result_codes(root, year):
    counts = {}
    for codes in Result.objects.filter(
        scope.under(root.path),
        current=True,
        status=ResultStatus.APPROVED,
        inspection__task__year=year,
    ).values_list("codes", flat=True):
        for code in tags(codes):
            counts[code] = counts.get(code, 0) + 1
    names = dict(ResultCode.objects.filter(code__in=counts).values_list("code", "name"))
    order = sorted(counts, key=lambda c: (-counts[c], c))
    return chart(
        "codes",
        "检查结果（按结果代码）",
        [f"{c} {names.get(c, '')}".strip() for c in order],
        [("结果数", [counts[c] for c in order])],
        unit="项",
        note="一项结果可含多个代码（选了下级即含上级）。",
    )


def credit_classes(root, year):
    drawn = dict(
        DrawnTarget.objects.filter(
            services._placed(root.path),
            role=TargetRole.SELECTED,
            draw__status=DrawStatus.COMPLETED,
            draw__task__year=year,
            entity__isnull=False,
        )
        .values_list("entity__credit_class")
        .annotate(n=Count("entity", distinct=True))
        .values_list("entity__credit_class", "n")
    )
    population = dict(
        Entity.objects.filter(scope.under(root.path), status=EntityStatus.ACTIVE)
        .values_list("credit_class")
        .annotate(n=Count("id"))
        .values_list("credit_class", "n")
    )
    classes = [value for value, _ in CreditClass.choices]
    total_drawn = sum(drawn.values()) or 1
    total_pop = sum(population.values()) or 1
    return chart(
        "credit",
        "抽中对象与名录的信用风险分类（占比 %）",
        [label for _, label in CreditClass.choices],
        [
            ("抽中对象", [round(100 * drawn.get(c, 0) / total_drawn, 2) for c in classes]),
            ("名录存续主体", [round(100 * population.get(c, 0) / total_pop, 2) for c in classes]),
        ],
        unit="%",
        note=f"抽中对象 {sum(drawn.values())} 户（同一户只计一次），名录存续主体 {sum(population.values())} 户。",
    )


def overdue_chart(late):
    from .alerts import KINDS

    counts = dict.fromkeys(KINDS, 0)
    for a in late:
        counts[a.kind] += a.count
    return chart(
        "overdue",
        "逾期工作",
        list(KINDS.values()),
        [("逾期项数", list(counts.values()))],
        unit="项",
    )


def table_rows(spec):
    """图旁的表格：每个类目一行，每个系列一列。"""
    return [
        (category, [s["data"][i] for s in spec["series"]])
        for i, category in enumerate(spec["categories"])
    ]
