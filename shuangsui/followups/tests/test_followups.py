"""后续处置：只从发现问题的结果登记；责令改正 → 复查 → 完结（日期）；未改正转入下一项措施；
立案调查的处罚决定书文号查找任务与对象；“两张清单”“一书一函”；逾期；留痕一动作一条；辖区。"""

import io
import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from docx import Document

from shuangsui.core.models import ApiToken, AuditEvent
from shuangsui.core.tests.base import ROLES
from shuangsui.followups import documents, services
from shuangsui.followups.choices import FollowUpStatus, RecheckOutcome
from shuangsui.followups.models import FollowUp, Recheck
from shuangsui.followups.signals import followup_closed

from .helpers import CHECKED, DAY, FACTS, TODAY, FollowUpTestCase

DECISION = "泉丰市监罚〔2026〕12号"


def text_of(content):
    return "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)


class Closed:
    """记下 followup_closed 的接收。"""

    def __init__(self):
        self.got = []

    def __call__(self, sender, followup, user, **kwargs):
        self.got.append((followup.pk, followup.status, user.username))

    def __enter__(self):
        followup_closed.connect(self)
        return self

    def __exit__(self, *exc):
        followup_closed.disconnect(self)


class ServiceTests(FollowUpTestCase):
    def order(self, due=TODAY - 5 * DAY):
        return services.record(
            self.user("head"),
            self.problem,
            measure="03",
            decided_on=CHECKED,
            due_on=due,
            details="建立进货查验记录",
        )

    def test_it_records_follow_up_only_from_a_result_with_problems(self):
        with self.assertRaisesMessage(ValidationError, "未发现问题，不需要后续处置"):
            services.record(self.user("head"), self.clean, measure="09", decided_on=TODAY)
        self.assertEqual(services.problem_results(self.clean_target), [])
        self.assertEqual(services.problem_results(self.problem_target), [self.problem])
        self.assertFalse(FollowUp.objects.exists())

    def test_an_order_to_correct_is_rechecked_and_closed_on_the_recheck_date(self):
        head = self.user("head")
        pending = list(services.pending(head))
        self.assertEqual([r.pk for r in pending], [self.problem.pk])
        f = self.order()
        self.assertEqual((f.status, f.due_on, f.closed_on), ("open", TODAY - 5 * DAY, None))
        self.assertEqual(list(services.pending(head)), [])
        self.assertEqual([x.pk for x in services.overdue(head)], [f.pk])  # 期限 5 天前已过
        with self.assertRaisesMessage(ValidationError, "经复查完结"):
            services.close(head, f, closed_on=TODAY)
        events = AuditEvent.objects.count()
        with Closed() as seen:
            row, nxt = services.recheck(
                head,
                f,
                checked_on=TODAY - 3 * DAY,
                checked_by="陈明、王芳",
                outcome=RecheckOutcome.CORRECTED,
                note="已建立进货查验记录",
            )
        f.refresh_from_db()
        self.assertIsNone(nxt)
        self.assertEqual((f.status, f.closed_on), (FollowUpStatus.CLOSED, TODAY - 3 * DAY))
        self.assertEqual(f.closing_note, "复查已改正：已建立进货查验记录")
        self.assertEqual((row.checked_on, row.checked_by), (TODAY - 3 * DAY, "陈明、王芳"))
        self.assertEqual(seen.got, [(f.pk, "closed", "head")])
        self.assertEqual(AuditEvent.objects.count(), events + 1)  # 一个动作一条事件
        event = AuditEvent.objects.latest("id")
        self.assertEqual(
            (event.action, event.after["outcome"]), ("followup.rechecked", "corrected")
        )
        self.assertEqual(list(services.overdue(head)), [])
        with self.assertRaisesMessage(ValidationError, "已经完结"):
            services.recheck(head, f, checked_on=TODAY, checked_by="陈明", outcome="corrected")

    def test_not_corrected_closes_the_order_and_opens_the_next_measure(self):
        head = self.user("head")
        f = self.order()
        with self.assertRaises(ValidationError) as caught:
            services.recheck(
                head, f, checked_on=TODAY, checked_by="陈明", outcome=RecheckOutcome.NOT_CORRECTED
            )
        self.assertIn("next_measure", caught.exception.message_dict)
        self.assertFalse(Recheck.objects.exists())  # 全部不写
        row, nxt = services.recheck(
            head,
            f,
            checked_on=TODAY - DAY,
            checked_by="陈明",
            outcome=RecheckOutcome.NOT_CORRECTED,
            next_measure="08",
        )
        f.refresh_from_db()
        self.assertEqual((f.status, f.closing_note), ("closed", "复查未改正"))
        self.assertEqual(
            (nxt.measure.name, nxt.previous_id, nxt.status), ("立案调查", f.pk, "open")
        )
        self.assertEqual(nxt.decided_on, TODAY - DAY)

    def test_a_recheck_date_before_the_order_or_in_the_future_is_refused(self):
        f = self.order()
        for day, message in ((CHECKED - DAY, "不能早于责令改正"), (TODAY + DAY, "不能晚于今天")):
            with self.assertRaisesMessage(ValidationError, message):
                services.recheck(
                    self.user("head"), f, checked_on=day, checked_by="陈明", outcome="corrected"
                )
        self.assertEqual(FollowUp.objects.get(pk=f.pk).status, "open")

    def test_required_fields_per_measure(self):
        head = self.user("head")
        cases = [
            (dict(measure="03"), "due_on", "责令改正须写明改正期限"),
            (dict(measure="03", due_on=CHECKED - DAY), "due_on", "改正期限不能早于"),
            (dict(measure="04"), "receiver", "本部门执法办案机构"),
            (dict(measure="10"), "receiver", "接收的司法机关"),
            (dict(measure="99"), "measure", "有效的处置措施"),
        ]
        for fields, key, message in cases:
            with self.assertRaises(ValidationError) as caught:
                services.record(head, self.problem, decided_on=CHECKED, **fields)
            self.assertIn(message, " ".join(caught.exception.message_dict[key]))
        f = services.record(
            head,
            self.problem,
            measure="04",
            decided_on=CHECKED,
            receiver="丰泽区市场监管局执法大队",
        )
        self.assertEqual(f.receiver, "丰泽区市场监管局执法大队")

    def test_a_case_is_found_by_its_decision_number_and_closes_only_with_it(self):
        head = self.user("head")
        case = services.record(head, self.problem, measure="08", decided_on=CHECKED)
        with self.assertRaisesMessage(ValidationError, "须写明行政处罚决定书文号"):
            services.close(head, case, closed_on=TODAY)
        with Closed() as seen:
            services.close(head, case, closed_on=TODAY, decision_no=DECISION, decision_on=TODAY)
        self.assertEqual(len(seen.got), 1)
        for query in (DECISION, "〔2026〕12号", f"  {DECISION} "):
            found = list(services.search_decision(head, query))
            self.assertEqual([f.pk for f in found], [case.pk], query)
            self.assertEqual(found[0].inspection.task.code, self.draw.task.code)
            self.assertEqual(found[0].inspection.uid, self.here[1].uid)
        self.assertEqual(list(services.search_decision(head, "〔2026〕13号")), [])
        self.assertEqual(list(services.search_decision(self.user("head_350502"), DECISION)), [])

    def test_the_two_lists_and_the_letter_pair_carry_the_decision(self):
        head = self.user("head")
        order = services.record(
            head,
            self.problem,
            measure="03",
            decided_on=CHECKED,
            due_on=TODAY - 5 * DAY,
            details="建立进货查验记录",
        )
        services.recheck(
            head, order, checked_on=TODAY - 3 * DAY, checked_by="陈明", outcome="corrected"
        )
        case = services.record(head, self.problem, measure="08", decided_on=CHECKED)
        with self.assertRaisesMessage(ValidationError, "须先在立案调查措施上登记"):
            documents.render(case, "lists")
        case = services.set_decision(head, case, decision_no=DECISION, decision_on=TODAY)
        lists = text_of(documents.render(case, "lists"))
        name = self.problem_target.name
        for part in (
            "行政处罚告知单",
            "整改辅导单",
            DECISION,
            name,
            self.problem_target.uid,
            FACTS,
            self.draw.task.code,
            "《食品安全法》第五十三条",
            f"{(TODAY - 5 * DAY).year}年{(TODAY - 5 * DAY).month}月{(TODAY - 5 * DAY).day}日前改正完毕",
            "复查：已改正",
        ):
            self.assertIn(part, lists)
        letters = text_of(documents.render(case, "letters"))
        for part in ("行政处罚（含信息公示）告知书", "信用修复提示函", DECISION, name, "网上办"):
            self.assertIn(part, letters)
        self.assertNotIn("整改辅导单", letters)

    def test_only_people_of_the_inspection_may_record(self):
        for name in ("head_350502", "business", "witness"):
            with self.assertRaises(PermissionDenied):
                services.record(self.user(name), self.problem, measure="09", decided_on=TODAY)
        self.assertFalse(FollowUp.objects.exists())


class PageAndApiTests(FollowUpTestCase):
    def auth(self, name):
        _, raw = ApiToken.issue(self.user(name), "t")
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def test_a_head_records_an_order_rechecks_it_and_sees_it_closed(self):
        self.login("head")
        page = self.client.get(reverse("result-target", args=[self.problem_target.pk]))
        self.assertContains(page, 'id="followup-needed"')
        url = reverse("followup-target", args=[self.problem_target.pk])
        bad = self.client.post(
            url, {"result": self.problem.pk, "measure": "03", "decided_on": CHECKED.isoformat()}
        )
        self.assertEqual(bad.status_code, 400)
        self.assertContains(bad, "责令改正须写明改正期限", status_code=400)
        self.assertContains(bad, 'id="errors-due_on"', status_code=400)
        r = self.client.post(
            url,
            {
                "result": self.problem.pk,
                "measure": "03",
                "decided_on": CHECKED.isoformat(),
                "due_on": (TODAY - 5 * DAY).isoformat(),
            },
        )
        f = FollowUp.objects.get()
        self.assertRedirects(r, reverse("followup-detail", args=[f.pk]))
        listing = self.client.get(reverse("followup-list") + "?show=overdue")
        self.assertContains(listing, f'id="followup-{f.pk}"')
        self.assertContains(listing, "已逾期")
        r = self.client.post(
            reverse("followup-recheck", args=[f.pk]),
            {
                "checked_on": (TODAY - 3 * DAY).isoformat(),
                "checked_by": "陈明",
                "outcome": "corrected",
            },
        )
        self.assertRedirects(r, reverse("followup-detail", args=[f.pk]))
        detail = self.client.get(reverse("followup-detail", args=[f.pk]))
        self.assertContains(detail, 'id="followup-status">已完结')
        self.assertContains(detail, (TODAY - 3 * DAY).isoformat())
        self.assertNotContains(
            self.client.get(reverse("followup-list") + "?show=overdue"), f'id="followup-{f.pk}"'
        )

    def test_decision_number_search_page_and_api_find_task_and_target(self):
        head = self.user("head")
        case = services.record(
            head,
            self.problem,
            measure="08",
            decided_on=CHECKED,
            decision_no=DECISION,
            decision_on=TODAY,
        )
        self.login("planner")
        page = self.client.get(reverse("followup-list"), {"decision": "〔2026〕12号"})
        self.assertContains(page, 'class="task-code">' + self.draw.task.code)
        self.assertContains(page, self.problem_target.name)
        data = self.client.get(
            "/api/followups/search", {"decision_no": DECISION}, **self.auth("planner")
        ).json()
        self.assertEqual(
            [(x["id"], x["task"], x["uid"]) for x in data["results"]],
            [(case.pk, self.draw.task.code, self.problem_target.uid)],
        )
        other = self.client.get(
            "/api/followups/search", {"decision_no": DECISION}, **self.auth("planner_350502")
        ).json()
        self.assertEqual(other["results"], [])
        docx = self.client.get(reverse("followup-docx", args=[case.pk, "letters"]))
        self.assertIn("信用修复提示函", text_of(docx.content))

    def test_api_records_rechecks_and_refuses_a_clean_result(self):
        auth = self.auth("head")
        base = f"/api/followups/inspections/{self.problem_target.pk}"
        r = self.client.post(
            f"/api/followups/inspections/{self.clean_target.pk}",
            json.dumps({"result": self.clean.pk, "measure": "09", "decided_on": TODAY.isoformat()}),
            "application/json",
            **auth,
        )
        self.assertEqual(r.status_code, 400)
        self.assertIn("未发现问题", r.json()["detail"])
        r = self.client.post(
            base,
            json.dumps(
                {
                    "result": self.problem.pk,
                    "measure": "03",
                    "decided_on": CHECKED.isoformat(),
                    "due_on": (TODAY + 10 * DAY).isoformat(),
                }
            ),
            "application/json",
            **auth,
        )
        self.assertEqual(r.status_code, 200, r.content)
        fid = r.json()["id"]
        self.assertFalse(r.json()["overdue"])
        r = self.client.post(
            f"/api/followups/{fid}/recheck",
            json.dumps(
                {"checked_on": TODAY.isoformat(), "checked_by": "陈明", "outcome": "corrected"}
            ),
            "application/json",
            **auth,
        )
        self.assertEqual(r.json()["followup"]["closed_on"], TODAY.isoformat())
        self.assertEqual(r.json()["followup"]["rechecks"][0]["outcome"], "corrected")

    def test_another_county_never_gets_2xx(self):
        head = self.user("head")
        f = services.record(
            head, self.problem, measure="08", decided_on=CHECKED, decision_no=DECISION
        )
        pages = [
            reverse("followup-target", args=[self.problem_target.pk]),
            reverse("followup-detail", args=[f.pk]),
            reverse("followup-docx", args=[f.pk, "lists"]),
        ]
        posts = [
            reverse("followup-target", args=[self.problem_target.pk]),
            reverse("followup-close", args=[f.pk]),
            reverse("followup-decision", args=[f.pk]),
            reverse("followup-recheck", args=[f.pk]),
        ]
        for role in ROLES:  # 鲤城区的每个角色
            name = f"{role}_350502"
            self.login(name)
            for url in pages:
                self.assertRefused(self.client.get(url))
            for url in posts:
                self.assertEqual(
                    self.client.post(url, {"closed_on": TODAY.isoformat()}).status_code, 403
                )
            listing = self.client.get(reverse("followup-list") + "?show=open")
            self.assertNotContains(listing, f'id="followup-{f.pk}"')
            auth = self.auth(name)
            for url in (
                f"/api/followups/{f.pk}",
                f"/api/followups/inspections/{self.problem_target.pk}",
            ):
                self.assertIn(self.client.get(url, **auth).status_code, (403, 404))
            self.assertEqual(self.client.get("/api/followups", **auth).json()["count"], 0)
            r = self.client.post(
                f"/api/followups/{f.pk}/close",
                json.dumps({"closed_on": TODAY.isoformat()}),
                "application/json",
                **auth,
            )
            self.assertIn(r.status_code, (403, 404))
        self.assertEqual(FollowUp.objects.get(pk=f.pk).status, "open")


class CreditFeedbackTests(FollowUpTestCase):
    def test_a_closed_follow_up_reaches_the_credit_rules_once(self):
        from shuangsui.credit.choices import RuleEffect, RuleEvent
        from shuangsui.credit.models import CreditProposal, CreditRule
        from shuangsui.credit.services import ensure_rules

        ensure_rules()
        CreditRule.objects.filter(event=RuleEvent.FOLLOWUP_CLOSED).update(
            effect=RuleEffect.AT_LEAST, credit_class="D"
        )
        head = self.user("head")
        case = services.record(head, self.problem, measure="08", decided_on=CHECKED)
        key = f"followup_closed:followups.followup:{case.pk}"
        self.assertFalse(CreditProposal.objects.filter(cause_key=key).exists())
        services.close(head, case, closed_on=TODAY, decision_no=DECISION)
        p = CreditProposal.objects.get(cause_key=key)
        self.assertEqual((p.to_class, p.result_id), ("D", self.problem.pk))


class TodoTests(FollowUpTestCase):
    def test_the_workbench_lists_pending_and_overdue_follow_ups(self):
        self.login("head")
        home = self.client.get(reverse("home"))
        self.assertContains(home, "发现问题、尚未登记后续处置的检查结果 1 项")
        services.record(
            self.user("head"), self.problem, measure="03", decided_on=CHECKED, due_on=TODAY - DAY
        )
        home = self.client.get(reverse("home"))
        self.assertNotContains(home, "尚未登记后续处置")
        self.assertContains(home, "期限已过仍未完结的后续处置 1 项")
        self.login("head_350502")
        other = self.client.get(reverse("home"))
        self.assertNotContains(other, "未完结的后续处置")
        self.assertNotContains(other, "尚未登记后续处置")


class DetailFormTests(FollowUpTestCase):
    def test_close_and_decision_forms_say_why_beside_the_field(self):
        case = services.record(self.user("head"), self.problem, measure="08", decided_on=CHECKED)
        self.login("head")
        r = self.client.post(
            reverse("followup-close", args=[case.pk]), {"closed_on": TODAY.isoformat()}
        )
        self.assertContains(r, "立案调查完结时须写明行政处罚决定书文号", status_code=400)
        self.assertContains(r, 'id="errors-decision_no"', status_code=400)
        r = self.client.post(
            reverse("followup-decision", args=[case.pk]),
            {"d-decision_no": DECISION, "d-decision_on": (CHECKED - DAY).isoformat()},
        )
        self.assertContains(r, "处罚决定日期不能早于立案", status_code=400)
        r = self.client.post(
            reverse("followup-decision", args=[case.pk]), {"d-decision_no": DECISION}
        )
        self.assertRedirects(r, reverse("followup-detail", args=[case.pk]))
        page = self.client.get(reverse("followup-detail", args=[case.pk]))
        self.assertContains(page, 'id="docx-lists"')
        r = self.client.post(
            reverse("followup-close", args=[case.pk]),
            {"closed_on": TODAY.isoformat(), "decision_no": DECISION},
        )
        self.assertRedirects(r, reverse("followup-detail", args=[case.pk]))
        case.refresh_from_db()
        self.assertEqual(
            (case.status, case.closed_on, case.decision_no), ("closed", TODAY, DECISION)
        )
