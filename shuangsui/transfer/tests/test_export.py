"""导出：公式中和、与导入一致的表头、列表页筛选与辖区、导出 → 再导入原样不变（往返）。"""

import datetime
import io

import openpyxl
from django.urls import reverse

from shuangsui.catalog.models import InspectionItem
from shuangsui.core import scope
from shuangsui.core.tests.base import BaseTestCase, make_entity, make_inspector
from shuangsui.directory.models import Entity
from shuangsui.inspectors.models import Inspector
from shuangsui.lib import exporters
from shuangsui.transfer import exports, specs
from shuangsui.transfer.services import import_entities, import_inspectors, import_items

from .helpers import csv_rows, xlsx_rows

FORMULAS = {
    "name": '=HYPERLINK("http://evil","点我")',
    "legal_rep": "+cmd|' /C calc'!A0",
    "address": "-2+3",
    "phone": "@SUM(1+1)",
}


def entity_snapshot(queryset):
    fields = [
        "uid", "name", "entity_type", "unit_id", "scope_path", "region_code", "industry_code",
        "address", "legal_rep", "phone", "status", "established", "credit_class", "credit_date",
        "key_tags", "annual_report",
    ]  # fmt: skip
    return sorted(queryset.values_list(*fields))


def inspector_snapshot(queryset):
    rows = []
    for i in queryset.order_by("badge_no"):
        rows.append(
            (
                i.badge_no, i.name, i.unit_id, i.scope_path, i.department_id, i.kind,
                i.qualifications, i.expertise, i.regions, i.on_duty, i.phone,
                sorted(i.conflicts.values_list("uid", flat=True)),
            )
        )  # fmt: skip
    return rows


def item_snapshot(queryset):
    fields = [
        "unit_id", "code", "name", "sub_items", "legal_basis", "department_id", "subject",
        "object_type", "kind", "ratio_cap", "ratio_text", "frequency", "methods",
        "inspector_requirements", "note", "active",
    ]  # fmt: skip
    return sorted(queryset.values_list(*fields))


class ExportTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.formula = make_entity(cls.station2, 20, credit_class="C", **FORMULAS)
        cls.rich = make_entity(
            cls.station,
            21,
            name="泉州刺桐(国际)贸易有限公司",
            entity_type="coop",
            region_code="350503001",
            industry_code="A0111",
            address="福建省泉州市丰泽区东海街道1号",
            legal_rep="林某",
            phone="0595-12345678",
            status="revoked",
            credit_class="D",
            credit_date=datetime.date(2024, 12, 31),
            key_tags=",食品,特种设备,",
            annual_report="not_reported",
        )
        cls.unclassified = make_entity(cls.station, 22, credit_class="U", established=None)
        cls.officer = make_inspector(
            cls.station,
            "35050300077",
            department=cls.county.children.get(code="350503D02"),
            qualifications=",食品安全,企业公示,",
            expertise=",计量,",
            regions=",35050301,35050302,",
            on_duty=False,
            phone="=1+1",
        )
        cls.officer.conflicts.add(cls.entity, cls.rich)
        make_inspector(cls.station2, "FZ-0001", kind="auxiliary", name="-辅助人员")

    def export_bytes(self, kind, fmt="csv", **kwargs):
        return exporters.to_bytes(exports.build_exporter(kind, **kwargs), fmt)

    def test_csv_is_utf8_with_bom_and_has_import_headers(self):
        data = self.export_bytes("entities")
        self.assertTrue(data.startswith("\ufeff".encode()))
        rows = csv_rows(data)
        self.assertEqual(rows[0], specs.ENTITY.headers)
        self.assertEqual(len(rows) - 1, Entity.objects.count())

    def test_formula_cells_are_neutralised_in_csv(self):
        rows = {r[0]: r for r in csv_rows(self.export_bytes("entities"))[1:]}
        row = rows[self.formula.uid]
        header = specs.ENTITY.headers
        self.assertEqual(row[header.index("名称")], "'" + FORMULAS["name"])
        self.assertEqual(row[header.index("法定代表人")], "'" + FORMULAS["legal_rep"])
        self.assertEqual(row[header.index("住所")], "'" + FORMULAS["address"])
        self.assertEqual(row[header.index("联系电话")], "'" + FORMULAS["phone"])
        self.assertEqual(exporters.neutralise("\tx"), "'\tx")
        self.assertEqual(exporters.neutralise("\rx"), "'\rx")
        self.assertEqual(exporters.neutralise("普通"), "普通")
        self.assertEqual(exporters.unneutralise("'=1"), "=1")
        self.assertEqual(exporters.unneutralise("'普通"), "'普通")

    def test_formula_cells_are_neutralised_in_xlsx(self):
        data = self.export_bytes("entities", "xlsx")
        book = openpyxl.load_workbook(io.BytesIO(data))
        sheet = book.active
        self.assertEqual([c.value for c in sheet[1]], specs.ENTITY.headers)
        formulas = [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]
        self.assertEqual(formulas, [])
        names = [row[1].value for row in sheet.iter_rows(min_row=2)]
        self.assertIn("'" + FORMULAS["name"], names)
        inspectors = xlsx_rows(self.export_bytes("inspectors", "xlsx"))
        phones = {r[0]: r[9] for r in inspectors[1:]}
        self.assertEqual(phones["35050300077"], "'=1+1")

    def test_scope_and_list_filters(self):
        planner = self.user("planner")
        rows = csv_rows(self.export_bytes("entities", user=planner))
        uids = {r[0] for r in rows[1:]}
        self.assertNotIn(self.other_entity.uid, uids)
        self.assertIn(self.entity.uid, uids)
        rows = csv_rows(self.export_bytes("entities", user=planner, params={"credit_class": "A"}))
        self.assertEqual([r[0] for r in rows[1:]], [self.entity.uid])
        rows = csv_rows(self.export_bytes("entities", user=planner, params={"q": "刺桐(国际)"}))
        self.assertEqual([r[0] for r in rows[1:]], [self.rich.uid])
        head = self.user("head")  # 所长：只有本所
        rows = csv_rows(self.export_bytes("entities", user=head))
        self.assertEqual(
            {r[0] for r in rows[1:]},
            set(scope.scoped(Entity.objects.all(), head).values_list("uid", flat=True)),
        )
        rows = csv_rows(self.export_bytes("inspectors", user=planner, params={"kind": "auxiliary"}))
        self.assertEqual([r[0] for r in rows[1:]], ["FZ-0001"])

    def test_entity_round_trip(self):
        county = Entity.objects.filter(scope.under(self.county.path))
        before = entity_snapshot(county)
        for fmt in ("csv", "xlsx"):
            data = self.export_bytes("entities", fmt, user=self.user("planner"))
            Inspector.conflicts.through.objects.all().delete()
            county.delete()
            result = import_entities(data, f"往返.{fmt}", user=self.user("planner"))
            self.assertEqual(result.created, len(before))
            self.assertEqual(entity_snapshot(county), before, fmt)
        data = self.export_bytes("entities", user=self.user("planner"))
        result = import_entities(data, "再导入.csv", user=self.user("planner"), mode="upsert")
        self.assertEqual((result.created, result.updated), (0, len(before)))
        self.assertEqual(entity_snapshot(county), before)

    def test_inspector_round_trip(self):
        county = Inspector.objects.filter(scope.under(self.county.path))
        before = inspector_snapshot(county)
        for fmt in ("xlsx", "csv"):
            data = self.export_bytes("inspectors", fmt, user=self.user("planner"))
            county.delete()
            result = import_inspectors(data, f"人员.{fmt}", user=self.user("planner"))
            self.assertEqual(result.created, len(before))
            self.assertEqual(inspector_snapshot(county), before, fmt)

    def test_item_round_trip(self):
        items = InspectionItem.objects.filter(unit=self.county)
        InspectionItem.objects.filter(unit=self.county, code="FJSC-003").update(
            note="=备注公式", ratio_text=""
        )
        before = item_snapshot(items)
        # 比例文字为空的事项导出时写成“5%”，再导入后带上这段文字；其余原样不变
        text_index = 10
        expected = [
            r[:text_index] + ("5%",) + r[text_index + 1 :] if r[1] == "FJSC-003" else r
            for r in before
        ]
        for fmt in ("csv", "xlsx"):
            data = self.export_bytes("items", fmt, user=self.user("planner"))
            items.delete()
            result = import_items(data, f"事项.{fmt}", user=self.user("planner"))
            self.assertEqual(result.created, len(before))
            self.assertEqual(item_snapshot(items), expected, fmt)

    def test_export_pages(self):
        self.login("planner")
        response = self.client.get(reverse("export", args=["entities"]) + "?credit_class=A")
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment", response["Content-Disposition"])
        rows = csv_rows(b"".join(response.streaming_content))
        self.assertEqual([r[0] for r in rows[1:]], [self.entity.uid])
        response = self.client.get(reverse("export", args=["items"]) + "?format=xlsx")
        self.assertEqual(response.status_code, 200)
        rows = xlsx_rows(b"".join(response.streaming_content))
        self.assertEqual(rows[0], specs.ITEM.headers)
        self.assertTrue(all(r[12] == "泉州市丰泽区市场监督管理局" for r in rows[1:]))
        self.client.logout()
        self.login("inspector")
        self.assertEqual(self.client.get(reverse("export", args=["entities"])).status_code, 403)
        self.assertEqual(self.client.get(reverse("export", args=["inspectors"])).status_code, 403)
        self.client.logout()
        self.login("witness")
        self.assertEqual(self.client.get(reverse("export", args=["entities"])).status_code, 403)
        response = self.client.get(reverse("export", args=["inspectors"]))
        self.assertEqual(response.status_code, 200)
        body = b"".join(response.streaming_content).decode("utf-8-sig")
        self.assertNotIn(self.other_inspector.badge_no, body)
        self.assertEqual(self.client.get(reverse("export", args=["nothing"])).status_code, 404)

    def test_export_never_crosses_county_even_with_foreign_unit_filter(self):
        self.login("planner")
        response = self.client.get(
            reverse("export", args=["entities"]) + f"?unit={self.other_station.pk}"
        )
        body = b"".join(response.streaming_content).decode("utf-8-sig")
        self.assertNotIn(self.other_entity.uid, body)
        self.assertIn(self.entity.uid, body)

    def test_unit_labels_are_names_when_unique(self):
        units = exports.UnitIndex("")
        self.assertEqual(units.label(self.station.pk), self.station.name)
        department = self.county.children.get(code="350503D01")
        # 两个县都有“信用监管股”：全库不唯一，本县内唯一
        self.assertEqual(units.label(department.pk), "350503D01")
        self.assertEqual(units.label_in_county(department.pk, self.county.path), department.name)

    def test_template_has_only_headers(self):
        for spec in specs.SPECS.values():
            rows = csv_rows(exporters.to_bytes(exports.TemplateExporter(spec), "csv"))
            self.assertEqual(rows, [spec.headers])
