"""定期导入省级信用风险分类：较新的分类日期为准，改了分类的主体记入分类历史（两种数据库同一规则）。"""

import datetime

from shuangsui.core.tests.base import BaseTestCase
from shuangsui.directory.models import CreditHistory, Entity
from shuangsui.transfer.services import import_entities

from .helpers import csv_bytes, uid

HEADER = ["统一社会信用代码", "信用风险分类", "分类日期"]


class CreditImportTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # 主体 1：检查结果反馈后 2026-06-01 调为 C 类
        Entity.objects.filter(pk=cls.entity.pk).update(
            credit_class="C", credit_date=datetime.date(2026, 6, 1)
        )

    def run_import(self, rows, header=HEADER, filename="省级分类.csv"):
        return import_entities(
            csv_bytes(rows, header), filename, user=self.user("planner"), mode="upsert"
        )

    def test_it_keeps_the_newer_class_and_records_the_older_import_as_superseded(self):
        self.run_import(
            [[self.entity.uid, "B", "2026-03-01"], [self.entity2.uid, "A", "2026-03-01"]]
        )
        self.entity.refresh_from_db()
        self.assertEqual(
            (self.entity.credit_class, self.entity.credit_date), ("C", datetime.date(2026, 6, 1))
        )
        old = CreditHistory.objects.get(entity=self.entity)
        self.assertEqual(
            (old.credit_class, old.credit_date, old.previous_class, old.superseded, old.source),
            ("B", datetime.date(2026, 3, 1), "C", True, "import"),
        )
        self.assertEqual(old.cause, "导入文件：省级分类.csv")
        self.assertEqual(old.user, self.user("planner"))
        # 主体 2 原来没有分类日期：导入的分类生效
        self.entity2.refresh_from_db()
        self.assertEqual(
            (self.entity2.credit_class, self.entity2.credit_date),
            ("A", datetime.date(2026, 3, 1)),
        )
        new = CreditHistory.objects.get(entity=self.entity2)
        self.assertEqual((new.previous_class, new.credit_class, new.superseded), ("B", "A", False))

    def test_it_lets_a_newer_import_win(self):
        self.run_import([[self.entity.uid, "B", "2026-07-01"]])
        self.entity.refresh_from_db()
        self.assertEqual(
            (self.entity.credit_class, self.entity.credit_date), ("B", datetime.date(2026, 7, 1))
        )
        entry = CreditHistory.objects.get(entity=self.entity)
        self.assertEqual(
            (entry.previous_class, entry.previous_date, entry.credit_class, entry.superseded),
            ("C", datetime.date(2026, 6, 1), "B", False),
        )

    def test_it_records_history_only_for_rows_that_change(self):
        self.run_import(
            [[self.entity.uid, "C", "2026-06-01"], [self.entity2.uid, "B", ""]],
        )
        self.assertEqual(CreditHistory.objects.count(), 0)
        # 同一天的分类：导入为准（不早于现有日期）
        self.run_import([[self.entity.uid, "D", "2026-06-01"]])
        self.entity.refresh_from_db()
        self.assertEqual(self.entity.credit_class, "D")
        self.assertEqual(CreditHistory.objects.count(), 1)

    def test_a_dateless_row_does_not_replace_a_dated_class(self):
        self.run_import([[self.entity.uid, "A", ""]])
        self.entity.refresh_from_db()
        self.assertEqual(self.entity.credit_class, "C")
        self.assertTrue(CreditHistory.objects.get(entity=self.entity).superseded)

    def test_new_entities_carry_their_class_without_history(self):
        header = ["统一社会信用代码", "名称", "所属单位", "信用风险分类", "分类日期"]
        code = uid("91350503MA0000077")
        result = self.run_import([[code, "新来的有限公司", "35050301", "A", "2026-01-05"]], header)
        self.assertEqual(result.created, 1)
        self.assertEqual(Entity.objects.get(uid=code).credit_class, "A")
        self.assertEqual(CreditHistory.objects.count(), 0)
