"""列异：应列尽列的触发（两次退回、代码 6、C、B 逾期）、提醒、审批链、推送到所、个体工商户、移出、审批表。"""

import io
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from docx import Document

from shuangsui.core import workdays
from shuangsui.core.models import AuditEvent
from shuangsui.inspections.models import Inspection
from shuangsui.listings import documents, services, signals
from shuangsui.listings.choices import Cause, Mark, OrderStatus, Stage
from shuangsui.listings.models import AbnormalListing, ListingRules, PublishOrder, Removal

from .helpers import D, ListingsTestCase

SENT = []


def fake_sender(number, text):
    SENT.append((number, text))
    return False, "网关拒绝"


class ListingTests(ListingsTestCase):
    def test_two_returns_need_a_reminder_before_the_proposal_moves_on(self):
        inspection = self.target()
        self.returned_twice(inspection)
        listing = AbnormalListing.objects.get(entity=inspection.entity)
        self.assertEqual((listing.cause, listing.stage), (Cause.UNREACHABLE, Stage.REMINDER))
        self.assertIn("原址已拆迁", listing.facts)
        self.assertIn("第四条第（四）项", listing.provisions)
        with self.assertRaises(ValidationError) as caught:
            services.review(self.head2 if False else self.user("head"), listing, approve=True)
        self.assertIn("尚未登记", " ".join(caught.exception.messages))
        with self.assertLogs("shuangsui.sms", logging.INFO) as logs:
            reminder = services.record_reminder(
                self.user("inspector"), listing, method="sms", number="13905951234"
            )
        self.assertIn("13905951234", logs.output[0])
        self.assertEqual((reminder.outcome, reminder.person), ("sent", "林志强"))
        self.assertEqual(reminder.recorded_by, self.user("inspector"))
        listing.refresh_from_db()
        self.assertEqual(listing.stage, Stage.HEAD)

    def test_code_6_then_a_phone_reminder_then_review(self):
        inspection = self.target()
        self.approved(inspection, ["6"], facts="现场核查，登记住所已无该企业。")
        listing = AbnormalListing.objects.get(entity=inspection.entity)
        self.assertEqual((listing.cause, listing.stage), (Cause.UNREACHABLE, Stage.REMINDER))
        self.assertEqual(listing.proposed_by, self.officers(inspection)[0].user)
        services.record_reminder(
            self.user("inspector"),
            listing,
            method="phone",
            number="13905951234",
            person="林志强",
            outcome="no_answer",
        )
        listing = services.review(self.user("head"), listing, approve=True, note="情况属实")
        self.assertEqual((listing.stage, listing.reviewed_by), (Stage.BUREAU, self.user("head")))

    def test_two_returns_and_code_6_make_one_proposal(self):
        inspection = self.target()
        self.returned_twice(inspection)
        self.approved(inspection, ["6"])
        self.assertEqual(AbnormalListing.objects.filter(entity=inspection.entity).count(), 1)

    def test_code_c_goes_straight_to_the_station_head(self):
        inspection = self.target()
        self.approved(inspection, ["C"], provisions="《企业信息公示暂行条例》第十条")
        listing = AbnormalListing.objects.get(entity=inspection.entity)
        self.assertEqual((listing.cause, listing.stage), (Cause.CONCEALMENT, Stage.HEAD))
        self.assertEqual(listing.provisions, "《企业信息公示暂行条例》第十条")

    def test_code_b_orders_publication_and_proposes_only_after_the_deadline(self):
        inspection = self.target()
        ListingRules.objects.create(unit=self.county, publish_days=10)
        result = self.approved(inspection, ["B"])
        order = PublishOrder.objects.get(entity=inspection.entity)
        self.assertEqual(order.result, result)
        self.assertEqual(order.deadline, workdays.deadline(order.ordered_on, 10, working=True))
        self.assertFalse(AbnormalListing.objects.filter(entity=inspection.entity).exists())
        call_command("listing_deadlines", date=order.deadline.isoformat(), stdout=io.StringIO())
        self.assertFalse(AbnormalListing.objects.exists())  # 期限当日仍可公示
        out = io.StringIO()
        after = order.deadline.toordinal() + 1
        call_command("listing_deadlines", date=D.fromordinal(after).isoformat(), stdout=out)
        self.assertIn("新提请列异：1 户", out.getvalue())
        listing = AbnormalListing.objects.get(entity=inspection.entity)
        order.refresh_from_db()
        self.assertEqual((order.status, order.proposal), (OrderStatus.OVERDUE, listing))
        self.assertEqual((listing.cause, listing.stage), (Cause.NOT_PUBLISHED, Stage.HEAD))
        # 再跑一次不重复提请
        services.check_deadlines(D.fromordinal(after + 5))
        self.assertEqual(AbnormalListing.objects.count(), 1)

    def test_a_fulfilled_order_never_becomes_a_proposal(self):
        inspection = self.target()
        self.approved(inspection, ["B"])
        order = PublishOrder.objects.get()
        with self.assertRaises(ValidationError):
            services.fulfil_order(self.user("inspector"), order, order.deadline.replace(year=2099))
        services.fulfil_order(self.user("inspector"), order, order.deadline)
        self.assertEqual(services.check_deadlines(D(2099, 1, 1)), [])

    def test_the_regional_rule_sets_the_deadline(self):
        ListingRules.objects.create(unit=self.county, publish_days=5, publish_working=False)
        self.assertEqual(
            services.publish_deadline(self.station, D(2026, 9, 28)),
            workdays.deadline(D(2026, 9, 28), 5),
        )
        self.assertEqual(services.rules_for(self.other_station).publish_days, 10)

    def test_an_individual_business_is_marked_abnormal_not_listed(self):
        inspection = Inspection.objects.get(draw=self.draw, uid=self.entity2.uid)
        self.returned_twice(inspection)
        listing = AbnormalListing.objects.get(entity=self.entity2)
        self.assertEqual(listing.mark, Mark.STATE)
        self.assertEqual(listing.form_title, "经营异常状态标记审批表")
        self.assertIn("个体工商户", listing.provisions)
        self.pass_chain(listing, head=self.head2, reminder_by=self.user("planner"))
        listing.refresh_from_db()
        self.assertEqual(listing.state_label, "经营异常状态")

    def test_it_goes_to_the_entitys_own_station_not_the_checking_one(self):
        inspection = self.target()  # 东海所的检查组检查
        entity = inspection.entity
        entity.unit = self.station2  # 主体归城东所管辖
        entity.save()
        self.approved(inspection, ["C"])
        listing = AbnormalListing.objects.get(entity=entity)
        self.assertEqual(listing.station, self.station2)
        self.assertEqual(listing.scope_path, self.station2.path)
        self.assertFalse(services.visible(self.user("head")).filter(pk=listing.pk).exists())
        self.assertTrue(services.visible(self.head2).filter(pk=listing.pk).exists())
        with self.assertRaises(PermissionDenied):
            services.review(self.user("head"), listing, approve=True)
        services.review(self.head2, listing, approve=True)

    def pass_chain(self, listing, head=None, reminder_by=None):
        if listing.stage == Stage.REMINDER:
            services.record_reminder(
                reminder_by or self.user("inspector"),
                listing,
                method="phone",
                number="13905951234",
                outcome="reached",
            )
        listing = services.review(head or self.user("head"), listing, approve=True)
        return services.decide(self.bureau, listing, approve=True, on=D(2026, 6, 30))

    # ---------------------------------------------------------------- 审批链

    def concealment(self):
        inspection = self.target()
        self.approved(inspection, ["C"], facts="年报资产总额与账簿不符。", provisions="条款甲")
        return AbnormalListing.objects.get(entity=inspection.entity)

    def test_the_bureau_cannot_approve_before_the_head_reviews(self):
        self.listing = self.concealment()
        with self.assertRaises(ValidationError) as caught:
            services.decide(self.bureau, self.listing, approve=True)
        self.assertIn("须先经所长审核", " ".join(caught.exception.messages))
        with self.assertRaises(PermissionDenied):  # 所长不能做局审批
            services.decide(self.user("head"), self.listing, approve=True)

    def test_nobody_approves_their_own_proposal_or_the_one_they_reviewed(self):
        self.listing = self.concealment()
        AbnormalListing.objects.filter(pk=self.listing.pk).update(proposed_by=self.user("head"))
        self.listing.refresh_from_db()
        with self.assertRaises(PermissionDenied) as caught:
            services.review(self.user("head"), self.listing, approve=True)
        self.assertIn("自己提请", str(caught.exception))
        AbnormalListing.objects.filter(pk=self.listing.pk).update(
            proposed_by=self.bureau, stage=Stage.BUREAU, reviewed_by=self.bureau2
        )
        self.listing.refresh_from_db()
        with self.assertRaises(PermissionDenied):
            services.decide(self.bureau, self.listing, approve=True)
        with self.assertRaises(PermissionDenied) as caught:
            services.decide(self.bureau2, self.listing, approve=True)
        self.assertIn("审核过的人", str(caught.exception))

    def test_a_rejection_needs_a_reason(self):
        self.listing = self.concealment()
        for reason in ("", "   "):
            with self.assertRaises(ValidationError):
                services.review(self.user("head"), self.listing, approve=False, note=reason)
        self.listing.refresh_from_db()
        self.assertEqual(self.listing.stage, Stage.HEAD)
        services.review(self.user("head"), self.listing, approve=False, note="企业已提交更正材料")
        self.listing.refresh_from_db()
        self.assertEqual(
            (self.listing.stage, self.listing.reject_reason), (Stage.REJECTED, "企业已提交更正材料")
        )
        # 不予批准后同一事由可以再提请
        _, created = services.propose(self.listing.entity, Cause.CONCEALMENT, source="再次")
        self.assertTrue(created)

    def test_approval_lists_the_entity_signals_once_and_logs_one_event_per_step(self):
        self.listing = self.concealment()
        seen = []
        signals.listing_approved.connect(
            lambda **kw: seen.append(kw["listing"].pk), weak=False, dispatch_uid="t1"
        )
        try:
            self.pass_chain(self.listing)
        finally:
            signals.listing_approved.disconnect(dispatch_uid="t1")
        self.listing.refresh_from_db()
        self.assertEqual(seen, [self.listing.pk])
        self.assertEqual(
            (self.listing.listed_on, self.listing.state_label), (D(2026, 6, 30), "已列入")
        )
        actions = list(
            AuditEvent.objects.filter(
                object_type="listings.abnormallisting", object_id=str(self.listing.pk)
            )
            .order_by("id")
            .values_list("action", flat=True)
        )
        self.assertEqual(actions, ["listing.proposed", "listing.reviewed", "listing.approved"])
        page = services.entity_listings(self.user("planner"), self.listing.entity)
        self.assertEqual(list(page), [self.listing])

    def test_removal_goes_through_the_same_chain_and_history_stays(self):
        self.listing = self.concealment()
        listing = self.pass_chain(self.listing)
        with self.assertRaises(ValidationError):
            services.apply_removal(self.user("inspector"), listing, applicant="", reason="")
        removal = services.apply_removal(
            self.user("inspector"), listing, applicant="林志强", reason="已更正年报并公示"
        )
        with self.assertRaises(ValidationError):  # 一次只有一项审批中的申请
            services.apply_removal(self.user("inspector"), listing, applicant="林", reason="再")
        with self.assertRaises(ValidationError):
            services.decide(self.bureau, removal, approve=True)
        removed = []
        signals.listing_removed.connect(
            lambda **kw: removed.append(kw["listing"].pk), weak=False, dispatch_uid="t2"
        )
        try:
            removal = services.review(self.user("head"), removal, approve=True)
            services.decide(self.bureau, removal, approve=True, on=D(2026, 8, 1))
        finally:
            signals.listing_removed.disconnect(dispatch_uid="t2")
        listing.refresh_from_db()
        self.assertEqual(removed, [listing.pk])
        self.assertEqual(
            (listing.removed_on, listing.removed_reason), (D(2026, 8, 1), "已更正年报并公示")
        )
        self.assertEqual((listing.stage, listing.listed_on), (Stage.APPROVED, D(2026, 6, 30)))
        self.assertEqual(listing.state_label, "已移出")
        self.assertEqual(Removal.objects.get().stage, Stage.APPROVED)
        labels = [s[0] for s in services.steps(listing)]
        self.assertEqual(
            labels,
            [
                "提请",
                "所长审核同意",
                "局审批批准",
                "移出申请",
                "移出·所长审核同意",
                "移出·局审批批准",
            ],
        )
        # 移出后同一事由可以再列
        self.assertTrue(services.propose(listing.entity, Cause.CONCEALMENT, source="新发现")[1])

    def test_the_approval_form_docx_has_the_facts_and_provisions(self):
        self.listing = self.concealment()
        listing = self.pass_chain(self.listing)
        document = Document(io.BytesIO(documents.approval_form(listing)))
        text = "\n".join(p.text for p in document.paragraphs)
        cells = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
        self.assertIn("经营异常名录审批表", text)
        self.assertIn("年报资产总额与账簿不符。", cells)
        self.assertIn("条款甲", cells)
        self.assertIn(listing.entity.uid, cells)
        self.assertIn("公示信息隐瞒真实情况、弄虚作假", cells)
        self.assertIn(self.user("head").display_name, cells)
        self.assertIn("2026年6月30日", cells)  # 列入日期

    @override_settings(SMS_SENDER="shuangsui.listings.tests.test_listings.fake_sender")
    def test_the_sms_sender_is_pluggable_and_its_failure_is_recorded(self):
        inspection = self.target(self.here[2])
        self.approved(inspection, ["6"])
        listing = AbnormalListing.objects.get(entity=inspection.entity)
        SENT.clear()
        reminder = services.record_reminder(
            self.user("inspector"), listing, method="sms", number="13800000000"
        )
        self.assertEqual(SENT[0][0], "13800000000")
        self.assertIn(listing.entity.name, SENT[0][1])
        self.assertEqual(reminder.outcome, "failed")
        self.assertIn("网关拒绝", reminder.note)

    # ---------------------------------------------------------------- 页面、接口与辖区

    def test_the_pages_walk_the_chain_with_errors_beside_the_field(self):
        inspection = self.target()
        self.returned_twice(inspection)
        listing = AbnormalListing.objects.get(entity=inspection.entity)
        self.login("inspector")
        url = reverse("listing-detail", args=[listing.pk])
        page = self.client.get(url).content.decode()
        self.assertIn('id="reminder-needed"', page)
        self.assertIn("经营异常名录审批表", page)
        bad = self.client.post(
            reverse("listing-reminder", args=[listing.pk]),
            {"method": "phone", "person": "林志强", "number": "139"},
        )
        self.assertEqual(bad.status_code, 400)
        self.assertIn("电话提醒须选择结果", bad.content.decode())
        ok = self.client.post(
            reverse("listing-reminder", args=[listing.pk]),
            {"method": "phone", "person": "林志强", "number": "13905951234", "outcome": "reached"},
        )
        self.assertRedirects(ok, url)
        self.login("head")
        queue = self.client.get(reverse("listing-list")).content.decode()
        self.assertIn(f'data-listing="{listing.pk}"', queue)
        refused = self.client.post(
            reverse("listing-step", args=[listing.pk]), {"decision": "reject"}
        )
        self.assertEqual(refused.status_code, 400)
        self.assertIn("不予批准须写明理由", refused.content.decode())
        self.client.post(reverse("listing-step", args=[listing.pk]), {"decision": "approve"})
        self.client.force_login(self.bureau)
        queue = self.client.get(reverse("listing-list")).content.decode()
        self.assertIn(f'data-listing="{listing.pk}"', queue)
        self.client.post(reverse("listing-step", args=[listing.pk]), {"decision": "approve"})
        listing.refresh_from_db()
        self.assertEqual(listing.state_label, "已列入")
        self.login("planner")
        entity_page = self.client.get(reverse("entity-detail", args=[listing.entity.uid]))
        self.assertIn('id="entity-listings"', entity_page.content.decode())
        self.assertIn("已列入", entity_page.content.decode())
        response = self.client.get(reverse("listing-docx", args=[listing.pk]))
        document = Document(io.BytesIO(response.content))
        cells = " ".join(c.text for t in document.tables for r in t.rows for c in r.cells)
        self.assertIn("13905951234", cells)
        self.assertIn("已接通并告知", cells)

    def test_removal_through_the_api(self):
        listing = self.pass_chain(self.concealment())
        self.login("inspector")
        url = f"/api/listings/{listing.pk}/removal"
        empty = self.client.post(
            url, {"applicant": " ", "reason": ""}, content_type="application/json"
        )
        self.assertEqual(empty.status_code, 400)
        self.assertIn("申请人", empty.json()["detail"])
        ok = self.client.post(
            url,
            {"applicant": "林志强", "reason": "已如实更正年报"},
            content_type="application/json",
        )
        self.assertEqual(ok.status_code, 200, ok.content)
        self.assertEqual(ok.json()["removals"][0]["channel"], "online")
        again = self.client.post(
            url, {"applicant": "林志强", "reason": "再次"}, content_type="application/json"
        )
        self.assertEqual(again.status_code, 400)
        listed = self.client.get("/api/listings?state=listed").json()
        self.assertEqual([r["id"] for r in listed["results"]], [listing.pk])
        self.assertEqual(self.client.get("/api/listings?state=nope").status_code, 422)
        self.assertEqual(self.client.get("/api/listings/99999999999999999999").status_code, 404)

    def test_another_countys_users_never_get_2xx(self):
        listing = self.concealment()
        order_result = self.approved(self.target(self.here[3]), ["B"])
        order = PublishOrder.objects.get(result=order_result)
        pages = [
            ("get", reverse("listing-detail", args=[listing.pk]), {}),
            ("get", reverse("listing-docx", args=[listing.pk]), {}),
            (
                "post",
                reverse("listing-reminder", args=[listing.pk]),
                {"method": "sms", "number": "1", "person": "x"},
            ),
            ("post", reverse("listing-step", args=[listing.pk]), {"decision": "approve"}),
            (
                "post",
                reverse("removal-apply", args=[listing.pk]),
                {"applicant": "x", "reason": "y", "applied_on": "2026-06-01"},
            ),
            ("post", reverse("order-fulfil", args=[order.pk]), {"fulfilled_on": "2026-06-01"}),
        ]
        for name in ("head_350502", "planner_350502", "admin_350502", "bureau_350502"):
            self.login(name)
            for method, url, data in pages:
                response = getattr(self.client, method)(url, data)
                self.assertEqual(response.status_code, 403, (name, url))
            api = self.client.get(f"/api/listings/{listing.pk}")
            self.assertEqual(api.status_code, 403, name)
            post = self.client.post(
                f"/api/listings/{listing.pk}/removal",
                {"applicant": "x", "reason": "y"},
                content_type="application/json",
            )
            self.assertEqual(post.status_code, 403, name)
            self.assertEqual(self.client.get("/api/listings").json()["count"], 0)
            queue = self.client.get(reverse("listing-list") + "?tab=head").content.decode()
            self.assertNotIn(f'data-listing="{listing.pk}"', queue)
        # 本县的联合部门没有列异的权限；另一个所的所长看不到
        self.login("joint")
        self.assertRefused(self.client.get(reverse("listing-detail", args=[listing.pk])), "角色")
        self.client.force_login(self.head2)
        self.assertRefused(self.client.get(reverse("listing-detail", args=[listing.pk])))
        self.assertEqual(Removal.objects.count(), 0)
        self.assertEqual(AbnormalListing.objects.get(pk=listing.pk).stage, Stage.HEAD)

    def test_the_demo_shows_every_state(self):
        from shuangsui.core.tests.base import make_entity
        from shuangsui.demo.listings import seed_listings

        make_entity(self.station, 990, name="丰泽区东海演示小吃店", entity_type="individual")
        self.assertEqual(seed_listings(self.county), 7)
        self.assertEqual(seed_listings(self.county), 0)  # 再次运行不重复
        labels = sorted(AbnormalListing.objects.values_list("stage", flat=True))
        self.assertEqual(
            labels, ["approved", "approved", "approved", "bureau", "head", "rejected", "reminder"]
        )
        states = {x.state_label for x in AbnormalListing.objects.all()}
        self.assertIn("经营异常状态", states)
        self.assertEqual(Removal.objects.get().stage, Stage.HEAD)
        self.assertEqual(PublishOrder.objects.get().status, OrderStatus.OPEN)
        self.login("head")
        page = self.client.get(reverse("listing-list")).content.decode()
        self.assertEqual(page.count("data-listing="), 1)  # 待所长审核一户
        self.assertIn("移出审批中（1）", page)
        home = self.client.get("/").content.decode()  # 工作台的待办：本所待审核的一户、移出申请一件
        self.assertIn("列入经营异常名录：待所长审核 1 项", home)
        self.assertIn("移出经营异常名录（信用修复）：待审批 1 项", home)
        self.assertNotIn("待局审批", home)
