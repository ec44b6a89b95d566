"""经真实的抽取检验匹配规则：资格逐条、每户两名执法人员或标记、人均上限、由种子决定、
轮换、相邻所、联合检查。"""

from collections import Counter

from django.test import override_settings

from shuangsui.core.models import AuditEvent
from shuangsui.core.tests.base import make_inspector
from shuangsui.draws import protocol
from shuangsui.draws import services as draws
from shuangsui.inspections import services
from shuangsui.inspections.choices import AssignmentSource, Problem
from shuangsui.inspections.models import Assignment, Dispatch, Inspection, InspectionGroup

from .helpers import AUX, CON, EXP, FOOD, HEALTH, OFF, T1, MatchingTestCase, S


class MatchingTests(MatchingTestCase):
    def record(self, draw=None):
        return draws.load_record(draw or self.draw)

    def teams(self, draw=None):
        out = {}
        rows = Assignment.objects.filter(inspection__draw=draw or self.draw, active=True)
        for uid, badge in rows.order_by("position").values_list(
            "inspection__uid", "inspector__badge_no"
        ):
            out.setdefault(uid, []).append(badge)
        return out

    def test_eligibility_rules_one_by_one(self):
        lists = self.record()["inspectors"]["eligible"]
        here, there = [e.uid for e in self.here], [e.uid for e in self.there]
        self.assertEqual(set(lists), set(here + there))
        for uid in here:
            people = set(lists[uid])
            self.assertTrue(set(S) <= people, "在岗、具备资质、负责该所的执法人员")
            self.assertNotIn(OFF, people, "不在岗")
            self.assertNotIn(self.inspector.badge_no, people, "缺少资质“食品安全”")
            self.assertNotIn(AUX, people, "辅助人员不计入执法人员")
            self.assertNotIn(EXP, people, "专家不计入执法人员")
            self.assertNotIn(T1, people, "不负责该所（未允许相邻所）")
            self.assertEqual(CON in people, uid != self.here[0].uid, "申报回避")
        for uid in there:
            self.assertEqual(lists[uid], [T1])
        # 辅助人员、专家从未被计入执法人员
        self.assertFalse(
            Assignment.objects.filter(inspector__kind__in=["auxiliary", "expert"]).exists()
        )

    def test_two_officers_per_on_site_target_or_a_flag(self):
        inspections = Inspection.objects.filter(draw=self.draw)
        self.assertEqual(inspections.count(), 10)
        for i in inspections:
            officers = i.assignments.filter(active=True, counts_as_officer=True).count()
            if officers < 2:
                self.assertTrue(i.needs_action)
                self.assertIn(Problem.OFFICERS_SHORT, i.problems)
                self.assertIn(Problem.UNMATCHED, i.problems)
                self.assertIn("unmatched", i.match_flags)
            else:
                self.assertFalse(i.needs_action, i.problems)
        short = {i.uid for i in inspections if i.needs_action}
        self.assertEqual(short, {e.uid for e in self.there})
        info = Dispatch.objects.get(draw=self.draw)
        self.assertEqual((info.min_officers, info.per_target), (2, 2))
        event = AuditEvent.objects.get(action="inspection.dispatched", object_id=str(self.draw.pk))
        self.assertEqual(event.after["needs_action"], 4)

    def test_load_spread_within_the_cap(self):
        section = self.record()["inspectors"]
        self.assertEqual(section["cap"], 4)  # ceil(2 × 10 / 6)
        load = Counter(b for team in self.teams().values() for b in team)
        self.assertLessEqual(max(load.values()), section["cap"])
        self.assertFalse(any("cap_relaxed" in a["flags"] for a in section["assignments"]))
        # 工作量与指派一致
        counts = {r["inspector"].badge_no: r["total"] for r in services.workload(self.draw)}
        self.assertEqual(counts, dict(load))

    def test_matching_is_determined_by_the_seed_and_verifies(self):
        record = self.record()
        section = record["inspectors"]
        uids = [s["uid"] for s in record["selected"]]
        again = protocol.match_inspectors(record["seed"], uids, section["eligible"], 2)
        self.assertEqual(again["assignments"], section["assignments"])
        teams = self.teams()
        for a in section["assignments"]:
            self.assertEqual(teams.get(a["uid"], []), a["inspectors"])
        self.assertEqual(draws.verify_stored(self.draw), [])
        # 同一团队 → 同一检查组；组号按组内第一个名次
        groups = list(InspectionGroup.objects.filter(draw=self.draw).order_by("number"))
        first_ranks = [g.inspections.order_by("rank").first().rank for g in groups]
        self.assertEqual(first_ranks, sorted(first_ranks))
        keys = {",".join(sorted(t)) for t in teams.values()}
        self.assertEqual({g.member_key for g in groups}, keys)
        for i in Inspection.objects.filter(draw=self.draw).select_related("group"):
            self.assertEqual(i.group.member_key, ",".join(sorted(teams[i.uid])))
            self.assertEqual(i.scope_path, i.entity.unit.path)
            self.assertEqual(i.deadline, self.draw.task.deadline)

    def test_rotation_across_two_draws(self):
        first = self.teams()
        second_draw = self.run_task()
        pool = self.pool(second_draw)
        self.assertEqual(pool["previous"], {uid: sorted(t) for uid, t in first.items()})
        second = self.teams(second_draw)
        lists = self.record(second_draw)["inspectors"]["eligible"]
        for e in self.here:
            self.assertFalse(set(first[e.uid]) & set(lists[e.uid]), "上次检查过该对象的人不再合格")
            self.assertFalse(set(first[e.uid]) & set(second[e.uid]))
            self.assertEqual(len(second[e.uid]), 2)
        for e in self.there:
            self.assertEqual(lists[e.uid], [])  # 唯一的 T1 上次检查过

    @override_settings(INSPECTION_ROTATION=False)
    def test_rotation_can_be_switched_off(self):
        draw = self.run_task()
        self.assertEqual(self.pool(draw)["previous"], {})
        lists = self.record(draw)["inspectors"]["eligible"]
        self.assertEqual(lists[self.there[0].uid], [T1])

    def test_neighbouring_stations_when_the_task_allows(self):
        self.assertEqual(self.pool()["neighbours"], {})
        draw = self.run_task(allow_neighbouring=True)
        pool = self.pool(draw)
        self.assertIn("35050301", pool["neighbours"]["35050302"])
        self.assertEqual(len(pool["neighbours"]), 8)  # 丰泽区的 8 个所
        lists = self.record(draw)["inspectors"]["eligible"]
        for e in self.there:  # T1 轮换回避，东海所的人可以匹配
            self.assertTrue(set(S) <= set(lists[e.uid]))
        self.assertFalse(Inspection.objects.filter(draw=draw, needs_action=True).exists())

    def test_joint_task_team_has_each_departments_officers(self):
        for badge in HEALTH:
            make_inspector(
                self.health,
                badge,
                qualifications=FOOD,
                department=self.health,
                regions=",35050301,35050302,",
            )
        draw = self.run_task(
            lead_department=self.food, departments=[self.health], regions=[self.station]
        )
        record = self.record(draw)
        self.assertEqual(
            [s["department"] for s in record["inspectors"]], ["350503D02", "350503D51"]
        )
        info = Dispatch.objects.get(draw=draw)
        self.assertEqual(info.departments, ["350503D02", "350503D51"])
        inspections = Inspection.objects.filter(draw=draw)
        self.assertEqual(inspections.count(), 6)
        for i in inspections:
            rows = list(i.assignments.filter(active=True).select_related("inspector"))
            by_dept = Counter(a.department for a in rows)
            self.assertEqual(by_dept, {"350503D02": 2, "350503D51": 2})
            for a in rows:
                self.assertEqual(a.inspector.department.code, a.department)
                self.assertEqual(a.source, AssignmentSource.MATCHED)
            self.assertFalse(i.needs_action)
            target = i.drawn_target
            self.assertEqual(
                [d["department"] for d in target.inspectors], ["350503D02", "350503D51"]
            )


def test_it_explains_in_words_why_a_cap_was_relaxed():
    """u1–u3 只有 P1、P2 可查：2 人 × 4 户 ÷ 3 名 → 上限 3 户，P1、P2 各满 3 户；
    u4 可查的 P2、P3 中只有 P3 未达上限，放宽。"""
    uids = ["u1", "u2", "u3", "u4"]
    eligible = {"u1": ["P1", "P2"], "u2": ["P1", "P2"], "u3": ["P1", "P2"], "u4": ["P2", "P3"]}
    section = protocol.match_inspectors("ab" * 32, uids, eligible, 2)
    flags = {a["uid"]: a["flags"] for a in section["assignments"]}
    assert section["cap"] == 3  # ceil(2 × 4 / 3)
    assert flags == {"u1": [], "u2": [], "u3": [], "u4": ["cap_relaxed"]}
    assert services.explain_flags(section, {"u4", "u1"}) == {
        "u4": [
            "本户的合格人员 2 名，匹配到本户时尚未达到人均上限（3 户）的只有 1 名，少于每户所需的"
            " 2 名；其余 1 名从已达上限的合格人员中按同一随机顺序补足，这些人员的户数因此超过上限。"
        ]
    }
    # 合格人员不足
    section = protocol.match_inspectors("ab" * 32, ["x"], {"x": ["P1"]}, 2)
    assert services.explain_flags(section, {"x"}) == {
        "x": ["本户的合格人员只有 1 名，少于每户所需的 2 名，须跨区域匹配或直接指派补足。"]
    }
