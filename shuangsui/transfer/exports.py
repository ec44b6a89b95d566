"""导出：市场主体、检查人员、抽查事项。写的表头与导入读的一致，导出的文件可以原样再导入。

页面导出沿用列表页的筛选（同一个 FilterSet、同一个辖区查询集），命令行可以用系统身份导出全库。
"""

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import QueryDict

from shuangsui.catalog.filters import ItemFilterSet
from shuangsui.catalog.models import InspectionItem
from shuangsui.core import scope
from shuangsui.core.models import OrgUnit
from shuangsui.directory.choices import AnnualReport, EntityStatus, EntityType
from shuangsui.directory.filters import EntityFilterSet
from shuangsui.directory.models import Entity
from shuangsui.inspectors.choices import InspectorKind
from shuangsui.inspectors.filters import InspectorFilterSet
from shuangsui.inspectors.models import Inspector
from shuangsui.lib.exporters import Exporter

from . import specs
from .units import UnitIndex

BATCH = 5000


def _tags(stored):
    return "、".join(t for t in (stored or "").split(",") if t)


def _date(value):
    return value.isoformat() if value else ""


class EntityExporter(Exporter):
    sheet_title = "市场主体"
    filename_stem = specs.ENTITY.filename_stem

    def __init__(self, queryset, units, show_credit=True):
        self.queryset = queryset
        self.units = units
        self.show_credit = show_credit
        hidden = set() if show_credit else {"credit_class", "credit_date"}
        self.keys = [c.key for c in specs.ENTITY.columns if c.key not in hidden]
        self.columns = [specs.ENTITY.column(k).header for k in self.keys]

    def rows(self):
        types = dict(EntityType.choices)
        statuses = dict(EntityStatus.choices)
        annuals = dict(AnnualReport.choices)
        fields = (
            "uid",
            "name",
            "entity_type",
            "unit_id",
            "region_code",
            "industry_code",
            "address",
            "legal_rep",
            "phone",
            "status",
            "established",
            "credit_class",
            "credit_date",
            "key_tags",
            "annual_report",
        )
        label = self.units.label
        for row in self.queryset.values_list(*fields).iterator(chunk_size=BATCH):
            values = {
                "uid": row[0],
                "name": row[1],
                "entity_type": types.get(row[2], row[2]),
                "unit": label(row[3]),
                "region_code": row[4],
                "industry_code": row[5],
                "address": row[6],
                "legal_rep": row[7],
                "phone": row[8],
                "status": statuses.get(row[9], row[9]),
                "established": _date(row[10]),
                "credit_class": "未分类" if row[11] == "U" else row[11],
                "credit_date": _date(row[12]),
                "key_tags": _tags(row[13]),
                "annual_report": annuals.get(row[14], row[14]),
            }
            yield [values[k] for k in self.keys]


class InspectorExporter(Exporter):
    sheet_title = "检查人员"
    filename_stem = specs.INSPECTOR.filename_stem
    columns = specs.INSPECTOR.headers

    def __init__(self, queryset, units):
        self.queryset = queryset
        self.units = units

    def rows(self):
        kinds = dict(InspectorKind.choices)
        units = self.units
        through = Inspector.conflicts.through
        batch = []
        for inspector in self.queryset.iterator(chunk_size=1000):
            batch.append(inspector)
            if len(batch) >= 1000:
                yield from self._rows(batch, kinds, units, through)
                batch = []
        yield from self._rows(batch, kinds, units, through)

    def _rows(self, batch, kinds, units, through):
        conflicts = {}
        links = through.objects.filter(inspector_id__in=[i.pk for i in batch]).values_list(
            "inspector_id", "entity__uid"
        )
        for inspector_id, uid in links.order_by("entity__uid"):
            conflicts.setdefault(inspector_id, []).append(uid)
        for i in batch:
            home = units.by_id.get(i.unit_id)
            county = home.county_path if home else ""
            yield [
                i.badge_no,
                i.name,
                units.label(i.unit_id),
                units.label_in_county(i.department_id, county) if i.department_id else "",
                kinds.get(i.kind, i.kind),
                "、".join(i.qualification_list),
                "、".join(i.expertise_list),
                "、".join(units.label_by_code(code, county) for code in i.region_list),
                "是" if i.on_duty else "否",
                i.phone,
                "、".join(conflicts.get(i.pk, [])),
            ]


def ratio_display(item):
    if item.ratio_text:
        return item.ratio_text
    if item.ratio_cap is None:
        return ""
    return format((Decimal(item.ratio_cap) * 100).normalize(), "f") + "%"


class ItemExporter(Exporter):
    sheet_title = "抽查事项"
    filename_stem = specs.ITEM.filename_stem
    columns = specs.ITEM.headers

    def __init__(self, queryset, units):
        self.queryset = queryset
        self.units = units

    def rows(self):
        units = self.units
        short_kind = {"key": "重点", "general": "一般"}
        for item in self.queryset.iterator(chunk_size=1000):
            home = units.by_id.get(item.unit_id)
            county = home.county_path if home else ""
            subject = item.subject
            if not subject and item.department_id:
                subject = units.label_in_county(item.department_id, county)
            yield [
                item.code,
                item.name,
                item.sub_items,
                item.legal_basis,
                subject,
                item.object_type,
                ratio_display(item),
                item.frequency,
                "、".join(item.method_labels),
                "、".join(item.requirement_tags),
                item.note,
                short_kind.get(item.kind, item.kind),
                units.label(item.unit_id),
            ]


class TemplateExporter(Exporter):
    """导入模板：只有表头。"""

    def __init__(self, spec):
        self.columns = spec.headers
        self.sheet_title = spec.label
        self.filename_stem = f"{spec.label}导入模板"

    def rows(self):
        return iter(())


class ErrorReport(Exporter):
    """导入错误报告：行号、列、值、原因。"""

    columns = ["行号", "列", "值", "原因"]
    sheet_title = "错误报告"
    filename_stem = "导入错误报告"

    def __init__(self, errors, total=None):
        self.errors = errors
        self.total = total if total is not None else len(errors)

    def rows(self):
        for e in self.errors:
            yield [e.row or "", e.column, e.value, e.reason]
        if self.total > len(self.errors):
            yield ["", "", "", f"……另有 {self.total - len(self.errors)} 处错误未列出"]


def _params(params):
    if params is None:
        return QueryDict()
    if isinstance(params, QueryDict):
        params = params.copy()
    else:
        query = QueryDict(mutable=True)
        for key, value in dict(params).items():
            query[key] = value
        params = query
    for key in ("page", "format"):
        params.pop(key, None)
    return params


def build_exporter(kind, *, user=None, params=None, unit=None):
    """按列表页的筛选条件建导出器；`user` 为空时以系统身份导出（全库，或 `unit` 之下）。

    有 `user` 时检查导出权限并限定在其辖区（与列表页同一个查询集），辖区外的单位筛选无效。
    """
    spec = specs.SPECS.get(kind)
    if spec is None:
        raise ValueError(f"未知的导出种类：{kind}")
    if isinstance(unit, str):
        code = unit
        unit = OrgUnit.objects.filter(code=code).first()
        if unit is None:
            raise PermissionDenied(f"找不到组织单元“{code}”")
    params = _params(params)
    if user is not None:
        scope.require(user, spec.export_capability)
        if unit is not None and not scope.in_scope(user, unit.path):
            raise PermissionDenied(f"“{unit.name}”不在您的辖区内")
    root = scope.root_path(user) if user is not None else ""
    units = UnitIndex(root or "")

    if kind == "entities":
        queryset = Entity.objects.all()
        if user is not None:
            queryset = scope.scoped(queryset, user, "directory.view")
        if unit is not None:
            queryset = queryset.filter(scope.under(unit.path))
        choices = scope.units_in_scope(user) if user is not None else OrgUnit.objects.all()
        filterset = EntityFilterSet(params, queryset=queryset, units=choices)
        show_credit = user is None or scope.can(user, "credit.view")
        return EntityExporter(filterset.qs.order_by("scope_path", "uid"), units, show_credit)
    if kind == "inspectors":
        queryset = Inspector.objects.all()
        if user is not None:
            queryset = scope.scoped(queryset, user, "inspectors.view")
        if unit is not None:
            queryset = queryset.filter(scope.under(unit.path))
        filterset = InspectorFilterSet(params, queryset=queryset)
        return InspectorExporter(filterset.qs.order_by("badge_no"), units)
    queryset = InspectionItem.objects.all()
    if user is not None:
        queryset = scope.visible_shared(queryset, user, "catalog.view")
    if unit is not None:
        queryset = queryset.filter(scope.under(unit.path))
    filterset = ItemFilterSet(params, queryset=queryset)
    return ItemExporter(filterset.qs.order_by("code", "scope_path"), units)
