"""人员调整：直接指派（谁、为什么）、跨区域匹配、因病重新匹配（留痕、确定性）、额外成员、作废。"""

from collections import Counter

from django.core.exceptions import PermissionDenied, ValidationError

from shuangsui.core.models import AuditEvent
from shuangsui.draws import protocol
from shuangsui.draws import services as draws
from shuangsui.inspections import services
from shuangsui.inspections.choices import AssignmentSource, Problem
from shuangsui.inspections.models import Assignment, Dispatch, Inspection
from shuangsui.inspectors.models import Inspector

from .helpers import AUX, CON, EXP, OFF, T1, MatchingTestCase, S


class AdjustTests(MatchingTestCase):
    def setUp(self):
        self.planner = self.user("planner")

    def inspection(self, entity):
        return Inspection.objects.get(draw=self.draw, uid=entity.uid)

    def officers(self, inspection):
        return list(
            inspection.assignments.filter(active=True, counts_as_officer=True)
            .order_by("position")
            .values_list("inspector__badge_no", flat=True)
        )

    def expected_pick(self, inspection, candidates):
        """规则的独立写法：按 ikey 排序，本次抽取有效指派数未达 cap 的在前。"""
        load = Counter(
            Assignment.objects.filter(inspection__draw=self.draw, active=True).values_list(
                "inspector__badge_no", flat=True
            )
        )
        cap = Dispatch.objects.get(draw=self.draw).cap_for("")
        order = sorted(
            candidates, key=lambda i: protocol.inspector_key(self.draw.seed, inspection.uid, i)
        )
        return sorted(order, key=lambda i: load[i] >= cap)[0]

    def test_direct_assignment_records_who_and_why_and_refuses_bad_teams(self):
        i = self.inspection(self.there[0])
        self.assertEqual(self.officers(i), [T1])
        cases = [
            ([S[0], T1], "  ", "原因"),
            ([S[0]], "人员不足", "至少须有 2 名"),
            ([S[0], self.other_inspector.badge_no], "人员不足", "不在您的辖区内"),
            ([S[0], AUX], "人员不足", "不是执法人员"),
            ([S[0], OFF], "人员不足", "不在岗"),
            ([S[0], self.inspector.badge_no], "人员不足", "缺少资质"),
        ]
        for badges, reason, message in cases:
            with self.assertRaisesMessage(ValidationError, message):
                services.assign_directly(i, self.planner, badges, reason)
        with self.assertRaisesMessage(ValidationError, "申报了回避"):
            services.assign_directly(self.inspection(self.here[0]), self.planner, [CON, S[0]], "x")
        with self.assertRaises(PermissionDenied):
            services.assign_directly(i, self.user("inspector"), [S[0], T1], "人员不足")
        with self.assertRaises(PermissionDenied):
            services.assign_directly(i, self.user("planner_350502"), [S[0], T1], "人员不足")
        self.assertEqual(self.officers(i), [T1])  # 被拒绝的指派没有留下任何改动

        services.assign_directly(i, self.planner, f"{T1}，{S[0]}", "城东所人员不足，由东海所支援")
        i.refresh_from_db()
        self.assertEqual(self.officers(i), [T1, S[0]])
        self.assertEqual(i.problems, [])
        self.assertFalse(i.needs_action)
        added = i.assignments.get(inspector__badge_no=S[0])
        self.assertEqual(added.source, AssignmentSource.DIRECT)
        self.assertEqual(added.decided_by, self.planner)
        self.assertEqual(added.reason, "城东所人员不足，由东海所支援")
        self.assertEqual(i.assignments.get(inspector__badge_no=T1).source, AssignmentSource.MATCHED)
        self.assertEqual(i.group.member_key, ",".join(sorted([T1, S[0]])))
        event = AuditEvent.objects.get(action="assignment.direct")
        self.assertEqual(event.after["reason"], "城东所人员不足，由东海所支援")
        self.assertEqual(event.after["decided_by"], "planner")
        self.assertEqual([m["badge_no"] for m in event.before["team"]], [T1])

        # 替换整个执法人员名单：原来的人结束指派（保留记录）
        services.assign_directly(i, self.planner, [S[1], S[2]], "重新安排")
        self.assertEqual(sorted(self.officers(i)), [S[1], S[2]])
        ended = i.assignments.filter(active=False).order_by("inspector__badge_no")
        self.assertEqual([a.inspector.badge_no for a in ended], [S[0], T1])
        self.assertTrue(
            all("重新安排" in a.end_reason and a.ended_by == self.planner for a in ended)
        )

    def test_cross_region_match(self):
        i = self.inspection(self.there[1])
        expected = self.expected_pick(i, S + [CON])
        services.match_cross_region(i, self.planner)
        i.refresh_from_db()
        self.assertEqual(self.officers(i), [T1, expected])
        row = i.assignments.get(inspector__badge_no=expected)
        self.assertEqual(row.source, AssignmentSource.CROSS_REGION)
        self.assertEqual(row.decided_by, self.planner)
        self.assertFalse(i.needs_action)
        event = AuditEvent.objects.get(action="assignment.cross_region")
        self.assertEqual(event.after["added"], [expected])
        with self.assertRaisesMessage(ValidationError, "无需跨区域匹配"):
            services.match_cross_region(i, self.planner)

    def test_reassignment_keeps_the_trail_and_picks_deterministically(self):
        i = self.inspection(self.here[1])
        team = self.officers(i)
        ill = Inspector.objects.get(badge_no=team[0])
        with self.assertRaisesMessage(ValidationError, "原因"):
            services.reassign(i, self.planner, ill, " ")
        candidates = [b for b in S + [CON] if b not in team]
        first = self.expected_pick(i, candidates)
        Inspector.objects.filter(badge_no=first).update(on_duty=False)  # 此后在名录库中不在岗
        expected = self.expected_pick(i, [b for b in candidates if b != first])
        new = services.reassign(i, self.planner, ill, "因病住院")
        self.assertEqual(new.badge_no, expected)
        i.refresh_from_db()
        self.assertEqual(self.officers(i), [team[1], expected])
        old = i.assignments.get(inspector=ill)
        self.assertFalse(old.active)
        self.assertEqual((old.end_reason, old.ended_by), ("因病住院", self.planner))
        self.assertIsNotNone(old.ended_at)
        row = i.assignments.get(inspector=new)
        self.assertEqual(row.source, AssignmentSource.REASSIGNED)
        self.assertIn("因病住院", row.reason)
        self.assertEqual(i.group.member_key, ",".join(sorted([team[1], expected])))
        event = AuditEvent.objects.get(action="assignment.reassigned")
        self.assertEqual([m["badge_no"] for m in event.before["team"]], team)
        self.assertEqual(event.after["removed"], ill.badge_no)
        self.assertEqual(event.after["replacement"], expected)
        self.assertEqual(event.after["reason"], "因病住院")
        # 被调出的人不会再被匹配回来；不在组中的人不能调出
        with self.assertRaisesMessage(ValidationError, "不在该对象的检查组中"):
            services.reassign(i, self.planner, ill, "再调一次")

    def test_reassignment_without_a_replacement_flags_the_target(self):
        i = self.inspection(self.there[2])
        self.assertIsNone(services.reassign(i, self.user("planner"), self.people[T1], "借调外单位"))
        i.refresh_from_db()
        self.assertEqual(self.officers(i), [])
        self.assertIsNone(i.group)
        self.assertIn(Problem.OFFICERS_SHORT, i.problems)

    def test_who_may_reassign(self):
        i = self.inspection(self.here[2])
        member = i.assignments.filter(active=True).first().inspector
        with self.assertRaises(PermissionDenied):
            services.reassign(i, self.user("inspector"), member, "因病")
        with self.assertRaises(PermissionDenied):
            services.reassign(
                self.inspection(self.there[0]), self.user("head"), self.people[T1], "x"
            )
        self.assertIsNotNone(services.reassign(i, self.user("head"), member, "因病"))  # 本所所长

    def test_extra_members_are_never_counted(self):
        i = self.inspection(self.here[1])
        before = self.officers(i)
        row = services.add_extra(i, self.planner, self.people[AUX])
        self.assertFalse(row.counts_as_officer)
        self.assertEqual(row.source, AssignmentSource.EXTRA)
        services.add_extra(i, self.planner, self.people[EXP], "特种设备专家")
        self.assertEqual(self.officers(i), before)
        self.assertEqual(i.assignments.filter(active=True).count(), 4)
        with self.assertRaisesMessage(ValidationError, "执法人员请通过直接指派"):
            services.add_extra(i, self.planner, self.people[S[3]])
        with self.assertRaisesMessage(ValidationError, "已在"):
            services.add_extra(i, self.planner, self.people[AUX])
        # 只有辅助人员和一名执法人员的对象仍然标为不足
        short = self.inspection(self.there[0])
        services.add_extra(short, self.planner, self.people[AUX])
        short.refresh_from_db()
        self.assertIn(Problem.OFFICERS_SHORT, short.problems)

    def test_voided_draw_leaves_the_worklists(self):
        i = self.inspection(self.here[1])
        member = i.assignments.filter(active=True).first().inspector
        member.user = self.user("inspector")
        member.save()
        self.assertIn(i, services.worklist(self.user("inspector")))
        draws.request_void(self.draw, self.planner, "范围设置错误")
        draws.approve_void(self.draw, self.user("admin"))
        self.assertNotIn(i, services.worklist(self.user("inspector")))
        i.refresh_from_db()
        self.assertEqual(i.status, "cancelled")
        voided = AuditEvent.objects.filter(action="draw.voided").latest("id")
        self.assertEqual(voided.after["inspections_cancelled"], self.draw.inspections.count())
        with self.assertRaisesMessage(ValidationError, "已作废"):
            services.reassign(i, self.planner, member, "因病")
