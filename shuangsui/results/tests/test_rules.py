"""检查结果的规则：两名执法人员、结果代码的层级与互斥、应当现场检查的不得替代、谁能录入与审核、
审核后不可改与版本、完成与任务进度、B类书面检查优先。"""

from django.core.exceptions import PermissionDenied, ValidationError

from shuangsui.core.models import AuditEvent
from shuangsui.inspections.choices import InspectionStatus
from shuangsui.plans.choices import TaskStatus
from shuangsui.plans.models import RegionRules
from shuangsui.results import services
from shuangsui.results.choices import ResultStatus
from shuangsui.results.models import Result

from .helpers import AUX, EXP, ResultsTestCase


class EntryRuleTests(ResultsTestCase):
    def test_it_needs_two_enforcement_officers_on_site_and_never_counts_aux_or_experts(self):
        i = self.target()
        one, two = self.officers(i)[:2]
        aux = self.extra(i, AUX)
        exp = self.extra(i, EXP)
        with self.assertRaisesMessage(
            ValidationError, "现场执法人员不得少于2人：本次到场执法人员1人"
        ):
            services.submit(one.user, i, self.item, self.data(i, present=[one.pk, aux.pk, exp.pk]))
        self.assertFalse(Result.objects.filter(status=ResultStatus.SUBMITTED).exists())
        result = services.submit(one.user, i, self.item, self.data(i, present=[one.pk, two.pk]))
        self.assertEqual(result.status, ResultStatus.SUBMITTED)

    def test_it_refuses_written_or_online_checks_for_an_on_site_item(self):
        i = self.target()
        user = self.officers(i)[0].user
        for methods in (["2"], ["5"], ["2", "4"]):
            with self.assertRaisesMessage(
                ValidationError, "应当现场检查，不能以书面检查、网络监测"
            ):
                services.submit(user, i, self.item, self.data(i, methods=methods))

    def test_the_rules_follow_the_nature_of_a_method_added_to_the_code_table(self):
        from shuangsui.catalog.models import CheckMethod
        from shuangsui.inspections import services as inspections

        CheckMethod.objects.create(code="7", name="联合实地核查", mode="on_site", order=5)
        CheckMethod.objects.create(code="V", name="视频远程检查", mode="remote", order=75)
        i = self.target()
        one, two = self.officers(i)[:2]
        with self.assertRaisesMessage(ValidationError, "请选择“联合实地核查”或“实地检查”"):
            services.submit(one.user, i, self.item, self.data(i, methods=["V"]))
        with self.assertRaisesMessage(ValidationError, "现场执法人员不得少于2人"):
            services.submit(one.user, i, self.item, self.data(i, methods=["7"], present=[one.pk]))
        result = services.submit(
            one.user, i, self.item, self.data(i, methods=["4", "7"], present=[one.pk, two.pk])
        )
        self.assertEqual((result.status, result.methods), (ResultStatus.SUBMITTED, ",7,4,"))
        self.assertEqual(result.method_labels, ["联合实地核查", "检验检测"])
        self.item.methods = "7"
        self.assertTrue(services.requires_on_site(self.item))
        self.item.methods = "7,V"  # 含非现场监测方式的事项不必现场
        self.assertFalse(services.requires_on_site(self.item))
        task = i.task
        task.methods = ",V,"
        self.assertEqual(inspections.min_officers(task), 1)
        task.methods = ",V,7,"
        self.assertEqual(inspections.min_officers(task), 2)

    def test_it_completes_the_code_hierarchy_and_refuses_exclusive_codes(self):
        i = self.target()
        user = self.officers(i)[0].user
        draft = services.save_draft(user, i, self.item, self.data(i, codes=["B"]))
        self.assertEqual(draft.code_list, ["A", "2", "B"])  # 下级含上级
        cases = [
            (["1", "B"], "“1 未发现问题”不能与其他检查结果同时选择"),
            (["1", "9"], "“1 未发现问题”不能与其他检查结果同时选择"),
            (["9", "12"], "只能选一个"),
        ]
        for codes, message in cases:
            with self.assertRaisesMessage(ValidationError, message):
                services.submit(user, i, self.item, self.data(i, codes=codes, facts="事实"))
        with self.assertRaisesMessage(ValidationError, "未知或已停用的检查结果代码：Z"):
            services.save_draft(user, i, self.item, self.data(i, codes=["Z"]))
        with self.assertRaisesMessage(ValidationError, "须填写检查发现的事实"):
            services.submit(user, i, self.item, self.data(i, codes=["B"]))

    def test_it_matches_status_codes_against_the_registration_or_asks_to_confirm(self):
        i = self.target()
        user = self.officers(i)[0].user
        data = self.data(i, codes=["9"], facts="登记机关已核准注销")
        with self.assertRaisesMessage(ValidationError, "与主体的登记状态“存续”不符"):
            services.submit(user, i, self.item, data)
        type(i.entity).objects.filter(pk=i.entity_id).update(status="cancelled")
        result = services.submit(user, i, self.item, data)
        self.assertEqual(result.code_list, ["9"])

    def test_it_accepts_a_confirmed_status_code(self):
        i = self.target()
        user = self.officers(i)[0].user
        data = self.data(i, codes=["12"], facts="已迁往外省", status_confirmed=True)
        self.assertEqual(services.submit(user, i, self.item, data).status, ResultStatus.SUBMITTED)

    def test_only_currently_assigned_inspectors_enter(self):
        i = self.target()
        officer = self.officers(i)[0]
        stranger = self.people["35050310004"]
        if stranger in self.officers(i):
            stranger = self.people["35050310003"]
        with self.assertRaisesMessage(PermissionDenied, "只有指派到该对象的检查人员"):
            services.save_draft(stranger.user, i, self.item, self.data(i))
        from shuangsui.inspections import services as inspections

        inspections.reassign(i, self.users["planner"], officer, "病假")
        with self.assertRaisesMessage(PermissionDenied, "只有指派到该对象的检查人员"):
            services.save_draft(officer.user, i, self.item, self.data(i))
        with self.assertRaises(PermissionDenied):
            services.save_draft(self.users["head"], i, self.item, self.data(i))

    def test_present_people_must_be_on_the_team(self):
        i = self.target()
        user = self.officers(i)[0].user
        outsider = self.people["35050320001"]
        with self.assertRaisesMessage(ValidationError, "到场人员须是该对象检查组的成员"):
            services.save_draft(user, i, self.item, self.data(i, present=[outsider.pk]))


class ReviewTests(ResultsTestCase):
    def submitted(self, i=None):
        i = i or self.target()
        user = self.officers(i)[0].user
        return services.submit(user, i, self.item, self.data(i))

    def test_nobody_reviews_a_result_they_were_present_for(self):
        result = self.submitted()
        present = result.present.first()
        from shuangsui.core.choices import Role

        type(present.user).objects.filter(pk=present.user_id).update(role=Role.STATION_HEAD)
        present.user.refresh_from_db()
        with self.assertRaisesMessage(PermissionDenied, "参加检查或录入该结果的人员不能审核"):
            services.approve(present.user, result)
        with self.assertRaisesMessage(PermissionDenied, "只有所长或任务的部门"):
            services.approve(self.users["witness"], result)
        with self.assertRaises(PermissionDenied):  # 他所的所长
            services.approve(self.users["head_350502"], result)

    def test_a_returned_result_is_corrected_and_approved_and_completes_the_inspection(self):
        result = self.submitted()
        head = self.users["head"]
        with self.assertRaisesMessage(ValidationError, "退回须写明原因"):
            services.return_result(head, result, " ")
        services.return_result(head, result, "缺少现场照片")
        result.refresh_from_db()
        self.assertEqual(
            (result.status, result.review_note), (ResultStatus.RETURNED, "缺少现场照片")
        )
        i = result.inspection
        again = services.submit(result.entered_by, i, self.item, {"facts": "补充"})
        self.assertEqual((again.pk, again.status), (result.pk, ResultStatus.SUBMITTED))
        services.approve(head, again)
        i.refresh_from_db()
        self.assertEqual(i.status, InspectionStatus.COMPLETED)
        self.assertTrue(AuditEvent.objects.filter(action="result.returned").exists())

    def test_an_approved_result_is_immutable_and_corrections_are_new_versions(self):
        result = self.submitted()
        services.approve(self.users["head"], result)
        i = result.inspection
        user = result.entered_by
        with self.assertRaisesMessage(ValidationError, "已审核的检查结果不能修改"):
            services.save_draft(user, i, self.item, {"facts": "改"})
        result.refresh_from_db()
        result.facts = "直接改"
        with self.assertRaisesMessage(ValidationError, "已审核的检查结果不能修改"):
            result.save()
        with self.assertRaisesMessage(ValidationError, "更正须写明原因"):
            services.correct(user, result, "")
        new = services.correct(user, result, "检查日期录错")
        self.assertEqual((new.version, new.previous_id, new.current), (2, result.pk, True))
        self.assertEqual(new.status, ResultStatus.DRAFT)
        old = Result.objects.get(pk=result.pk)
        self.assertEqual((old.current, old.status, old.facts), (False, ResultStatus.APPROVED, ""))
        i.refresh_from_db()
        self.assertEqual(i.status, InspectionStatus.IN_PROGRESS)  # 更正待审核
        self.assertEqual(len(services.history(i, self.item)), 2)

    def test_without_review_a_submission_is_approved(self):
        RegionRules.objects.create(unit=self.county, review_required=False)
        result = self.submitted()
        self.assertEqual(result.status, ResultStatus.APPROVED)


class CompletionTests(ResultsTestCase):
    def test_task_progress_moves_and_the_task_completes(self):
        task = self.draw.task
        before = services.progress(task)
        self.assertEqual((before["entered"], before["reviewed"]), (0, 0))
        self.assertGreater(before["drawn"], 1)
        head = self.users["head"]
        done = 0
        for i in task.inspections.order_by("rank"):
            people = self.officers(i)
            if len(people) < 2:
                self.extra_officers(i)
                people = self.officers(i)
            r = services.submit(people[0].user, i, self.item, self.data(i))
            reviewer = head if i.station_id == self.station.pk else self.users["business"]
            if i.station_id != self.station.pk:
                self.assertEqual(services.progress(task)["entered"], done + 1)
            services.approve(reviewer, r)
            done += 1
            self.assertEqual(services.progress(task)["reviewed"], done)
        task.refresh_from_db()
        self.assertEqual(task.status, TaskStatus.COMPLETED)
        self.assertIsNotNone(task.completed_on)
        self.assertTrue(services.progress(task)["completed"])
        # 检查都完成后作废抽取：任务回到“已批准”（可重新抽取），不再是“已完成”；结果留档
        from shuangsui.draws import services as draws

        draws.request_void(self.draw, self.users["planner"], "抽取范围设错")
        draws.approve_void(self.draw, self.users["leader"])
        task.refresh_from_db()
        self.assertEqual((task.status, task.completed_on), (TaskStatus.APPROVED, None))
        self.assertEqual(task.inspections.exclude(status=InspectionStatus.COMPLETED).count(), 0)
        self.assertEqual(services.progress(task)["drawn"], 0)
        voided = AuditEvent.objects.filter(action="draw.voided").get()
        self.assertEqual(voided.after["task"]["status"], TaskStatus.APPROVED)
        self.assertEqual(AuditEvent.objects.filter(action="task.reopened").count(), 0)

    def extra_officers(self, i):
        from shuangsui.inspections import services as inspections

        inspections.assign_directly(
            i, self.users["planner"], ["35050310001", "35050310002"], "补足现场人员"
        )


class WrittenFirstTests(ResultsTestCase):
    def test_b_class_targets_are_checked_in_writing_first_and_may_close_without_a_visit(self):
        item = self.item
        item.methods = "1,2"  # 允许书面检查的事项
        item.save()
        task = self.draw.task
        type(task).objects.filter(pk=task.pk).update(written_first_b=True)
        i = self.target()
        i.task.refresh_from_db()
        user = self.officers(i)[0].user
        with self.assertRaisesMessage(ValidationError, "书面检查优先"):
            services.submit(user, i, item, self.data(i, methods=["1"]))
        result = services.submit(user, i, item, self.data(i, methods=["2"], present=[]))
        self.assertEqual(result.status, ResultStatus.SUBMITTED)
        # 任务不勾选时不要求书面检查
        type(task).objects.filter(pk=task.pk).update(written_first_b=False)
        other = self.target(self.here[2])
        other.task.refresh_from_db()
        user = self.officers(other)[0].user
        self.assertEqual(
            services.submit(user, other, item, self.data(other)).status, ResultStatus.SUBMITTED
        )
