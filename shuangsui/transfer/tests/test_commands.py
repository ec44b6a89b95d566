"""命令行：shuangsui import / export。"""

import io
import tempfile
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import CommandError

from shuangsui.core.models import AuditEvent
from shuangsui.core.tests.base import BaseTestCase
from shuangsui.directory.models import Entity
from shuangsui.transfer import specs

from .helpers import bad_check_digit, csv_bytes, csv_rows, uid, xlsx_rows

HEADER = ["统一社会信用代码", "名称", "所属单位"]


class CommandTests(BaseTestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, data):
        path = self.dir / name
        path.write_bytes(data)
        return str(path)

    def run_command(self, *args):
        out, err = io.StringIO(), io.StringIO()
        call_command(*args, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    def test_import_as_user(self):
        path = self.write(
            "主体.csv",
            csv_bytes([[uid("91350503MA0000301"), "命令行有限公司", "35050301"]], HEADER),
        )
        out, _ = self.run_command("import", "entities", path, "--user", "planner")
        self.assertIn("导入成功：1 行，新增 1，更新 0", out)
        event = AuditEvent.objects.order_by("-id").first()
        self.assertEqual((event.action, event.object_repr), ("entity.imported", "主体.csv"))
        self.assertEqual(event.actor.username, "planner")

    def test_import_as_system_with_unit(self):
        path = self.write("主体.xlsx", b"")
        from .helpers import xlsx_bytes

        Path(path).write_bytes(
            xlsx_bytes([[uid("91350503MA0000302"), "系统导入有限公司"]], HEADER[:2])
        )
        out, _ = self.run_command("import", "entities", path, "--unit", "35050302")
        self.assertIn("新增 1", out)
        self.assertEqual(Entity.objects.get(name="系统导入有限公司").unit, self.station2)
        self.assertIsNone(AuditEvent.objects.order_by("-id").first().actor_id)

    def test_failed_import_exits_non_zero_and_lists_every_error(self):
        bad = bad_check_digit(uid("91350503MA0000303"))
        path = self.write(
            "坏.csv",
            csv_bytes(
                [
                    [uid("91350503MA0000304"), "好", "35050301"],
                    [bad, "坏", "35050301"],
                    [uid("91350503MA0000305"), "", "35050299"],
                ],
                HEADER,
            ),
        )
        err = io.StringIO()
        with self.assertRaises(CommandError) as caught:
            call_command("import", "entities", path, "--user", "planner", stderr=err)
        self.assertEqual(caught.exception.returncode, 1)
        self.assertIn("共 3 处错误，没有写入任何数据", str(caught.exception))
        lines = err.getvalue().strip().splitlines()
        self.assertEqual(len(lines), 3)
        self.assertTrue(lines[0].startswith("第3行 统一社会信用代码：统一社会信用代码校验位错误"))
        self.assertTrue(lines[0].endswith(f"（值：{bad}）"))
        self.assertEqual(lines[1], "第4行 名称：名称不能为空")
        self.assertEqual(
            lines[2],
            "第4行 所属单位：找不到所属单位“35050299”（请填写组织单元代码或全称）（值：35050299）",
        )
        self.assertFalse(Entity.objects.filter(name="好").exists())

    def test_import_errors_for_permissions_and_files(self):
        path = self.write(
            "主体.csv", csv_bytes([[uid("91350503MA0000306"), "甲", "35050301"]], HEADER)
        )
        with self.assertRaises(CommandError) as caught:
            call_command("import", "entities", path, "--user", "inspector", stderr=io.StringIO())
        self.assertEqual(caught.exception.returncode, 2)
        with self.assertRaises(CommandError):
            call_command("import", "entities", path, "--user", "nobody")
        err = io.StringIO()
        with self.assertRaises(CommandError):
            call_command("import", "entities", str(self.dir / "missing.csv"), stderr=err)
        self.assertIn("无法读取文件", err.getvalue())

    def test_import_other_kinds(self):
        path = self.write(
            "事项.csv",
            csv_bytes(
                [["C-1", "命令行事项", "5%", "一般"]],
                ["编号", "抽查事项名称", "抽查比例", "事项类别"],
            ),
        )
        out, _ = self.run_command("import", "items", path, "--unit", "350503", "--mode", "upsert")
        self.assertIn("新增 1", out)
        path = self.write(
            "人员.csv",
            csv_bytes([["C-P1", "命令行人员", "35050301"]], ["执法证号", "姓名", "所在单位"]),
        )
        out, _ = self.run_command("import", "inspectors", path)
        self.assertIn("新增 1", out)

    def test_export_csv_with_user_and_filter(self):
        out_path = str(self.dir / "主体.csv")
        out, _ = self.run_command(
            "export", "entities", out_path, "--user", "planner", "--filter", "credit_class=A"
        )
        self.assertIn("已导出 1 行", out)
        rows = csv_rows(Path(out_path).read_bytes())
        self.assertEqual(rows[0], specs.ENTITY.headers)
        self.assertEqual([r[0] for r in rows[1:]], [self.entity.uid])

    def test_export_xlsx_as_system_and_reimport(self):
        out_path = str(self.dir / "人员.xlsx")
        out, _ = self.run_command("export", "inspectors", out_path)
        rows = xlsx_rows(Path(out_path).read_bytes())
        self.assertEqual(rows[0], specs.INSPECTOR.headers)
        self.assertEqual(
            sorted(r[0] for r in rows[1:]), [self.other_inspector.badge_no, self.inspector.badge_no]
        )
        out, _ = self.run_command("import", "inspectors", out_path, "--mode", "upsert")
        self.assertIn("更新 2", out)

    def test_export_refusals(self):
        with self.assertRaises(CommandError):
            call_command("export", "entities", str(self.dir / "x.txt"))
        with self.assertRaises(CommandError):
            call_command("export", "entities", str(self.dir / "x.csv"), "--user", "inspector")
        with self.assertRaises(CommandError):
            call_command(
                "export",
                "entities",
                str(self.dir / "x.csv"),
                "--user",
                "planner",
                "--unit",
                "35050201",
            )
