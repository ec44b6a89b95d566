"""SQLite 大批量新增（空表、分段并行校验）：校验子进程把行写进临时 SQLite 文件，父进程整段
INSERT … SELECT。临时文件成功、失败（含子进程出错）都删掉；失败时一行不写、不留待办、不写审计。

ATTACH 的文件要到事务结束后才能 DETACH，所以这条路只在最外层事务里走：这里用
TransactionTestCase（不套测试自己的事务）。
"""

import multiprocessing
import os
import shutil
import tempfile
import unittest
from unittest import mock

from django.db import connection
from django.test import TransactionTestCase

from shuangsui.core.models import AuditEvent
from shuangsui.demo import data as demo
from shuangsui.directory import search
from shuangsui.directory.models import Entity
from shuangsui.jobs.models import Job
from shuangsui.lib import tabular
from shuangsui.transfer import services
from shuangsui.transfer.importers import entities

from .helpers import bad_check_digit, csv_bytes, uid
from .helpers import entity_structure as structure

HEADER = ["统一社会信用代码", "名称", "所属单位", "信用风险分类", "成立日期"]


def rows(count, prefix="91350503MF"):
    return [
        [uid(f"{prefix}{i:07d}"), f"分段写入{i}号商行", "35050301", "B", "2020-01-02"]
        for i in range(count)
    ]


@unittest.skipUnless(connection.vendor == "sqlite", "只在 SQLite 上走临时文件")
@unittest.skipUnless("fork" in multiprocessing.get_all_start_methods(), "需要 fork")
class StagedImportTests(TransactionTestCase):
    # 不用 serialized_rollback：前面的 TransactionTestCase（如 draws 的竞态测试）清库后 Django 会重建
    # 内容类型，再按序列化内容恢复就会主键冲突；这里需要的数据都在 setUp 里自己建。

    def setUp(self):
        demo.build_org()
        self.scratch = tempfile.TemporaryDirectory()
        self.addCleanup(self.scratch.cleanup)
        # 测试库在内存里：临时文件放在系统临时目录，这里换成一个专用目录，好查它是否删干净
        tempdir = tempfile.tempdir
        tempfile.tempdir = self.scratch.name
        self.addCleanup(setattr, tempfile, "tempdir", tempdir)
        for cls, name in (
            (entities._EntityWriter, "DEFER_MIN"),
            (entities._SqliteEntityWriter, "REBUILD_MIN"),
        ):
            original = getattr(cls, name)
            setattr(cls, name, 20)
            self.addCleanup(setattr, cls, name, original)
        # 小块，让每段写成四个临时文件（一个写完父进程就写库）
        chunk = mock.patch.object(entities, "CHUNK", 200)
        chunk.start()
        self.addCleanup(chunk.stop)
        cpus = mock.patch.object(os, "cpu_count", return_value=2)  # 单核机器上也分两段
        cpus.start()
        self.addCleanup(cpus.stop)
        # 大文件的读法（不整篇解码，各段在子进程里解码、切行）：门槛调低，这里的文件都走它
        for name, value in (("LAZY_MIN", 1000), ("LAZY_PIECE", 4096)):  # 多块
            lazy = mock.patch.object(tabular, name, value)
            lazy.start()
            self.addCleanup(lazy.stop)

    def tearDown(self):
        # 待建检索索引的记录在一张不归 Django 管的表里，TransactionTestCase 清库时清不到
        search.build_pending()

    def leftovers(self):
        home = entities._stage_home()
        return [n for n in os.listdir(home) if n.startswith("shuangsui-import-")]

    def run_import(self, data, **kwargs):
        return entities.import_entities(
            csv_bytes(data, HEADER), "批量.csv", parallel=True, **kwargs
        )

    def failure(self, data):
        before = structure()
        events = AuditEvent.objects.count()
        with self.assertRaises(services.ImportFailed) as caught:
            self.run_import(data)
        self.assertEqual(Entity.objects.count(), 0)
        self.assertFalse(search.index_pending())
        self.assertFalse(Job.objects.exists())
        self.assertEqual(AuditEvent.objects.count(), events)
        self.assertEqual(structure(), before)
        self.assertEqual(self.leftovers(), [])
        return [(e.row, e.column, e.reason) for e in caught.exception.errors]

    def test_rows_go_through_temporary_files_that_are_removed(self):
        before = structure()
        data = rows(3000)
        written = []
        write_part = entities._SqliteEntityWriter.write_part

        def spy(writer, path):
            written.append(os.path.basename(path))
            return write_part(writer, path)

        with mock.patch.object(entities._SqliteEntityWriter, "write_part", spy):
            result = self.run_import(data)
        self.assertEqual(sorted(written), [f"part{p}.{f}" for p in (0, 1) for f in range(4)])
        self.assertTrue(result.timings["staged"])
        self.assertEqual(result.created, 3000)
        self.assertTrue(result.index_pending)
        self.assertEqual(self.leftovers(), [])
        # 触发器提交时重建如初；名录索引与筛选索引留待补建（见 test_import_deferred_index）
        deferred = ('"entity_filter_list"', '"entity_scope_list"')
        self.assertEqual(structure(), [s for s in before if not any(d in s for d in deferred)])
        self.assertEqual(AuditEvent.objects.filter(action="entity.imported").count(), 1)
        got = Entity.objects.get(uid=data[2999][0])
        self.assertEqual(
            (got.name, got.credit_class, str(got.established)), (data[2999][1], "B", "2020-01-02")
        )
        self.assertEqual(got.scope_path, got.unit.path)
        self.assertEqual(Entity.objects.filter(uid__in=[r[0] for r in data]).count(), 3000)
        search.build_pending()
        self.assertFalse(search.index_pending())
        self.assertEqual(structure(), before)
        self.assertEqual(
            set(
                search.search_entities(Entity.objects.all(), "写入2999号").values_list(
                    "name", flat=True
                )
            ),
            {"分段写入2999号商行"},
        )
        with connection.cursor() as cur:  # 没有残留的 ATTACH
            cur.execute("PRAGMA database_list")
            self.assertEqual([r[1] for r in cur.fetchall() if r[1] != "temp"], ["main"])

    def test_staged_rows_equal_those_written_in_one_process(self):
        """临时文件里每行只存逐行的列与代码组编号，写库时与代码组联起来：各列与不分段时一样。"""
        header = [
            "统一社会信用代码",
            "名称",
            "主体类型",
            "所属单位",
            "行业代码",
            "登记状态",
            "成立日期",
            "信用风险分类",
            "分类日期",
            "重点领域",
            "年报状态",
        ]
        kinds = ["", "企业", "", "个体工商户"]  # 空白：按代码前两位推定（92 为个体工商户）
        data = [
            [
                uid(f"{('91', '92', '93')[i % 3]}350503MF{i:07d}"),
                f"联表{i}号",
                kinds[i % 4],
                f"3505030{1 + i % 3}",
                ("F5211", "H6210", "")[i % 3],
                ("存续", "注销")[i % 2],
                f"20{10 + i % 9}-0{1 + i % 9}-1{i % 10}",
                "ABCD "[i % 5].strip(),
                ("2025-01-01", "")[i % 2],
                ("食品", "", "特种设备、食品")[i % 3],
                ("已报送", "未报送", "")[i % 3],
            ]
            for i in range(3000)
        ]
        columns = [
            f.attname for f in Entity._meta.concrete_fields if f.attname not in ("id", "updated")
        ]

        def written(parallel):
            result = entities.import_entities(
                csv_bytes(data, header), "联表.csv", parallel=parallel
            )
            self.assertEqual(result.timings["staged"], parallel)
            got = list(Entity.objects.order_by("uid").values_list(*columns))
            search.build_pending()
            Entity.objects.all().delete()
            return got

        staged = written(True)
        self.assertEqual(len(staged), 3000)
        self.assertEqual(staged, written(False))
        by_prefix = {"91": "enterprise", "92": "individual", "93": "coop"}
        at = columns.index("entity_type")
        blank = {row[0] for row in data if not row[2]}
        got = {row[0]: row[at] for row in staged if row[0] in blank}
        wrong = {k: v for k, v in got.items() if v != by_prefix[k[:2]]}
        self.assertEqual((len(got), len(wrong)), (len(blank), 0), list(wrong.items())[:5])

    def test_a_bad_row_late_in_the_file_leaves_nothing(self):
        data = rows(3000)
        data[2899][0] = bad_check_digit(data[2899][0])
        errors = self.failure(data)
        self.assertEqual(len(errors), 1)
        self.assertEqual(errors[0][:2], (2901, "统一社会信用代码"))

    def test_a_row_in_another_encoding_late_in_the_file_leaves_nothing(self):
        data = rows(3000)
        late = csv_bytes(
            [["91350503MF0000001X", "混入的GBK商行", "35050301", "B", ""]], encoding="gbk"
        )
        content = csv_bytes(data[:2800], HEADER) + late + csv_bytes(data[2800:])
        before = structure()
        with self.assertRaises(services.ImportFailed) as caught:
            entities.import_entities(content, "混编.csv", parallel=True)
        [error] = caught.exception.errors
        self.assertEqual(error.row, 2802)
        self.assertIn("UTF-8", error.reason)
        self.assertEqual(Entity.objects.count(), 0)
        self.assertEqual(structure(), before)
        self.assertEqual(self.leftovers(), [])

    def test_duplicates_across_parts_are_reported_with_row_numbers(self):
        data = rows(3000)
        data.append([data[5][0], "与第7行重复", "35050301", "B", "2020-01-02"])  # 第 3002 行
        errors = self.failure(data)  # 没有别的错误：由唯一索引发现，再从临时文件查出行号
        self.assertEqual(errors, [(3002, "统一社会信用代码", "与第7行的统一社会信用代码重复")])
        data.append([data[6][0], "", "35050301", "B", "2020-01-02"])  # 第 3003 行：名称也空
        errors = self.failure(data)
        self.assertEqual(
            errors,
            [
                (3002, "统一社会信用代码", "与第7行的统一社会信用代码重复"),
                (3003, "名称", "名称不能为空"),
                (3003, "统一社会信用代码", "与第8行的统一社会信用代码重复"),
            ],
        )

    def test_a_failing_worker_leaves_nothing(self):
        def broken(self, numbers, rows):
            raise OSError("磁盘已满")

        with mock.patch.object(entities._Stage, "write", broken):
            with self.assertRaises(RuntimeError) as caught:
                self.run_import(rows(3000))
        self.assertIn("磁盘已满", str(caught.exception))
        self.assertEqual(Entity.objects.count(), 0)
        self.assertFalse(search.index_pending())
        self.assertEqual(self.leftovers(), [])
        result = self.run_import(rows(3000))  # 之后照常导入
        self.assertEqual(result.created, 3000)
        search.build_pending()

    def test_directories_left_by_a_killed_import_are_removed(self):
        """父进程被 kill -9 时临时目录删不掉：下一次导入删掉进程已不在的那些，别人的不动。"""
        with open("/proc/sys/kernel/pid_max") as fh:  # 比最大进程号还大：一定不在
            dead = int(fh.read()) + 1
        home = entities._stage_home()
        left = os.path.join(home, f"{entities.STAGE_PREFIX}{dead}-abc")
        mine = os.path.join(home, f"{entities.STAGE_PREFIX}{os.getpid()}-xyz")
        other = os.path.join(home, "shuangsui-import-notes")
        for path in (left, mine, other):
            os.mkdir(path)
        with open(os.path.join(left, "part0.0"), "wb") as fh:
            fh.write(b"x")
        result = self.run_import(rows(3000))
        self.assertTrue(result.timings["staged"])
        try:
            self.assertEqual(
                sorted(self.leftovers()), sorted([os.path.basename(mine), "shuangsui-import-notes"])
            )
        finally:
            for path in (left, mine, other):
                if os.path.exists(path):
                    shutil.rmtree(path)
