"""列入经营异常名录（规则 R2：至少 D 类）与移出（R3：恢复列入前的分类），由列异应用的信号接上。"""

from shuangsui.credit import services
from shuangsui.credit.models import CreditProposal
from shuangsui.directory.models import Entity
from shuangsui.listings import services as listings
from shuangsui.listings.tests import test_listings as flow
from shuangsui.listings.tests.helpers import D, ListingsTestCase


class ListingFeedbackTests(ListingsTestCase):
    concealment = flow.ListingTests.concealment  # 代码 C 的结果审核通过 → 列异建议
    pass_chain = flow.ListingTests.pass_chain  # 提醒、所长审核、局审批

    def test_listing_proposes_d_and_removal_proposes_the_class_before(self):
        listing = self.pass_chain(self.concealment())  # 结果代码 C：R1 建议 C，列入后 R2 建议 D
        entity = listing.entity
        by_rule = {p.rule.code: p for p in CreditProposal.objects.filter(entity=entity)}
        self.assertEqual(
            {code: (p.from_class, p.to_class) for code, p in by_rule.items()},
            {"R1": ("B", "C"), "R2": ("B", "D")},
        )
        self.assertEqual(
            by_rule["R2"].cause_key, f"listing_approved:listings.abnormallisting:{listing.pk}"
        )
        services.confirm(self.user("planner"), by_rule["R2"])
        self.assertEqual(Entity.objects.get(pk=entity.pk).credit_class, "D")
        removal = listings.apply_removal(
            self.user("inspector"), listing, applicant="林志强", reason="已更正年报并公示"
        )
        removal = listings.review(self.user("head"), removal, approve=True)
        listings.decide(self.bureau, removal, approve=True, on=D(2026, 8, 1))
        back = CreditProposal.objects.get(entity=entity, rule__code="R3")
        self.assertEqual((back.from_class, back.to_class), ("D", "B"))
        self.assertIn("移出经营异常名录", back.cause)
