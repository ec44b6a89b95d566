"""演示数据命令：打印的户数、人数按县（区）分开，说明是哪个县（区）的、用哪组账号看。"""

from io import StringIO

from django.core.management import call_command
from django.test import TestCase


class DemoCommandTests(TestCase):
    def test_it_prints_counts_per_county(self):
        out = StringIO()
        call_command("demo-data", entities=50, inspectors=10, stdout=out)
        text = out.getvalue()
        self.assertIn("已生成演示数据：市场主体 50 户，检查人员 14 人，其中", text)
        self.assertIn("丰泽区：市场主体 45 户，检查人员 10 人（账号不带后缀，如 planner）", text)
        self.assertIn("鲤城区：市场主体 5 户，检查人员 4 人（账号带后缀 _350502", text)
        self.assertIn("planner_350502", text)
        self.assertIn("（鲤城区）", text)
        again = StringIO()
        call_command("demo-data", if_empty=True, stdout=again)
        self.assertIn("丰泽区：市场主体 45 户", again.getvalue())
