"""市场主体导入：各种合法文件都能导入；每种坏文件都给出清楚的错误（行号、列），且一行不写。"""

import datetime
import multiprocessing

from django.db import connection
from django.test import override_settings
from django.utils import timezone

from shuangsui.core.models import AuditEvent
from shuangsui.core.tests.base import BaseTestCase
from shuangsui.directory.models import Entity
from shuangsui.directory.search import search_entities
from shuangsui.lib import tabular
from shuangsui.transfer.importers import entities
from shuangsui.transfer.services import ImportFailed, import_entities

from .helpers import (
    bad_check_digit,
    csv_bytes,
    entity_structure,
    replace_in_xlsx,
    uid,
    xlsx_bytes,
    zip_bomb_xlsx,
)

HEADER = ["统一社会信用代码", "名称", "所属单位", "信用风险分类", "成立日期"]


def row(code, name, unit="35050301", credit="B", established="2020-01-02"):
    return [code, name, unit, credit, established]


class EntityImportTests(BaseTestCase):
    def setUp(self):
        self.planner = self.user("planner")

    def run_import(self, data, filename="主体.csv", **kwargs):
        kwargs.setdefault("user", self.planner)
        return import_entities(data, filename, **kwargs)

    def failure(self, data, filename="主体.csv", **kwargs):
        before = Entity.objects.count()
        events = AuditEvent.objects.count()
        with self.assertRaises(ImportFailed) as caught:
            self.run_import(data, filename, **kwargs)
        self.assertEqual(Entity.objects.count(), before, "失败的导入不应写入任何行")
        self.assertEqual(AuditEvent.objects.count(), events, "失败的导入不应写审计事件")
        if connection.vendor == "sqlite":  # 回滚后检索索引的插入触发器仍在
            with connection.cursor() as cur:
                cur.execute(
                    "SELECT COUNT(*) FROM sqlite_master WHERE name = 'directory_entity_fts_ai'"
                )
                self.assertEqual(cur.fetchone()[0], 1)
        return [(e.row, e.column, e.reason) for e in caught.exception.errors]

    def assertError(self, errors, row, column, fragment):
        for r, c, reason in errors:
            if r == row and c == column and fragment in reason:
                return
        self.fail(f"没有找到 第{row}行 {column}：…{fragment}…；实际：{errors}")

    # ---------------------------------------------------------------- 合法文件

    def test_gbk_csv_with_synonym_headers_imports(self):
        header = [
            "社会信用代码",
            "企业名称",
            "主体类型",
            "所属单位",
            "信用等级",
            "成立日期",
            "重点领域",
        ]
        rows = [
            [
                uid("91350503MA0000001"),
                "泉州测试（一）有限公司",
                "企业",
                "35050301",
                "A类",
                "2020/1/2",
                "食品、药品",
            ],
            [
                uid("92350503MA0000002"),
                "丰泽测试小吃店",
                "",
                "东海市场监督管理所",
                "b",
                "2021年3月4日",
                "",
            ],
        ]
        result = self.run_import(csv_bytes(rows, header, encoding="gbk"))
        self.assertEqual((result.rows, result.created, result.updated), (2, 2, 0))
        first = Entity.objects.get(uid=rows[0][0])
        self.assertEqual(first.name, "泉州测试（一）有限公司")  # 名称等中文文字保持原样
        self.assertEqual(first.credit_class, "A")
        self.assertEqual(first.established, datetime.date(2020, 1, 2))
        self.assertEqual(first.tag_list, ["食品", "药品"])
        self.assertEqual(first.unit, self.station)
        self.assertEqual(first.scope_path, self.station.path)
        second = Entity.objects.get(uid=rows[1][0])
        self.assertEqual(second.entity_type, "individual")  # 空白时按代码第 2 位推断
        self.assertEqual(second.established, datetime.date(2021, 3, 4))
        self.assertEqual(second.unit.code, "35050301")

    def test_utf8_bom_csv_with_fullwidth_headers_and_codes(self):
        code = uid("91350503MA0000003")
        fullwidth = code.translate(
            str.maketrans(
                "0123456789ABCDEFGHJKLMNPQRTUWXY",
                "０１２３４５６７８９ＡＢＣＤＥＦＧＨＪＫＬＭＮＰＱＲＴＵＷＸＹ",
            )
        )
        header = ["统一社会信用代码　", " 名 称 ", "所属单位*", "信用风险分类（必填）"]
        data = "\ufeff".encode() + csv_bytes(
            [[fullwidth, "全角代码有限公司", "３５０５０３０１", "Ｃ"]], header
        )
        result = self.run_import(data)
        self.assertEqual(result.created, 1)
        entity = Entity.objects.get(uid=code)
        self.assertEqual(entity.credit_class, "C")

    def test_title_rows_above_the_header_are_skipped(self):
        title = ["泉州市丰泽区市场主体名录（2025年）", "", "", "", ""]
        code1, code2 = uid("91350503MA0000032"), uid("91350503MA0000033")
        self.run_import(csv_bytes([title, HEADER, row(code1, "标题行CSV")]))
        data = xlsx_bytes([["泉州市丰泽区市场主体名录"], [], HEADER, row(code2, "标题行XLSX")])
        self.run_import(data, "主体.xlsx")
        self.assertEqual(Entity.objects.filter(uid__in=[code1, code2]).count(), 2)
        errors = self.failure(csv_bytes([["只有标题"], ["没有表头"], row(code1, "x")]))
        self.assertError(errors, 1, "表头", "缺少必需的列")

    def test_letter_prefixed_codes_are_valid(self):
        codes = [uid("A1350503MA0000004"), uid("N1350503MA0000005"), uid("Y1350503MA0000006")]
        rows = [row(c, f"字母开头{i}") for i, c in enumerate(codes)]
        self.run_import(csv_bytes(rows, HEADER))
        self.assertEqual(Entity.objects.filter(uid__in=codes).count(), 3)

    def test_xlsx_with_date_cells_and_excel_serials(self):
        rows = [
            [
                uid("91350503MA0000007"),
                "表格日期有限公司",
                "35050301",
                "A",
                datetime.datetime(2019, 5, 6),
            ],
            [
                uid("91350503MA0000008"),
                "序号日期有限公司",
                35050302,
                "D",
                43831,
            ],  # Excel 日期序号与数字单元格
        ]
        result = self.run_import(xlsx_bytes(rows, HEADER), "主体.xlsx")
        self.assertEqual(result.created, 2)
        self.assertEqual(Entity.objects.get(uid=rows[0][0]).established, datetime.date(2019, 5, 6))
        second = Entity.objects.get(uid=rows[1][0])
        self.assertEqual(second.established, datetime.date(2020, 1, 1))
        self.assertEqual(second.unit, self.station2)

    def test_import_writes_one_audit_event_and_search_finds_names(self):
        events = AuditEvent.objects.count()
        rows = [row(uid(f"91350503MA00001{i:02d}"), f"刺桐检索测试{i}号商行") for i in range(30)]
        data = csv_bytes(rows, HEADER)
        result = self.run_import(data, "检索.csv")
        self.assertEqual(AuditEvent.objects.count(), events + 1)
        event = AuditEvent.objects.order_by("-id").first()
        self.assertEqual(event.action, "entity.imported")
        self.assertEqual(event.actor_id, self.planner.pk)
        self.assertEqual(event.scope_path, self.county.path)
        self.assertEqual(event.object_repr, "检索.csv")
        self.assertEqual(event.after["rows"], 30)
        self.assertEqual(event.after["created"], 30)
        self.assertEqual(event.after["sha256"], result.sha256)
        self.assertEqual(event.after["mode"], "insert")
        hits = search_entities(Entity.objects.all(), "刺桐检索测试17号")
        self.assertEqual(list(hits.values_list("uid", flat=True)), [rows[17][0]])
        # 之后逐条新增的主体，检索索引照常同步（插入触发器已恢复）
        Entity.objects.create(
            uid=uid("91350503MA0000199"), name="触发器恢复测试商行", unit=self.station
        )
        self.assertEqual(search_entities(Entity.objects.all(), "触发器恢复").count(), 1)

    def test_upsert_updates_only_columns_in_the_file(self):
        existing = self.entity
        new_code = uid("91350503MA0000009")
        data = csv_bytes(
            [[existing.uid, "改名后的鑫源有限公司", "D"], [new_code, "新来的有限公司", "A"]],
            ["统一社会信用代码", "名称", "信用风险分类"],
        )
        result = self.run_import(data, mode="upsert", unit=self.station2)
        self.assertEqual((result.created, result.updated), (1, 1))
        existing.refresh_from_db()
        self.assertEqual(existing.name, "改名后的鑫源有限公司")
        self.assertEqual(existing.credit_class, "D")
        self.assertEqual(existing.unit, self.station)  # 文件里没有单位列：已有主体的单位不变
        self.assertEqual(existing.industry_code, "F51")
        self.assertEqual(Entity.objects.get(uid=new_code).unit, self.station2)  # 新主体用默认单位
        self.assertEqual(search_entities(Entity.objects.all(), "改名后的鑫源").count(), 1)

    def test_upsert_without_unit_column_updates_credit_classes(self):
        """定期导入信用风险分类：只有代码和分类两列；新出现的代码须有所属单位。"""
        header = ["统一社会信用代码", "信用风险分类", "分类日期"]
        data = csv_bytes(
            [[self.entity.uid, "C", "2025-06-30"], [self.entity2.uid, "A类", ""]], header
        )
        result = self.run_import(data, mode="upsert")
        self.assertEqual((result.created, result.updated), (0, 2))
        self.entity.refresh_from_db()
        self.assertEqual(
            (self.entity.credit_class, self.entity.credit_date), ("C", datetime.date(2025, 6, 30))
        )
        self.assertEqual(self.entity.unit, self.station)
        self.assertEqual(self.entity.name, "泉州鑫源贸易有限公司")
        self.assertEqual(Entity.objects.get(pk=self.entity2.pk).credit_class, "A")
        new = uid("91350503MA0000040")
        data = csv_bytes([[self.entity.uid, "D", ""], [new, "B", ""]], header)
        errors = self.failure(data, mode="upsert")
        self.assertEqual(errors, [(3, "名称", entities.NEW_WITHOUT + "名称、所属单位")])
        errors = self.failure(data, mode="insert")
        self.assertError(errors, 1, "表头", "缺少必需的列：名称、所属单位")

    def test_concurrent_duplicate_is_reported_not_crashing(self):
        """库中冲突预先查不到时（如两人同时导入），数据库的唯一约束兜底，给出中文错误。"""
        from unittest import mock

        for mode in ("insert", "upsert"):
            with mock.patch.object(entities._EntityWriter, "conflict", lambda *a: None):
                data = csv_bytes([row(self.entity.uid, "并发")], HEADER)
                if mode == "upsert":
                    self.run_import(data, mode=mode)  # 更新模式下唯一约束冲突即更新，不报错
                    continue
                errors = self.failure(data, mode=mode)
            self.assertIn("写入数据库时发生冲突", errors[0][2])

    def test_system_import_from_command_line_has_whole_database_scope(self):
        data = csv_bytes([row(uid("91350502MA0000010"), "鲤城系统导入商行", "35050201")], HEADER)
        result = import_entities(data, "sys.csv", user=None)
        self.assertEqual(result.created, 1)
        event = AuditEvent.objects.order_by("-id").first()
        self.assertIsNone(event.actor_id)
        self.assertEqual(event.actor_name, "系统")

    def test_formula_quote_added_by_export_is_removed(self):
        code = uid("91350503MA0000011")
        self.run_import(csv_bytes([row(code, "'=1+1有限公司")], HEADER))
        self.assertEqual(Entity.objects.get(uid=code).name, "=1+1有限公司")

    def test_parallel_validation_gives_the_same_result(self):
        if "fork" not in multiprocessing.get_all_start_methods():
            self.skipTest("没有 fork")
        rows = [row(uid(f"91350503MA0001{i:03d}"), f"并行校验{i}有限公司") for i in range(200)]
        rows.append(row(bad_check_digit(uid("91350503MA0002000")), "坏代码"))
        errors = self.failure(csv_bytes(rows, HEADER), parallel=True)
        self.assertEqual(errors, [(202, "统一社会信用代码", errors[0][2])])
        result = self.run_import(csv_bytes(rows[:-1], HEADER), parallel=True)
        self.assertEqual(result.created, 200)

    def test_parallel_validation_finds_duplicates_across_parts(self):
        """并行校验把行分段交给几个子进程：跨段的重复代码由父进程查出，报在靠后的那一行。"""
        if "fork" not in multiprocessing.get_all_start_methods():
            self.skipTest("没有 fork")
        rows = [row(uid(f"91350503MA0005{i:03d}"), f"分段{i}有限公司") for i in range(200)]
        rows.append(row(rows[0][0], "与第一行重复"))  # 第 202 行，与第 2 行（另一段）重复
        rows.append(row(rows[1][0], ""))  # 第 203 行：名称为空，代码又与第 3 行重复
        errors = self.failure(csv_bytes(rows, HEADER), parallel=True)
        self.assertEqual(
            errors,
            [
                (202, "统一社会信用代码", "与第2行的统一社会信用代码重复"),
                (203, "名称", "名称不能为空"),
                (203, "统一社会信用代码", "与第3行的统一社会信用代码重复"),
            ],
        )
        self.assertEqual(errors, self.failure(csv_bytes(rows, HEADER), parallel=False))

    def test_bulk_path_restores_indexes_constraints_and_triggers(self):
        """大批量的写法（PostgreSQL 去掉索引与外键再重建；SQLite 去掉二级索引再重建、整批补检索索引）结束后结构原样。"""

        structure = entity_structure
        before = structure()
        Entity.objects.all().delete()  # 空表上新增：PostgreSQL 直接 COPY 进正式表
        rows = [row(uid(f"91350503MA0003{i:03d}"), f"批量{i}号有限公司") for i in range(50)]
        original = entities._PostgresEntityWriter.REBUILD_MIN
        original_sqlite = entities._SqliteEntityWriter.REBUILD_MIN
        entities._PostgresEntityWriter.REBUILD_MIN = 10
        entities._SqliteEntityWriter.REBUILD_MIN = 10
        try:
            started = timezone.now()
            result = self.run_import(csv_bytes(rows, HEADER))
            self.assertEqual(result.created, 50)
            self.assertEqual(structure(), before)
            # 更新时间（PostgreSQL 上由临时的列默认值填）：每行都是本次导入的同一个时间
            stamps = set(Entity.objects.values_list("updated", flat=True))
            self.assertEqual(len(stamps), 1)
            self.assertTrue(started <= stamps.pop() <= timezone.now())
            if connection.vendor == "postgresql":
                # 导入时主键序列一次预取一批号（写完批量已恢复，见上面的 structure）：没用完的作废，
                # 之后新建的主体从这一批之后取号
                first = min(Entity.objects.values_list("pk", flat=True))
                later = Entity.objects.create(
                    uid=uid("91350503MA0005001"),
                    name="之后新建",
                    unit=self.station,
                    scope_path=self.station.path,
                    region_code="350503",
                )
                self.assertGreaterEqual(
                    later.pk, first + entities._PostgresEntityWriter.SEQUENCE_CACHE
                )
                later.delete()
            more = [row(uid(f"91350503MA0004{i:03d}"), f"再批量{i}号有限公司") for i in range(60)]
            more.append(row(rows[0][0], "更新已有", "35050302"))
            result = self.run_import(csv_bytes(more, HEADER), mode="upsert")
            self.assertEqual((result.created, result.updated), (60, 1))
            self.assertEqual(structure(), before)
        finally:
            entities._PostgresEntityWriter.REBUILD_MIN = original
            entities._SqliteEntityWriter.REBUILD_MIN = original_sqlite
        self.assertEqual(Entity.objects.get(uid=rows[0][0]).unit, self.station2)
        self.assertEqual(search_entities(Entity.objects.all(), "再批量59号").count(), 1)
        self.assertEqual(search_entities(Entity.objects.all(), "更新已有").count(), 1)

    # ---------------------------------------------------------------- 坏文件

    def test_wrong_headers(self):
        errors = self.failure(csv_bytes([["a", "b", "c"]], ["编号", "抽查事项名称", "备注"]))
        self.assertEqual(len(errors), 1)
        self.assertError(errors, 1, "表头", "缺少必需的列：统一社会信用代码、名称、所属单位")

    def test_duplicate_header_columns(self):
        errors = self.failure(
            csv_bytes([["x", "y", "z"]], ["统一社会信用代码", "名称", "企业名称"]),
            unit=self.station,
        )
        self.assertError(errors, 1, "表头", "都对应“名称”")

    def test_bad_check_digit(self):
        good = uid("91350503MA0000012")
        bad = bad_check_digit(uid("91350503MA0000013"))
        errors = self.failure(csv_bytes([row(good, "好"), row(bad, "坏")], HEADER))
        self.assertEqual(
            errors,
            [
                (
                    3,
                    "统一社会信用代码",
                    f"统一社会信用代码校验位错误（应为 {uid('91350503MA0000013')[17]}）",
                )
            ],
        )

    def test_illegal_characters_and_length(self):
        errors = self.failure(
            csv_bytes([row("91350503MA000001I0", "含I"), row("913505", "短")], HEADER)
        )
        self.assertError(errors, 2, "统一社会信用代码", "非法字符：I")
        self.assertError(errors, 3, "统一社会信用代码", "应为 18 位，实际 6 位")

    def test_duplicates_in_file(self):
        code = uid("91350503MA0000014")
        errors = self.failure(
            csv_bytes(
                [row(code, "甲"), row(uid("91350503MA0000015"), "乙"), row(code, "丙")], HEADER
            )
        )
        self.assertEqual(errors, [(4, "统一社会信用代码", "与第2行的统一社会信用代码重复")])

    def test_duplicates_against_database_in_insert_mode(self):
        errors = self.failure(
            csv_bytes([row(uid("91350503MA0000016"), "新"), row(self.entity.uid, "旧")], HEADER)
        )
        self.assertEqual(len(errors), 1)
        self.assertError(errors, 3, "统一社会信用代码", "名录库中已有该统一社会信用代码")

    def test_upsert_cannot_touch_another_countys_entity(self):
        errors = self.failure(
            csv_bytes([row(self.other_entity.uid, "越界更新")], HEADER), mode="upsert"
        )
        self.assertError(errors, 2, "统一社会信用代码", "属于其他辖区")
        self.other_entity.refresh_from_db()
        self.assertEqual(self.other_entity.name, "鲤城开元商行有限公司")

    def test_missing_required_values(self):
        errors = self.failure(
            csv_bytes(
                [["", "无代码", "35050301", "", ""], [uid("91350503MA0000017"), "", "", "", ""]],
                HEADER,
            )
        )
        self.assertError(errors, 2, "统一社会信用代码", "不能为空")
        self.assertError(errors, 3, "名称", "名称不能为空")
        self.assertError(errors, 3, "所属单位", "所属单位不能为空")

    def test_short_and_long_rows(self):
        data = csv_bytes(
            [
                row(uid("91350503MA0000018"), "正常"),
                [uid("91350503MA0000019"), "少列"],
                row(uid("91350503MA0000020"), "多列") + ["多余"],
            ],
            HEADER,
        )
        errors = self.failure(data)
        self.assertEqual(errors[0], (3, "", "本行只有 2 列，少于表头的 5 列（列数不足）"))
        self.assertEqual(errors[1][:2], (4, ""))
        self.assertIn("多于表头的 5 列", errors[1][2])

    def test_code_tables_dates_units_and_industry(self):
        data = csv_bytes(
            [
                [uid("91350503MA0000021"), "甲", "35050301", "E", "2020-02-30"],
                [uid("91350503MA0000022"), "乙", "35050201", "A", "去年"],
                [uid("91350503MA0000023"), "丙", "不存在的所", "A", ""],
                [uid("91350503MA0000024"), "丁", "350503D01", "A", ""],
            ],
            HEADER,
        )
        errors = self.failure(data)
        self.assertError(errors, 2, "信用风险分类", "未知的信用风险分类")
        self.assertError(errors, 2, "成立日期", "日期不存在（2020年2月30日）")
        self.assertError(errors, 3, "所属单位", "不在您的辖区内")
        self.assertError(errors, 3, "成立日期", "日期格式无法识别")
        self.assertError(errors, 4, "所属单位", "找不到所属单位")
        self.assertError(errors, 5, "所属单位", "不能是部门")
        errors = self.failure(
            csv_bytes(
                [[uid("91350503MA0000025"), "戊", "35050301", "5211", "2020/2/30"]],
                ["统一社会信用代码", "名称", "所属单位", "行业代码", "成立日期"],
            )
        )
        self.assertError(errors, 2, "行业代码", "门类字母 A–T")
        self.assertError(errors, 2, "成立日期", "日期不存在（2020年2月30日）")

    def test_every_error_is_reported(self):
        rows = [row(bad_check_digit(uid(f"91350503MA00003{i:02d}")), f"坏{i}") for i in range(25)]
        errors = self.failure(csv_bytes(rows, HEADER))
        self.assertEqual([e[0] for e in errors], list(range(2, 27)))

    def test_header_only(self):
        errors = self.failure(csv_bytes([], HEADER))
        self.assertEqual(errors, [(None, "", "文件只有表头，没有数据行")])
        errors = self.failure(csv_bytes([["", "", "", "", ""]], HEADER))
        self.assertEqual(errors, [(None, "", "文件只有表头，没有数据行")])

    def test_zero_bytes_and_blank_text(self):
        self.assertEqual(self.failure(b""), [(None, "", "文件为空（0 字节）")])
        self.assertEqual(
            self.failure(b"\r\n\r\n"), [(None, "", "文件中没有任何内容（没有表头，也没有数据行）")]
        )

    def test_binary_garbage(self):
        errors = self.failure(bytes(range(256)) * 10, "主体.csv")
        self.assertIn("二进制", errors[0][2])
        errors = self.failure(b"abc,def\n" + b"\x80\xff" * 50, "主体.csv")
        self.assertIn("无法识别文件编码", errors[0][2])
        errors = self.failure(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "主体.xls")
        self.assertIn("旧版 Excel（.xls）", errors[0][2])
        errors = self.failure(b"not a zip at all", "主体.xlsx")
        self.assertIn("不是有效的 XLSX", errors[0][2])

    @override_settings(IMPORT_MAX_BYTES=100)
    def test_oversize(self):
        data = csv_bytes([row(uid("91350503MA0000026"), "超大文件有限公司" * 5)], HEADER)
        errors = self.failure(data)
        self.assertEqual(len(errors), 1)
        self.assertIn("文件过大", errors[0][2])
        self.assertIn("超过上限 100 字节", errors[0][2])

    def test_zip_bomb_is_refused_before_opening(self):
        errors = self.failure(zip_bomb_xlsx(), "主体.xlsx")
        self.assertIn("压缩比异常", errors[0][2])
        self.assertIn("疑似压缩炸弹", errors[0][2])

    def test_xlsx_uncompressed_total_limit(self):
        original = tabular.XLSX_MAX_UNCOMPRESSED
        tabular.XLSX_MAX_UNCOMPRESSED = 1000
        try:
            errors = self.failure(
                xlsx_bytes([row(uid("91350503MA0000027"), "甲")], HEADER), "主体.xlsx"
            )
        finally:
            tabular.XLSX_MAX_UNCOMPRESSED = original
        self.assertIn("超过上限", errors[0][2])
        self.assertIn("请改用 CSV", errors[0][2])

    def test_xlsx_xml_entities_are_refused_by_defusedxml(self):
        self.assertTrue(tabular.defused_xml_active())
        good = xlsx_bytes([row(uid("91350503MA0000028"), "甲")], HEADER)
        evil = (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row>'
            b"</sheetData></worksheet>"
        )
        errors = self.failure(replace_in_xlsx(good, "xl/worksheets/sheet1.xml", evil), "主体.xlsx")
        self.assertIn("XLSX", errors[0][2])

    def test_permission_and_jurisdiction(self):
        from django.core.exceptions import PermissionDenied

        with self.assertRaises(PermissionDenied):
            import_entities(
                csv_bytes([row(uid("91350503MA0000029"), "甲")], HEADER),
                "a.csv",
                user=self.user("business"),
            )
        with self.assertRaises(PermissionDenied):
            import_entities(
                csv_bytes([row(uid("91350503MA0000029"), "甲")], HEADER),
                "a.csv",
                user=self.planner,
                unit=self.other_station,
            )

    def test_uid_fast_check_matches_uscc(self):
        import random

        from shuangsui.directory import uscc

        rng = random.Random(7)
        for _ in range(3000):
            code = "".join(rng.choice(uscc.ALPHABET) for _ in range(17))
            good = uscc.make(code)
            self.assertTrue(entities.uid_valid(good))
            wrong = bad_check_digit(good)
            self.assertEqual(entities.uid_valid(wrong), uscc.is_valid(wrong))
        self.assertFalse(entities.uid_valid("91350503MA000001I0"))

    def test_csv_with_quoted_fields_and_tab_separated_text(self):
        code1, code2 = uid("91350503MA0000030"), uid("91350503MA0000031")
        data = csv_bytes([row(code1, '含,逗号的"名称"有限公司')], HEADER)
        self.run_import(data)
        self.assertEqual(Entity.objects.get(uid=code1).name, '含,逗号的"名称"有限公司')
        text = "\t".join(HEADER) + "\r\n" + "\t".join(row(code2, "制表符分隔有限公司")) + "\r\n"
        tabbed = text.encode("utf-16")  # Excel 的“Unicode 文本”
        self.run_import(tabbed, "主体.txt")
        self.assertEqual(Entity.objects.get(uid=code2).name, "制表符分隔有限公司")

    def test_text_needing_copy_escapes_round_trips(self):
        """PostgreSQL 的 COPY 文本由缓存的片段拼成：反斜杠、制表符、空值、按代码前缀推定的类型都原样写入
        （空表直接 COPY、非空表经临时表两条路径；本进程校验与子进程校验两种方式）。"""
        header = ["统一社会信用代码", "名称", "主体类型", "所属单位", "住所", "法定代表人"]
        header += ["联系电话", "成立日期", "重点领域"]
        runs = [("insert", False), ("upsert", True)]
        if "fork" in multiprocessing.get_all_start_methods():
            runs += [("insert", True), ("upsert", False)]
        for i, (mode, parallel) in enumerate(runs):
            with self.subTest(mode=mode, parallel=parallel):
                if mode == "insert":
                    Entity.objects.all().delete()  # 空表：PostgreSQL 上直接 COPY 进主体表
                codes = [uid(f"92350503MA00{i}{k:04d}") for k in range(120)]
                rows = [
                    [code, f"名称{k}有限公司", "", "35050301", "", "", "", "", ""]
                    for k, code in enumerate(codes)
                ]
                rows[7] = [
                    codes[7],
                    "反\\斜杠\t制表符\\N有限公司",
                    "企业",
                    "35050302",
                    "住所\\路\t1号",
                    "张\\某",
                    "0595\\1",
                    "2019-03-04",
                    "食品\\x",
                ]
                result = self.run_import(
                    csv_bytes(rows, header), mode=mode, parallel=parallel, user=None
                )
                self.assertEqual(result.created, 120)
                odd = Entity.objects.get(uid=codes[7])
                self.assertEqual(odd.name, "反\\斜杠\t制表符\\N有限公司")
                self.assertEqual(odd.address, "住所\\路\t1号")
                self.assertEqual((odd.legal_rep, odd.phone), ("张\\某", "0595\\1"))
                self.assertEqual(odd.key_tags, ",食品\\x,")
                self.assertEqual(odd.established, datetime.date(2019, 3, 4))
                self.assertEqual(
                    (odd.entity_type, odd.unit, odd.scope_path),
                    ("enterprise", self.station2, self.station2.path),
                )
                plain = Entity.objects.get(uid=codes[3])
                self.assertEqual(
                    (plain.name, plain.address, plain.established), ("名称3有限公司", "", None)
                )
                self.assertEqual(plain.entity_type, "individual")  # 92 开头：个体工商户
                self.assertEqual(
                    (plain.unit, plain.key_tags, plain.credit_class), (self.station, "", "U")
                )
