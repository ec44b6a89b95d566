"""检查结果 → 调整建议 → 确认或驳回：规则表、只建议一次、不建议不是调整的调整、辖区。"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from shuangsui.core.models import AuditEvent
from shuangsui.credit import services
from shuangsui.credit.choices import ProposalStatus, RuleEffect, RuleEvent
from shuangsui.credit.models import CreditProposal, CreditRule
from shuangsui.directory.models import CreditHistory, Entity
from shuangsui.results.models import Result
from shuangsui.results.signals import result_approved

from .helpers import CreditTestCase


class ProposalTests(CreditTestCase):
    def test_the_example_rules_are_seeded_and_marked_as_examples(self):
        rules = {r.code: r for r in CreditRule.objects.all()}
        self.assertEqual(
            [(r.event, r.effect, r.credit_class) for r in rules.values()],
            [
                (RuleEvent.RESULT_APPROVED, RuleEffect.AT_LEAST, "C"),
                (RuleEvent.LISTING_APPROVED, RuleEffect.AT_LEAST, "D"),
                (RuleEvent.LISTING_REMOVED, RuleEffect.RESTORE, ""),
                (RuleEvent.FOLLOWUP_CLOSED, RuleEffect.NONE, ""),
            ],
        )
        self.assertIn("非法定标准", rules["R1"].note)

    def test_the_admin_edits_the_rule_table_in_the_admin_site(self):
        self.login("admin")
        rule = CreditRule.objects.get(code="R1")
        page = self.client.get(f"/admin/credit/creditrule/{rule.pk}/change/")
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "非法定标准")
        mark = AuditEvent.objects.order_by("-id").first().id
        data = {
            "code": "R1",
            "name": "检查发现问题",
            "event": "result_approved",
            "result_codes": "C,6",
            "effect": "at_least",
            "credit_class": "D",
            "order": "1",
            "active": "on",
            "note": "本局办法第五条",
        }
        response = self.client.post(f"/admin/credit/creditrule/{rule.pk}/change/", data)
        self.assertEqual(response.status_code, 302)
        rule.refresh_from_db()
        self.assertEqual((rule.credit_class, rule.code_list), ("D", ["C", "6"]))
        actions = AuditEvent.objects.filter(id__gt=mark).values_list("action", flat=True)
        self.assertEqual(list(actions), ["creditrule.updated"])
        data["effect"], data["credit_class"] = "at_least", ""
        refused = self.client.post(f"/admin/credit/creditrule/{rule.pk}/change/", data)
        self.assertContains(refused, "“调整为不低于”须选择分类")
        self.login("planner")
        self.assertEqual(self.client.get("/admin/credit/creditrule/").status_code, 302)

    def test_a_problem_result_proposes_class_c_from_b_and_from_a(self):
        entity_b, entity_a = self.here[1], self.here[2]
        mark = AuditEvent.objects.order_by("-id").first().id
        result = self.approved(entity_b)
        p = CreditProposal.objects.get(entity=entity_b)
        self.assertEqual((p.from_class, p.to_class, p.status), ("B", "C", ProposalStatus.PENDING))
        self.assertEqual(p.result, result)
        self.assertEqual(p.rule.code, "R1")
        self.assertIn(self.item.code, p.cause)
        actions = AuditEvent.objects.filter(id__gt=mark).values_list("action", flat=True)
        self.assertNotIn("credit.proposed", actions)  # 建议是审核通过这一动作的一部分
        self.assertNotIn("creditproposal.created", actions)
        self.approved(entity_a, credit_class="A")
        p = CreditProposal.objects.get(entity=entity_a)
        self.assertEqual((p.from_class, p.to_class), ("A", "C"))
        self.approved(self.here[3], credit_class="U")  # 未分类也调为 C
        p = CreditProposal.objects.get(entity=self.here[3])
        self.assertEqual((p.from_class, p.to_class), ("U", "C"))

    def test_no_proposal_when_the_entity_is_already_c_or_d(self):
        self.approved(self.here[1], credit_class="C")
        self.approved(self.here[2], credit_class="D")
        self.assertFalse(CreditProposal.objects.exists())

    def test_no_proposal_for_a_result_without_problems(self):
        self.approved(self.here[1], codes=["1"], facts="", provisions="")
        self.assertFalse(CreditProposal.objects.exists())

    def test_the_same_result_sent_twice_yields_one_proposal(self):
        result = self.approved(self.here[1])
        result_approved.send(sender=Result, result=result, user=self.users["head"])
        result_approved.send(sender=Result, result=result, user=self.users["head"])
        self.assertEqual(CreditProposal.objects.filter(entity=self.here[1]).count(), 1)

    def test_an_inactive_rule_proposes_nothing_and_an_edited_rule_proposes_its_class(self):
        CreditRule.objects.filter(code="R1").update(active=False)
        self.approved(self.here[1])
        self.assertFalse(CreditProposal.objects.exists())
        CreditRule.objects.filter(code="R1").update(active=True, credit_class="D", result_codes="D")
        self.approved(self.here[2])
        self.assertEqual(CreditProposal.objects.get().to_class, "D")


class DecisionTests(CreditTestCase):
    def proposal(self, entity=None):
        self.approved(entity or self.here[1])
        return CreditProposal.objects.get(entity=entity or self.here[1])

    def test_confirm_updates_the_entity_and_its_history(self):
        p = self.proposal()
        planner = self.users["planner"]
        mark = AuditEvent.objects.order_by("-id").first().id
        services.confirm(planner, p, "年度内第二次发现问题")
        entity = Entity.objects.get(pk=p.entity_id)
        today = timezone.localdate()
        self.assertEqual((entity.credit_class, entity.credit_date), ("C", today))
        entry = CreditHistory.objects.get(entity=entity)
        self.assertEqual(
            (entry.previous_class, entry.credit_class, entry.source, entry.user, entry.superseded),
            ("B", "C", "feedback", planner, False),
        )
        self.assertIn("R1", entry.reason)
        self.assertIn("年度内第二次发现问题", entry.reason)
        self.assertEqual(entry.cause, p.cause)
        p.refresh_from_db()
        self.assertEqual((p.status, p.decided_by), (ProposalStatus.CONFIRMED, planner))
        actions = list(AuditEvent.objects.filter(id__gt=mark).values_list("action", flat=True))
        self.assertEqual(actions, ["credit.confirmed"])  # 一个动作一条事件
        with self.assertRaisesMessage(ValidationError, "已确认"):
            services.confirm(planner, p)

    def test_reject_needs_a_reason_and_leaves_the_class(self):
        p = self.proposal()
        planner = self.users["planner"]
        with self.assertRaisesMessage(ValidationError, "驳回须写明理由"):
            services.reject(planner, p, "  ")
        services.reject(planner, p, "问题已当场改正，不影响信用")
        p.refresh_from_db()
        self.assertEqual(
            (p.status, p.decision_note), (ProposalStatus.REJECTED, "问题已当场改正，不影响信用")
        )
        self.assertEqual(Entity.objects.get(pk=p.entity_id).credit_class, "B")
        self.assertFalse(CreditHistory.objects.exists())

    def test_a_proposal_overtaken_by_an_import_cannot_be_confirmed(self):
        p = self.proposal()
        Entity.objects.filter(pk=p.entity_id).update(
            credit_class="D", credit_date=datetime.date(2026, 1, 5)
        )
        with self.assertRaisesMessage(ValidationError, "已不必调整"):
            services.confirm(self.users["planner"], p)

    def test_only_planners_in_scope_confirm(self):
        p = self.proposal()
        for name in ("planner_350502", "head", "admin", "inspector"):
            with self.assertRaises(PermissionDenied, msg=name):
                services.confirm(self.users[name], p)
        self.assertEqual(list(services.proposals_for(self.users["planner"])), [p])
        self.assertEqual(list(services.proposals_for(self.users["planner_350502"])), [])
        self.assertEqual(list(services.proposals_for(self.users["head"])), [])

    def test_removal_from_the_listing_proposes_the_class_before_the_listing(self):
        entity = self.here[1]
        cause = services.object_cause(RuleEvent.LISTING_APPROVED, _Listing(entity))
        p = services.propose(RuleEvent.LISTING_APPROVED, cause)
        self.assertEqual((p.from_class, p.to_class), ("B", "D"))
        services.confirm(self.users["planner"], p)
        removal = services.object_cause(RuleEvent.LISTING_REMOVED, _Listing(entity))
        back = services.propose(RuleEvent.LISTING_REMOVED, removal)
        self.assertEqual((back.from_class, back.to_class), ("D", "B"))
        self.assertIsNone(services.propose(RuleEvent.LISTING_REMOVED, removal))


class _Listing:
    """列异记录的替身（列异应用合入前）：有 entity、result、_meta 与主键，与 AbnormalListing 相同。"""

    _meta = Entity._meta

    def __init__(self, entity):
        self.entity = entity
        self.result = None
        self.pk = 9001

    def __str__(self):
        return f"{self.entity.name} 列入经营异常名录"
