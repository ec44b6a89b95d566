"""计划与任务的规则：命名、编号、备案期限、比例上限、重复任务、只在草稿时修改、差异化占比；页面与接口。"""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from shuangsui.core.models import ApiToken, AuditEvent, OrgUnit
from shuangsui.draws import reports
from shuangsui.plans import services
from shuangsui.plans.choices import PlanKind, TaskStatus
from shuangsui.plans.tests.helpers import (
    END,
    START,
    PlansTestCase,
    full_ceremony,
    item,
    new_task,
    populate,
)


class NamingTests(PlansTestCase):
    def test_default_name_reads_naturally(self):
        task = self.task()
        self.assertEqual(task.name, "丰泽区2026年度企业公示信息抽查方案")
        task = self.task(codes=("FJSC-011", "FJSC-012"))
        self.assertEqual(task.name, "丰泽区2026年度食品销售者、餐饮服务提供者抽查方案")
        self.assertEqual(
            services.default_task_name("丰泽区", 2026, ["甲检查", "乙检查", "丙", "丁"]),
            "丰泽区2026年度甲等4项抽查方案",
        )
        joint = self.task(
            codes=("FJSC-011",),
            lead_department=OrgUnit.objects.get(code="350503D02"),
            departments=[OrgUnit.objects.get(code="350503D51")],
        )
        self.assertEqual(joint.name, "丰泽区2026年度食品销售者联合抽查方案")
        self.assertEqual(self.task(name="自定的名称").name, "自定的名称")

    def test_task_codes_are_unique_and_sequential(self):
        codes = [self.task().code for _ in range(3)]
        self.assertEqual(codes, ["350503-2026-0001", "350503-2026-0002", "350503-2026-0003"])
        other = new_task(self.user("planner_350502"), self.other_county)
        self.assertEqual(other.code, "350502-2026-0001")
        self.assertTrue(AuditEvent.objects.filter(action="task.created").exists())


class RuleTests(PlansTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        populate(cls.station, 100, "BBBBBBBBBBCCCCCDDDDD")

    def approve(self, task, **kw):
        return services.approve_task(task, self.user("leader"), **kw)

    def test_ratio_may_not_exceed_smallest_general_cap(self):
        # FJSC-001 上限 5%，FJSC-051 上限 3%：任务比例不得超过 3%
        task = self.task(codes=("FJSC-001", "FJSC-051"), quota_mode="ratio", ratio="0.035")
        with self.assertRaisesMessage(
            ValidationError, "超过一般事项“广告发布行为检查”的比例上限 3%"
        ):
            self.approve(task)
        ok = self.task(codes=("FJSC-001", "FJSC-051"), quota_mode="ratio", ratio="0.03")
        self.assertEqual(self.approve(ok).status, TaskStatus.APPROVED)
        # 重点事项不设上限
        key = self.task(codes=("FJSC-011",), quota_mode="ratio", ratio="0.5")
        self.assertEqual(self.approve(key).status, TaskStatus.APPROVED)

    def test_differentiated_ratios_are_weighted_for_the_cap(self):
        # 名单：B 11、C 5、D 5（A 类无事不扰）。加权比例 = (11×0.02 + 5×0.05 + 5×0.1) / 21 ≈ 4.62%
        task = self.task(class_ratios={"B": "0.02", "C": "0.05", "D": "0.1"})
        check = services.check_task(task, self.user("planner"))
        self.assertEqual(check.ratio, services.Decimal("0.97") / 21)
        self.assertTrue(check.ok)
        task = self.task(class_ratios={"B": "0.02", "C": "0.1", "D": "0.2"})
        self.assertFalse(services.check_task(task, self.user("planner")).ok)

    def test_duplicate_tasks_are_flagged_before_approval(self):
        first = self.approve(self.task(class_ratios={"B": "0.03"}))
        dup = self.task(class_ratios={"C": "0.03"}, start_date=datetime.date(2026, 6, 1))
        check = services.check_task(dup, self.user("planner"))
        self.assertEqual([t.code for t in check.duplicates], [first.code])
        with self.assertRaisesMessage(ValidationError, "可能是重复任务"):
            self.approve(dup)
        with self.assertRaisesMessage(ValidationError, "核实说明"):
            self.approve(dup, allow_duplicates=True)
        approved = self.approve(dup, allow_duplicates=True, duplicate_note="针对投诉集中的个体户")
        self.assertEqual(approved.duplicate_note, "针对投诉集中的个体户")
        event = AuditEvent.objects.filter(action="task.approved").last()
        self.assertEqual(event.after["duplicates"], [first.code])
        # 期间不重叠、区域不重叠、事项不同：都不算重复
        later = self.task(start_date=datetime.date(2026, 7, 1), deadline=datetime.date(2026, 9, 30))
        self.assertEqual(services.find_duplicates(later, self.user("planner")), [])
        elsewhere = self.task(regions=[self.station2])
        first.regions.set([self.station])
        approved.regions.set([self.station])
        self.assertEqual(services.find_duplicates(elsewhere, self.user("planner")), [])
        other_item = self.task(codes=("FJSC-003",))
        self.assertEqual(services.find_duplicates(other_item, self.user("planner")), [])

    def test_edits_only_in_draft_and_approval_needs_capability(self):
        task = self.task()
        with self.assertRaises(PermissionDenied):
            services.approve_task(task, self.user("business"))  # 没有 plans.approve
        with self.assertRaises(PermissionDenied):
            services.approve_task(task, self.user("planner_350502"))
        task = services.update_task(task, self.user("planner"), note="补充说明")
        self.approve(task)
        with self.assertRaisesMessage(ValidationError, "只有草稿可以修改"):
            services.update_task(task, self.user("planner"), note="再改")
        with self.assertRaisesMessage(ValidationError, "只有草稿可以批准"):
            self.approve(task)
        services.reopen_task(task, self.user("planner"))
        services.update_task(task, self.user("planner"), note="撤回后修改")

    def test_it_refuses_approval_by_whoever_created_or_last_edited_the_task(self):
        """职责分离：制定人、最后修改人都不能批准，须另一位有批准权限的人（页面、接口、命令同一规则）。"""
        task = self.task()  # planner 制定
        with self.assertRaisesMessage(ValidationError, "职责分离"):
            services.approve_task(task, self.user("planner"))
        task = services.update_task(task, self.user("leader"), note="领导改过")
        with self.assertRaisesMessage(ValidationError, "职责分离"):
            services.approve_task(task, self.user("leader"))  # 最后修改人也不行
        task.refresh_from_db()
        self.assertEqual(task.status, TaskStatus.DRAFT)
        task = services.approve_task(task, self.user("admin"))
        self.assertEqual(
            (task.created_by, task.updated_by, task.approved_by),
            (self.user("planner"), self.user("leader"), self.user("admin")),
        )
        # 接口：同样拒绝
        _, raw = ApiToken.issue(self.user("planner"), "test")
        other = self.task(regions=[self.station2])
        response = self.client.post(
            f"/api/plans/tasks/{other.code}/approve",
            {},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {raw}",
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("职责分离", response.json()["detail"])

    def test_invalid_task_is_refused(self):
        with self.assertRaises(ValidationError):
            self.task(quota_mode="ratio", ratio=None)
        with self.assertRaises(ValidationError):
            self.task(start_date=END, deadline=START)
        with self.assertRaises(ValidationError):
            self.task(class_ratios={"B": "1.5"})
        with self.assertRaises(ValidationError):
            self.task(regions=[self.other_station])

    def test_differentiated_share_is_reported(self):
        planner, witness = self.user("planner"), self.user("witness")
        diff = self.approve(
            self.task(codes=("FJSC-011",), class_counts={"B": 6, "C": 3}, quota_mode="class_count")
        )
        full_ceremony(diff, planner, witness)
        report = reports.differentiated_share(planner, year=2026)
        self.assertEqual((report.total, report.differentiated), (9, 9))
        self.assertTrue(report.meets_target)
        plain = self.approve(
            self.task(
                codes=("FJSC-012",),
                quota_mode="ratio",
                ratio="0.2",
                regions=[self.station],
                start_date=datetime.date(2026, 8, 1),
                deadline=datetime.date(2026, 8, 31),
            )
        )
        full_ceremony(plain, planner, witness)
        report = reports.differentiated_share(planner, year=2026)
        self.assertEqual(report.differentiated, 9)
        self.assertEqual(report.total, 9 + plain.draws.get().selected_count)
        self.assertLess(report.share, services.Decimal("0.85"))
        self.assertFalse(report.meets_target)
        self.assertEqual(report.target, services.Decimal("0.85"))
        self.assertEqual(
            reports.differentiated_share(self.user("planner_350502"), year=2026).total, 0
        )


class PlanTests(PlansTestCase):
    def plan(self, kind=PlanKind.ANNUAL, **fields):
        return services.create_plan(
            self.user("planner"),
            kind=kind,
            year=2026,
            items=[item(self.county, "FJSC-001")],
            **fields,
        )

    def test_default_plan_names(self):
        self.assertEqual(self.plan().name, "丰泽区2026年度“双随机、一公开”抽查工作计划")
        self.assertEqual(self.plan(PlanKind.JOINT).name, "丰泽区2026年度部门联合抽查工作计划")

    def test_late_filing_is_a_warning_not_a_block(self):
        annual = self.plan()
        services.file_plan(annual, self.user("planner"), on=datetime.date(2026, 2, 10))
        annual.refresh_from_db()
        self.assertIn("逾期备案", services.filing_warning(annual))
        self.assertIn("2026年1月31日", services.filing_warning(annual))
        joint = self.plan(PlanKind.JOINT)
        services.file_plan(joint, self.user("planner"), on=datetime.date(2026, 3, 20))
        joint.refresh_from_db()
        self.assertIsNone(services.filing_warning(joint))
        unfiled = self.plan(PlanKind.JOINT, name="未备案的联合计划")
        self.assertIn("尚未备案", services.filing_warning(unfiled, today=datetime.date(2026, 4, 2)))
        self.assertIsNone(services.filing_warning(unfiled, today=datetime.date(2026, 3, 31)))
        self.login("planner")
        page = self.client.get(reverse("plan-detail", args=[annual.pk])).content.decode()
        self.assertIn("逾期备案", page)

    def test_plan_pages(self):
        self.login("planner")
        response = self.client.post(
            reverse("plan-create"),
            {
                "kind": "joint",
                "year": 2026,
                "name": "",
                "lead_department": OrgUnit.objects.get(code="350503D02").pk,
                "departments": [OrgUnit.objects.get(code="350503D51").pk],
                "items": [item(self.county, "FJSC-011").pk, item(self.county, "FJSC-012").pk],
                "target_scope": "辖区内食品经营者",
                "ratio": "5",  # 页面上按百分数输入
                "batches": 2,
                "deadline": "2026-11-30",
            },
        )
        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
        plan = services.plans_for(self.user("planner")).get()
        self.assertEqual(plan.name, "丰泽区2026年度部门联合抽查工作计划")
        self.assertEqual(plan.ratio, Decimal("0.05"))
        for url in (reverse("plan-list"), reverse("plan-detail", args=[plan.pk])):
            self.assertEqual(self.client.get(url).status_code, 200)
        self.assertEqual(self.client.get(reverse("plan-edit", args=[plan.pk])).status_code, 200)
        response = self.client.post(reverse("plan-file", args=[plan.pk]))
        self.assertEqual(response.status_code, 302)
        form = self.client.get(reverse("task-create") + f"?plan={plan.pk}").content.decode()
        self.assertIn("FJSC-011", form)
        self.login("planner_350502")
        self.assertRefused(self.client.get(reverse("plan-detail", args=[plan.pk])))
        self.assertEqual(self.client.get(reverse("plan-detail", args=[99999])).status_code, 404)
        self.login("inspector")
        self.assertEqual(self.client.get(reverse("plan-list")).status_code, 403)


class TaskPageTests(PlansTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        populate(cls.station, 100, "BBBBBCCD")

    def test_create_edit_and_approve_through_pages(self):
        self.login("planner")
        self.assertEqual(self.client.get(reverse("task-create")).status_code, 200)
        response = self.client.post(
            reverse("task-create"),
            {
                "year": 2026,
                "name": "",
                "items": [item(self.county, "FJSC-001").pk],
                "target_kind": "entities",
                "statuses": ["active"],
                "stratify": "credit",
                "quota_mode": "class_ratio",
                "ratio_B": "3",  # 百分数
                "ratio_C": "5%",
                "ratio_D": "5",
                "reserve_B": "1",
                "methods": ["1", "2"],
                "inspectors_per_target": 2,
                "match_inspectors": "on",
                "batches": 1,
                "start_date": "2026-04-01",
                "deadline": "2026-06-30",
            },
        )
        self.assertEqual(response.status_code, 302, response.content.decode()[-3000:])
        task = services.tasks_for(self.user("planner")).get()
        self.assertEqual(task.name, "丰泽区2026年度企业公示信息抽查方案")
        self.assertEqual(task.class_ratios, {"B": "0.03", "C": "0.05", "D": "0.05"})
        self.assertEqual(task.reserves, {"B": 1})
        page = self.client.get(reverse("task-detail", args=[task.pk])).content.decode()
        self.assertNotIn('id="btn-approve"', page)  # 制定人不能批准（职责分离）
        self.assertIn("职责分离", page)
        self.assertIn("符合批准条件", page)
        self.assertEqual(self.client.get(reverse("task-edit", args=[task.pk])).status_code, 200)
        self.assertEqual(self.client.get(reverse("task-list")).status_code, 200)
        self.client.post(reverse("task-approve", args=[task.pk]))
        task.refresh_from_db()
        self.assertEqual(task.status, TaskStatus.DRAFT)
        self.login("leader")
        page = self.client.get(reverse("task-detail", args=[task.pk])).content.decode()
        self.assertIn('id="btn-approve"', page)
        self.client.post(reverse("task-approve", args=[task.pk]))
        task.refresh_from_db()
        self.assertEqual(task.status, TaskStatus.APPROVED)
        self.assertEqual(task.approved_by, self.user("leader"))
        self.login("planner")
        response = self.client.get(reverse("task-edit", args=[task.pk]))
        self.assertEqual(response.status_code, 302)
        self.login("business")  # 有 plans.view，没有 plans.approve：看不到批准按钮
        self.assertEqual(self.client.get(reverse("task-detail", args=[task.pk])).status_code, 200)

    def test_api(self):
        _, raw = ApiToken.issue(self.user("planner"), "test")
        auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        response = self.client.post(
            "/api/plans/plans",
            {"kind": "annual", "year": 2026, "items": ["FJSC-001"], "ratio": "0.035"},
            content_type="application/json",
            **auth,
        )
        self.assertEqual(response.status_code, 200, response.content)
        plan_id = response.json()["id"]
        body = {
            "plan": plan_id,
            "items": ["FJSC-001", "FJSC-051"],
            "quota_mode": "ratio",
            "ratio": "0.04",
            "start_date": "2026-04-01",
            "deadline": "2026-06-30",
        }
        response = self.client.post(
            "/api/plans/tasks", body, content_type="application/json", **auth
        )
        code = response.json()["code"]
        check = self.client.get(f"/api/plans/tasks/{code}/check", **auth).json()
        self.assertFalse(check["ok"])
        self.assertEqual(check["cap"], "0.0300")
        _, leader = ApiToken.issue(self.user("leader"), "test")  # 另一人批准（职责分离）
        response = self.client.post(
            f"/api/plans/tasks/{code}/approve",
            {},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {leader}",
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("比例上限", response.json()["detail"])
        self.assertEqual(self.client.get("/api/plans/tasks", **auth).json()["count"], 1)
        self.assertEqual(self.client.get(f"/api/plans/plans/{plan_id}", **auth).status_code, 200)
        self.assertEqual(self.client.get("/api/plans/share?year=2026", **auth).json()["total"], 0)
        _, raw = ApiToken.issue(self.user("inspector"), "test")
        response = self.client.get("/api/plans/tasks", HTTP_AUTHORIZATION=f"Bearer {raw}")
        self.assertEqual(response.status_code, 403)


class TaskCommandTests(PlansTestCase):
    def test_task_command(self):
        import io

        from django.core.management import call_command
        from django.core.management.base import CommandError

        out = io.StringIO()
        call_command(
            "task",
            "create",
            user="planner",
            item=["FJSC-001"],
            class_ratio=["B=0.03", "C=0.05"],
            reserve=["B=1"],
            start="2026-04-01",
            deadline="2026-06-30",
            stdout=out,
        )
        self.assertIn("350503-2026-0001\t丰泽区2026年度企业公示信息抽查方案", out.getvalue())
        call_command("task", "check", "350503-2026-0001", user="planner", stdout=out)
        self.assertIn("符合批准条件", out.getvalue())
        with self.assertRaisesMessage(CommandError, "没有权限"):
            call_command("task", "approve", "350503-2026-0001", user="business", stdout=out)
        with self.assertRaisesMessage(CommandError, "职责分离"):
            call_command("task", "approve", "350503-2026-0001", user="planner", stdout=out)
        call_command("task", "approve", "350503-2026-0001", user="leader", stdout=out)
        call_command("task", "list", user="witness", stdout=out)
        self.assertIn("已批准", out.getvalue())
        with self.assertRaisesMessage(CommandError, "不在您的辖区内"):
            call_command("task", "show", "350503-2026-0001", user="planner_350502", stdout=out)
        with self.assertRaisesMessage(CommandError, "不存在"):
            call_command("task", "show", "350503-2026-9999", user="planner", stdout=out)
