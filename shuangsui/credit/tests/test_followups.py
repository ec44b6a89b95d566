"""后续处置完结：示例规则 R4“不调整”不产生建议；管理员改了规则后按规则建议（只建议一次）。"""

from shuangsui.credit.models import CreditProposal, CreditRule
from shuangsui.followups import services as followups
from shuangsui.followups.tests.helpers import CHECKED, TODAY, FollowUpTestCase

DECISION = "泉丰市监罚〔2026〕31号"


class FollowUpFeedbackTests(FollowUpTestCase):
    def close_case(self):
        head = self.user("head")
        case = followups.record(head, self.problem, measure="08", decided_on=CHECKED)
        return followups.close(head, case, closed_on=TODAY, decision_no=DECISION, decision_on=TODAY)

    def test_a_closed_follow_up_changes_nothing_by_default(self):
        before = set(CreditProposal.objects.values_list("pk", flat=True))  # 结果本身的 R1 建议
        self.close_case()
        self.assertEqual(set(CreditProposal.objects.values_list("pk", flat=True)), before)

    def test_an_edited_rule_proposes_once_per_follow_up(self):
        CreditRule.objects.filter(code="R4").update(effect="at_least", credit_class="D")
        case = self.close_case()
        p = CreditProposal.objects.get(rule__code="R4")
        self.assertEqual((p.entity_id, p.from_class, p.to_class), (self.here[1].pk, "B", "D"))
        self.assertEqual(p.result, self.problem)
        self.assertEqual(p.cause_key, f"followup_closed:followups.followup:{case.pk}")
