"""检查人员与抽查事项的导入。"""

from decimal import Decimal

from django.core.exceptions import PermissionDenied

from shuangsui.catalog.models import InspectionItem
from shuangsui.core.models import AuditEvent
from shuangsui.core.tests.base import BaseTestCase, make_inspector
from shuangsui.inspectors.models import Inspector
from shuangsui.transfer.services import ImportFailed, import_inspectors, import_items, parse_ratio

from .helpers import INSPECTOR_HEADER, ITEM_HEADER, bad_check_digit, csv_bytes, xlsx_bytes


class Failing:
    def failure(self, function, data, filename="文件.csv", **kwargs):
        counts = (Inspector.objects.count(), InspectionItem.objects.count())
        events = AuditEvent.objects.count()
        with self.assertRaises(ImportFailed) as caught:
            function(data, filename, **kwargs)
        self.assertEqual((Inspector.objects.count(), InspectionItem.objects.count()), counts)
        self.assertEqual(AuditEvent.objects.count(), events)
        return [(e.row, e.column, e.reason) for e in caught.exception.errors]

    def assertError(self, errors, row, column, fragment):
        for r, c, reason in errors:
            if r == row and c == column and fragment in reason:
                return
        self.fail(f"没有找到 第{row}行 {column}：…{fragment}…；实际：{errors}")


class InspectorImportTests(Failing, BaseTestCase):
    def setUp(self):
        self.planner = self.user("planner")

    def rows(self):
        return [
            [
                "35050300101",
                "张三",
                "东海市场监督管理所",
                "信用监管股",
                "执法人员",
                "企业公示、食品安全",
                "计量",
                "东海所、35050302",
                "是",
                "13800000000",
                self.entity.uid,
            ],
            ["FZ3505030001", "李四", "35050302", "", "辅助检查人员", "", "", "", "否", "", ""],
            [
                "ZJ001",
                "王五",
                "35050301",
                "350503D02",
                "专家",
                "",
                "",
                "",
                "",
                "",
                f"{self.entity.uid}，{self.entity2.uid}",
            ],
        ]

    def test_csv_import(self):
        events = AuditEvent.objects.count()
        result = import_inspectors(
            csv_bytes(self.rows(), INSPECTOR_HEADER), "人员.csv", user=self.planner
        )
        self.assertEqual((result.rows, result.created, result.updated), (3, 3, 0))
        zhang = Inspector.objects.get(badge_no="35050300101")
        self.assertEqual(zhang.unit, self.station)
        self.assertEqual(zhang.scope_path, self.station.path)
        self.assertEqual(zhang.department.code, "350503D01")
        self.assertEqual(zhang.qualification_list, ["企业公示", "食品安全"])
        self.assertEqual(zhang.expertise_list, ["计量"])
        self.assertEqual(zhang.region_list, ["35050301", "35050302"])
        self.assertTrue(zhang.on_duty)
        self.assertEqual(list(zhang.conflicts.values_list("uid", flat=True)), [self.entity.uid])
        li = Inspector.objects.get(badge_no="FZ3505030001")
        self.assertEqual((li.kind, li.on_duty, li.department), ("auxiliary", False, None))
        wang = Inspector.objects.get(badge_no="ZJ001")
        self.assertEqual(wang.kind, "expert")
        self.assertEqual(
            sorted(wang.conflicts.values_list("uid", flat=True)),
            sorted([self.entity.uid, self.entity2.uid]),
        )
        self.assertEqual(AuditEvent.objects.count(), events + 1)
        self.assertEqual(AuditEvent.objects.order_by("-id").first().action, "inspector.imported")

    def test_xlsx_import(self):
        result = import_inspectors(
            xlsx_bytes(self.rows(), INSPECTOR_HEADER), "人员.xlsx", user=self.planner
        )
        self.assertEqual(result.created, 3)

    def test_upsert_replaces_fields_and_conflicts(self):
        self.inspector.conflicts.add(self.entity2)
        data = csv_bytes(
            [[self.inspector.badge_no, "改名", "35050302", self.entity.uid]],
            ["执法证号", "姓名", "所在单位", "申报回避"],
        )
        result = import_inspectors(data, "人员.csv", user=self.planner, mode="upsert")
        self.assertEqual((result.created, result.updated), (0, 1))
        self.inspector.refresh_from_db()
        self.assertEqual((self.inspector.name, self.inspector.unit), ("改名", self.station2))
        self.assertEqual(self.inspector.scope_path, self.station2.path)
        self.assertEqual(self.inspector.qualification_list, ["企业公示"])  # 文件没有该列：不变
        self.assertEqual(
            list(self.inspector.conflicts.values_list("uid", flat=True)), [self.entity.uid]
        )

    def test_bad_rows(self):
        rows = [
            ["P1", "甲", "35050301", "", "", "", "", "", "", "", ""],
            ["P1", "乙", "35050301", "", "", "", "", "", "", "", ""],
            [self.inspector.badge_no, "丙", "35050301", "", "", "", "", "", "", "", ""],
            ["P2", "丁", "35050201", "", "", "", "", "", "", "", ""],
            ["P3", "戊", "35050301", "350502D01", "临时工", "", "", "", "也许", "", ""],
            [
                "P4",
                "己",
                "35050301",
                "",
                "",
                "",
                "",
                "开元市场监督管理所",
                "",
                "",
                self.other_entity.uid,
            ],
            ["P5", "", "", "", "", "", "", "", "", "", bad_check_digit(self.entity.uid)],
        ]
        errors = self.failure(
            import_inspectors, csv_bytes(rows, INSPECTOR_HEADER), user=self.planner
        )
        self.assertError(errors, 3, "执法证号", "与第2行的执法证号重复")
        self.assertError(errors, 4, "执法证号", "已有该执法证号")
        self.assertError(errors, 5, "所在单位", "不在您的辖区内")
        self.assertError(errors, 6, "所属部门", "不在")
        self.assertError(errors, 6, "人员类别", "未知的人员类别")
        self.assertError(errors, 6, "在岗", "在岗应填")
        self.assertError(errors, 7, "负责区域", "不在您的辖区内")
        self.assertError(
            errors, 7, "申报回避（统一社会信用代码，多个以、分隔）", "不在本辖区名录库中"
        )
        self.assertError(errors, 8, "姓名", "姓名不能为空")
        self.assertError(errors, 8, "所在单位", "所在单位不能为空")
        self.assertError(errors, 8, "申报回避（统一社会信用代码，多个以、分隔）", "校验位错误")

    def test_upsert_of_another_countys_inspector_is_refused(self):
        data = csv_bytes(
            [[self.other_inspector.badge_no, "越界", "35050301"]], ["执法证号", "姓名", "所在单位"]
        )
        errors = self.failure(import_inspectors, data, user=self.planner, mode="upsert")
        self.assertError(errors, 2, "执法证号", "属于其他辖区")

    def test_a_unit_imports_only_its_own_inspectors(self):
        """指定导入单位（东海所）时：别的所的行、别的所的已有人员都按行列报错，一行也不写。"""
        theirs = make_inspector(self.station2, "35050300202")
        rows = [
            ["35050300201", "本所", "35050301"],
            ["35050300203", "他所", "35050302"],
            [theirs.badge_no, "改他所", "35050301"],
        ]
        data = csv_bytes(rows, ["执法证号", "姓名", "所在单位"])
        errors = self.failure(
            import_inspectors, data, user=self.planner, mode="upsert", unit=self.station
        )
        self.assertError(errors, 3, "所在单位", "不在导入单位“东海市场监督管理所”之内")
        self.assertError(errors, 4, "执法证号", "属于“城东市场监督管理所”，不在导入单位")
        self.assertEqual(len(errors), 2)
        result = import_inspectors(
            csv_bytes(rows[:1], ["执法证号", "姓名", "所在单位"]),
            "x.csv",
            user=self.planner,
            unit=self.station,
        )
        self.assertEqual(result.created, 1)
        with self.assertRaises(ImportFailed) as caught:
            import_inspectors(data, "x.csv", user=self.planner, unit="350503D01")
        self.assertIn("导入单位不能是部门", str(caught.exception.errors[0].reason))

    def test_wrong_header_and_permission(self):
        errors = self.failure(import_inspectors, csv_bytes([["a"]], ["姓名"]), user=self.planner)
        self.assertError(errors, 1, "表头", "缺少必需的列：执法证号、所在单位")
        with self.assertRaises(PermissionDenied):
            import_inspectors(
                csv_bytes(self.rows(), INSPECTOR_HEADER), "x.csv", user=self.user("business")
            )


class ItemImportTests(Failing, BaseTestCase):
    HEADER = [h for h in ITEM_HEADER if h != "制定单位"]

    def setUp(self):
        self.planner = self.user("planner")

    def test_item_list_import(self):
        rows = [
            [
                "T-001",
                "企业公示信息抽查",
                "年报\n即时信息",
                "《条例》",
                "信用监管股",
                "企业、个体工商户",
                "不超过5%",
                "每年1次",
                "实地检查、2",
                "企业公示",
                "",
                "一般",
            ],
            [
                "T-002",
                "食品销售检查",
                "",
                "",
                "",
                "",
                "不设上限",
                "",
                "1,4",
                "食品安全",
                "",
                "重点",
            ],
            ["T-003", "广告检查", "", "", "区广告协会", "", "3%", "", "网络监测", "", "", ""],
            ["T-004", "特种设备检查", "", "", "", "", "", "", "", "", "备注", ""],
        ]
        result = import_items(csv_bytes(rows, self.HEADER), "事项.csv", user=self.planner)
        self.assertEqual((result.created, result.updated), (4, 0))
        one = InspectionItem.objects.get(unit=self.county, code="T-001")
        self.assertEqual(
            (one.kind, one.ratio_cap, one.ratio_text), ("general", Decimal("0.05"), "不超过5%")
        )
        self.assertEqual(one.methods, "1,2")
        self.assertEqual(one.department.code, "350503D01")
        self.assertEqual(one.subject, "信用监管股")
        self.assertEqual(one.object_type, "企业、个体工商户")
        self.assertEqual(one.sub_item_list, ["年报", "即时信息"])
        self.assertEqual(one.requirement_tags, ["企业公示"])
        two = InspectionItem.objects.get(unit=self.county, code="T-002")
        self.assertEqual((two.kind, two.ratio_cap, two.methods), ("key", None, "1,4"))
        three = InspectionItem.objects.get(unit=self.county, code="T-003")
        self.assertEqual(
            (three.kind, three.ratio_cap, three.department), ("general", Decimal("0.03"), None)
        )
        four = InspectionItem.objects.get(unit=self.county, code="T-004")
        self.assertEqual((four.kind, four.ratio_cap, four.object_type), ("key", None, "企业"))
        self.assertEqual(AuditEvent.objects.order_by("-id").first().action, "item.imported")

    def test_bad_items(self):
        rows = [
            ["T-101", "一般无比例", "", "", "", "", "", "", "", "", "", "一般"],
            ["T-102", "怪方式", "", "", "", "", "5%", "", "飞行检查", "", "", ""],
            ["T-102", "重复", "", "", "", "", "5%", "", "", "", "", ""],
            ["FJSC-001", "已有编号", "", "", "", "", "5%", "", "", "", "", ""],
            ["T-103", "", "", "", "", "", "百分之五", "", "", "", "", "一般"],
            ["T-104", "类别", "", "", "", "", "5%", "", "", "", "", "次要"],
        ]
        errors = self.failure(import_items, csv_bytes(rows, self.HEADER), user=self.planner)
        self.assertError(errors, 2, "抽查比例", "一般检查事项须填写抽查比例上限")
        self.assertError(errors, 3, "抽查方式", "未知的抽查方式")
        self.assertError(errors, 4, "编号", "与第3行的编号重复")
        self.assertError(errors, 5, "编号", "已有该编号")
        self.assertError(errors, 6, "抽查事项名称", "不能为空")
        self.assertError(errors, 6, "抽查比例", "无法识别")
        self.assertError(errors, 7, "事项类别", "未知的事项类别")

    def test_upsert_and_unit_column(self):
        data = csv_bytes(
            [
                ["FJSC-001", "改名的公示抽查", "不超过3%", "一般", "泉州市丰泽区市场监督管理局"],
                ["X-1", "他县事项", "5%", "一般", "350502"],
            ],
            ["编号", "抽查事项名称", "抽查比例", "事项类别", "制定单位"],
        )
        errors = self.failure(import_items, data, user=self.planner, mode="upsert")
        self.assertEqual(errors, [(3, "制定单位", "制定单位“350502”不在您的辖区内")])
        data = csv_bytes(
            [["FJSC-001", "改名的公示抽查", "不超过3%", "一般"]],
            ["编号", "抽查事项名称", "抽查比例", "事项类别"],
        )
        result = import_items(data, "事项.csv", user=self.planner, mode="upsert")
        self.assertEqual((result.created, result.updated), (0, 1))
        item = InspectionItem.objects.get(unit=self.county, code="FJSC-001")
        self.assertEqual((item.name, item.ratio_cap), ("改名的公示抽查", Decimal("0.03")))
        self.assertEqual(item.legal_basis, "《企业信息公示暂行条例》第十四条")  # 文件没有该列：不变

    def test_permissions(self):
        data = csv_bytes(
            [["T-9", "事项", "5%", "一般"]], ["编号", "抽查事项名称", "抽查比例", "事项类别"]
        )
        self.assertEqual(import_items(data, "a.csv", user=self.user("business")).created, 1)
        with self.assertRaises(PermissionDenied):
            import_items(data, "a.csv", user=self.user("witness"))
        errors = self.failure(import_items, data, user=None)
        self.assertIn("没有指定制定单位", errors[0][2])
        self.assertEqual(import_items(data, "a.csv", user=None, unit="350502").created, 1)

    def test_parse_ratio(self):
        self.assertEqual(parse_ratio("5%"), Decimal("0.05"))
        self.assertEqual(parse_ratio("不超过5%"), Decimal("0.05"))
        self.assertEqual(parse_ratio("不超过 2.5 %"), Decimal("0.025"))
        self.assertEqual(parse_ratio("0.05"), Decimal("0.05"))
        self.assertEqual(parse_ratio("5"), Decimal("0.05"))
        self.assertIsNone(parse_ratio("不设上限"))
        self.assertIsNone(parse_ratio(""))
        for bad in ("百分之五", "150%", "5.123456%"):
            with self.assertRaises(ValueError):
                parse_ratio(bad)


class ItemOwnershipTests(Failing, BaseTestCase):
    """抽查事项归制定单位和抽查主体部门：联合部门的账号不能借导入改局里的事项。"""

    HEADER = ["编号", "抽查事项名称", "抽查比例", "事项类别", "抽查主体"]

    def setUp(self):
        self.joint = self.user("joint")  # 丰泽区卫生健康局（联合部门）
        self.item = InspectionItem.objects.get(unit=self.county, code="FJSC-001")

    def test_it_refuses_the_joint_departments_upsert_of_a_bureau_item(self):
        self.assertEqual(self.item.ratio_cap, Decimal("0.05"))
        data = csv_bytes([["FJSC-001", "企业公示信息的抽查", "100%", "一般"]], self.HEADER[:4])
        errors = self.failure(import_items, data, user=self.joint, mode="upsert")
        self.assertEqual(len(errors), 1)
        self.assertError(errors, 2, "编号", "该抽查事项属于“泉州市丰泽区市场监督管理局”")
        self.assertError(errors, 2, "编号", "您所在的“丰泽区卫生健康局”不能")
        self.item.refresh_from_db()
        self.assertEqual(self.item.ratio_cap, Decimal("0.05"))

    def test_it_refuses_new_bureau_items_from_the_joint_department(self):
        data = csv_bytes(
            [
                ["J-1", "局里的事项", "5%", "一般", "食品安全监管股"],
                ["J-2", "没有抽查主体", "5%", "一般", ""],
            ],
            self.HEADER,
        )
        errors = self.failure(import_items, data, user=self.joint)
        self.assertError(errors, 2, "抽查主体", "只有制定单位、抽查主体部门和系统管理员")
        self.assertError(errors, 3, "抽查主体", "只有制定单位、抽查主体部门和系统管理员")

    def test_the_joint_department_keeps_its_own_items(self):
        data = csv_bytes([["J-3", "卫生监督检查", "5%", "一般", "丰泽区卫生健康局"]], self.HEADER)
        self.assertEqual(import_items(data, "a.csv", user=self.joint).created, 1)
        own = InspectionItem.objects.get(unit=self.county, code="J-3")
        self.assertEqual(own.department.code, "350503D51")
        data = csv_bytes([["J-3", "卫生监督检查", "3%", "一般", "丰泽区卫生健康局"]], self.HEADER)
        self.assertEqual(import_items(data, "a.csv", user=self.joint, mode="upsert").updated, 1)
        # 但不能把本部门的事项改挂到局里的股室
        data = csv_bytes([["J-3", "卫生监督检查", "3%", "一般", "食品安全监管股"]], self.HEADER)
        errors = self.failure(import_items, data, user=self.joint, mode="upsert")
        self.assertError(errors, 2, "抽查主体", "抽查主体：食品安全监管股")
        # 局里的人（计划员、股室）和系统管理员照常可以改局里的事项
        data = csv_bytes([["FJSC-001", "企业公示信息的抽查", "3%", "一般"]], self.HEADER[:4])
        for name in ("planner", "business", "admin"):
            result = import_items(data, "a.csv", user=self.user(name), mode="upsert")
            self.assertEqual(result.updated, 1, name)
