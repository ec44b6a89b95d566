"""市场主体导入的按列整批校验（entities.validate_entities 的 by_columns）与逐行校验一字不差：
同一个文件，错误（行号、列、值、原因）、行数与写出的值（行元组、COPY 文本）都相同。"""

from shuangsui.core.tests.base import BaseTestCase
from shuangsui.lib.tabular import read_table
from shuangsui.transfer import specs
from shuangsui.transfer.importers import entities
from shuangsui.transfer.units import UnitIndex

from .helpers import ENTITY_HEADER, bad_check_digit, csv_bytes, uid


def good(i):
    return [
        uid(f"91350503MF{i:07d}"),
        f"泉州整批{i}号贸易有限公司",
        "企业" if i % 7 else "",
        "35050301",
        "350503",
        "F5211",
        f"福建省泉州市丰泽区东海大街{i}号",
        "王某",
        f"139{i:08d}",
        "存续",
        f"20{i % 20:02d}-0{i % 9 + 1}-1{i % 9}",
        "ABCD"[i % 4],
        "2025-01-01",
        "食品" if i % 5 == 0 else "",
        "已报送",
    ]


def messy_rows(count=6000):
    """大多数行合规；每隔 300 行（每批至多一处）有一行要报错或要逐行清理：整批判断的每一项检查都要
    单独把它那一批交给逐行校验。"""
    rows = [good(i) for i in range(count)]
    width = len(ENTITY_HEADER)
    problems = [
        lambda r: [bad_check_digit(r[0]), *r[1:]],
        lambda r: [rows[10][0], *r[1:]],  # 与第 12 行重复
        lambda r: [r[0], "", *r[2:]],  # 名称为空
        lambda r: [r[0], "长" * 201, *r[2:]],  # 名称过长
        lambda r: [*r[:6], "  " + r[6], *r[7:]],  # 要去首尾空白（合规）
        lambda r: [*r[:8], "'" + r[8], *r[9:]],  # 导出时加的公式单引号
        lambda r: [*r[:10], "2020-13-45", *r[11:]],  # 日期不存在
        lambda r: [*r[:11], "X", *r[12:]],  # 未知的信用分类
        lambda r: [r[0].lower(), *r[1:]],  # 小写代码（合规，转大写）
        lambda r: [*r[:8], "１３９００００１０００", *r[9:]],  # 全角数字（合规）
        lambda r: [""] * width,  # 空行
        lambda r: r[:5],  # 列数不足
        lambda r: [r[0], "名称\t带制表符", *r[2:]],  # 合规；COPY 要转义
        lambda r: [*r[:6], "地址\\反斜杠", *r[7:]],  # 合规；COPY 要转义
        lambda r: [*r[:3], "不存在的单位", *r[4:]],
        lambda r: [*r[:2], "外星企业", *r[3:]],
        lambda r: [*r[:7], "王" * 101, *r[8:]],  # 法定代表人过长
        lambda r: [r[0][:17], *r[1:]],  # 代码只有 17 位
        lambda r: [*r[:10], "2020-13-45", *r[11:]],  # 同一个错的日期再出现（查找表里已有）
    ]
    for j, change in enumerate(problems):
        rows[100 + 300 * j] = change(rows[100 + 300 * j])
    return rows


class BatchValidationTests(BaseTestCase):
    def validate(self, data, fmt, *, dedupe=True, by_rows_only=False):
        table = read_table(None, "整批.csv", data=data)
        _, cells = table.take_header()
        positions, labels, _, _ = specs.match_header(specs.ENTITY, cells)
        plan = entities.EntityPlan(
            positions=positions,
            labels=labels,
            width=len(cells),
            pads=False,
            units=UnitIndex(""),
            default_unit=None,
            updated="2025-01-01 00:00:00",
            dedupe=dedupe,
        )
        original = entities.BATCH_MIN
        if by_rows_only:  # 每批都小于 BATCH_MIN：全部逐行校验
            entities.BATCH_MIN = entities.BATCH + 1
        try:
            chunks = list(entities.validate_entities(table.rows, plan, fmt))
        finally:
            entities.BATCH_MIN = original
        numbers = [n for chunk in chunks for n in chunk[0]]
        if fmt is None:
            payload = [row for chunk in chunks for row in chunk[1]]
        else:
            payload = b"".join(chunk[1].data for chunk in chunks)
            payload = (payload, [u for chunk in chunks for u in chunk[1].uids])
        return plan, numbers, payload

    def same(self, got, wanted):
        """长列表逐项比（不让 unittest 对几千项算差异）：报出第一处不同。"""
        first = next(
            (i for i, pair in enumerate(zip(got, wanted, strict=False)) if pair[0] != pair[1]), None
        )
        self.assertIsNone(first, first is not None and (got[first], wanted[first]))
        self.assertEqual(len(got), len(wanted))

    def assert_same(self, data, **kwargs):
        for fmt in (None, "copy", "copy_numbered"):
            with self.subTest(fmt=fmt, **kwargs):
                batched = self.validate(data, fmt, **kwargs)
                by_rows = self.validate(data, fmt, by_rows_only=True, **kwargs)
                self.assertEqual(by_rows[0].batched, 0)
                self.assertGreater(batched[0].batched, 0)
                self.assertEqual(batched[0].errors, by_rows[0].errors)
                self.assertEqual(batched[0].counter, by_rows[0].counter)
                self.assertEqual(batched[0].loose, by_rows[0].loose)
                self.same(batched[1], by_rows[1])
                if fmt is None:
                    self.same(batched[2], by_rows[2])
                else:
                    self.same(batched[2][0].split(b"\n"), by_rows[2][0].split(b"\n"))
                    self.same(batched[2][1], by_rows[2][1])
        return batched

    def test_a_messy_file_gives_the_same_errors_and_values_either_way(self):
        plan, numbers, _ = self.assert_same(csv_bytes(messy_rows(), ENTITY_HEADER))
        reasons = {e.row: e.reason for e in plan.errors}
        self.assertIn("校验", reasons[102])
        self.assertEqual(reasons[402], "与第12行的统一社会信用代码重复")
        self.assertEqual(reasons[702], "名称不能为空")
        self.assertIn("列数不足", reasons[3402])
        bad = [0, 1, 2, 3, 6, 7, 11, 14, 15, 16, 17, 18]
        self.assertEqual(sorted(reasons), [102 + 300 * j for j in bad])
        self.assertGreater(plan.batched, 500)  # 没有问题行的各批按列整批通过
        self.assertEqual(plan.counter, [5999, len(bad)])  # 空行不计

    def test_segments_without_dedupe_keep_the_codes_of_bad_rows(self):
        """分段并行时各段不查重（由父进程查）：另有错误的行的代码记在 loose，两种做法相同。"""
        plan, _, _ = self.assert_same(csv_bytes(messy_rows(), ENTITY_HEADER), dedupe=False)
        self.assertNotIn(402, [e.row for e in plan.errors])  # 重复留给父进程查
        self.assertNotIn(402, [n for n, _ in plan.loose])
        self.assertEqual(
            [n for n, _ in plan.loose], [102 + 300 * j for j in (2, 3, 6, 7, 14, 15, 16, 18)]
        )

    def test_a_clean_file_goes_by_columns(self):
        rows = [good(i) for i in range(1000)]
        data = csv_bytes(rows, ENTITY_HEADER)
        plan, numbers, payload = self.validate(data, None)
        # 文件末尾换行后的空行所在的那半批逐行（空行跳过），其余按列
        self.assertGreaterEqual(plan.batched, 1000 - entities.BATCH // 2)
        self.assertEqual(plan.errors, [])
        self.assertEqual(numbers, list(range(2, 1002)))
        self.same(payload, self.validate(data, None, by_rows_only=True)[2])
        self.assertEqual(payload[7][:3], (rows[7][0], rows[7][1], "enterprise"))
        self.assertEqual(payload[0][2], "enterprise")  # 类型空白：按代码第 1–2 位推断
