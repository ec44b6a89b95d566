"""告知书（.docx 与打印页、一个所的批量、命令行）与邮寄：15/30 日的窗口、退回过晚后重新开始、辖区。"""

import datetime
import io
import tempfile
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from docx import Document

from shuangsui.core.models import AuditEvent
from shuangsui.inspections.models import Inspection
from shuangsui.inspections.tests.helpers import MatchingTestCase
from shuangsui.notices import services
from shuangsui.notices.choices import MailOutcome
from shuangsui.notices.models import Mailing

D = datetime.date
MAY4, MAY10 = D(2026, 5, 4), D(2026, 5, 10)


def text_of(content):
    document = Document(io.BytesIO(content))
    return "\n".join(p.text for p in document.paragraphs), document


class NoticeTestCase(MatchingTestCase):
    def target(self, station=None, n=0):
        rows = Inspection.objects.filter(draw=self.draw, station=station or self.station)
        return rows.filter(assignments__active=True).distinct().order_by("rank")[n]


class MailingTests(NoticeTestCase):
    def first_returned(self, inspection, sent=MAY4, back=MAY10):
        head = self.user("head")
        first = services.record_mailing(
            inspection, head, method="registered", sent_on=sent, tracking_no="XA100"
        )
        services.record_outcome(
            first, head, outcome=MailOutcome.RETURNED, outcome_on=back, return_reason="查无此单位"
        )
        return first

    def second(self, inspection, sent_on):
        return services.record_mailing(
            inspection, self.user("head"), method="ems", sent_on=sent_on, tracking_no="EMS200"
        )

    def test_it_refuses_14_and_31_days_and_accepts_15_and_30(self):
        inspection = self.target()
        self.first_returned(inspection)
        for days in (14, 31):
            with self.assertRaises(ValidationError) as caught:
                self.second(inspection, D(2026, 5, 4) + datetime.timedelta(days=days))
            self.assertIn("2026-05-19 至 2026-06-03", " ".join(caught.exception.messages))
        self.assertEqual(Mailing.objects.filter(inspection=inspection).count(), 1)
        self.assertEqual(services.state(inspection)["window"], (D(2026, 5, 19), D(2026, 6, 3)))
        self.assertEqual(self.second(inspection, D(2026, 5, 19)).sequence, 2)  # 15 日
        other = self.target(n=1)
        self.first_returned(other)
        self.assertEqual(self.second(other, D(2026, 6, 3)).sequence, 2)  # 30 日

    def test_the_model_guards_the_window_itself(self):
        inspection = self.target()
        first = self.first_returned(inspection)
        bad = Mailing(
            inspection=inspection,
            round=1,
            sequence=2,
            method="ems",
            sent_on=first.sent_on + datetime.timedelta(days=14),
            tracking_no="X",
        )
        with self.assertRaises(ValidationError) as caught:
            bad.full_clean()
        self.assertIn("sent_on", caught.exception.message_dict)

    def test_it_restarts_the_pair_when_the_return_comes_too_late(self):
        inspection = self.target()
        self.first_returned(inspection, sent=D(2026, 5, 4), back=D(2026, 6, 4))  # 第 31 日才退回
        now = services.state(inspection)
        self.assertTrue(now["late"])
        self.assertEqual((now["round"], now["sequence"]), (2, 1))
        page = self.client_get(inspection)
        self.assertIn('id="mail-late"', page)
        new = self.second(inspection, D(2026, 6, 8))
        self.assertEqual((new.round, new.sequence), (2, 1))
        self.assertTrue(
            AuditEvent.objects.filter(action="mailing.restarted", object_id=str(new.pk)).exists()
        )
        # 新一轮的窗口从新的首次算起
        services.record_outcome(
            new,
            self.user("head"),
            outcome="returned",
            outcome_on=D(2026, 6, 12),
            return_reason="拒收",
        )
        self.assertEqual(services.state(inspection)["window"], (D(2026, 6, 23), D(2026, 7, 8)))
        self.assertFalse(services.returned_twice(inspection))  # 不同轮的两次退回不算
        second = self.second(inspection, D(2026, 6, 23))
        services.record_outcome(
            second,
            self.user("head"),
            outcome="returned",
            outcome_on=D(2026, 6, 30),
            return_reason="拒收",
        )
        self.assertTrue(services.returned_twice(inspection))
        with self.assertRaises(ValidationError):
            self.second(inspection, D(2026, 7, 1))

    def test_a_return_on_day_30_keeps_the_window(self):
        inspection = self.target()
        self.first_returned(inspection, sent=D(2026, 5, 4), back=D(2026, 6, 3))
        self.assertFalse(services.state(inspection)["late"])
        self.assertEqual(self.second(inspection, D(2026, 6, 3)).sequence, 2)

    def test_each_action_writes_one_audit_event(self):
        inspection = self.target()
        before = AuditEvent.objects.count()
        first = self.first_returned(inspection)
        self.assertEqual(AuditEvent.objects.count(), before + 2)
        actions = list(AuditEvent.objects.order_by("-id").values_list("action", flat=True)[:2])
        self.assertEqual(actions, ["mailing.outcome", "mailing.sent"])
        with self.assertRaises(ValidationError):  # 结果只登记一次
            services.record_outcome(
                first, self.user("head"), outcome="delivered", outcome_on=D(2026, 5, 11)
            )
        self.assertEqual(AuditEvent.objects.count(), before + 2)

    def test_a_return_needs_a_reason_and_a_date_not_before_sending(self):
        inspection = self.target()
        head = self.user("head")
        m = services.record_mailing(
            inspection, head, method="ems", sent_on=D(2026, 5, 4), tracking_no="E1"
        )
        with self.assertRaises(ValidationError) as caught:
            services.record_outcome(m, head, outcome="returned", outcome_on=D(2026, 5, 6))
        self.assertIn("退回原因", " ".join(caught.exception.messages))
        with self.assertRaises(ValidationError):
            services.record_outcome(m, head, outcome="delivered", outcome_on=D(2026, 5, 3))
        m.refresh_from_db()
        self.assertEqual(m.outcome, MailOutcome.PENDING)
        with self.assertRaises(ValidationError):  # 结果未出不能再寄
            self.second(inspection, D(2026, 5, 20))

    def test_the_page_refuses_a_date_outside_the_window_in_chinese(self):
        inspection = self.target()
        self.first_returned(inspection)
        self.login("head")
        url = reverse("mailing-add", args=[inspection.pk])
        data = {"method": "ems", "sent_on": "2026-05-18", "tracking_no": "E9"}
        page = self.client.post(url, data, follow=True).content.decode()
        self.assertIn("两次邮寄的间隔须在 15 日至 30 日之间", page)
        self.assertIn('id="window-earliest">2026-05-19', page)
        self.assertEqual(inspection.mailings.count(), 1)
        data["sent_on"] = "2026-05-19"
        self.client.post(url, data)
        self.assertEqual(inspection.mailings.count(), 2)

    def test_another_county_gets_403_and_a_witness_cannot_record(self):
        inspection = self.target()
        for role in ("planner_350502", "head_350502", "inspector_350502"):
            self.login(role)
            for name in ("notice-mailings", "notice-print", "notice-docx"):
                response = self.client.get(reverse(name, args=[inspection.pk]))
                self.assertEqual(response.status_code, 403, name)
                self.assertIn("不在您的辖区内", response.content.decode())
            response = self.client.post(
                reverse("mailing-add", args=[inspection.pk]),
                {"method": "ems", "sent_on": "2026-05-04", "tracking_no": "E1"},
            )
            self.assertEqual(response.status_code, 403)
            batch = reverse("notice-batch-docx", args=[inspection.task_id])
            self.assertEqual(self.client.get(batch).status_code, 403)
        self.assertFalse(services.may_record(self.user("witness"), inspection))
        self.assertEqual(inspection.mailings.count(), 0)

    def client_get(self, inspection):
        self.login("head")
        return self.client.get(reverse("notice-mailings", args=[inspection.pk])).content.decode()


class NoticeDocxTests(NoticeTestCase):
    def test_the_notice_names_the_task_the_target_and_the_inspectors_badges(self):
        inspection = self.target()
        self.login("head")
        response = self.client.get(reverse("notice-docx", args=[inspection.pk]))
        self.assertEqual(response.status_code, 200)
        text, document = text_of(response.content)
        self.assertIn(inspection.task.name, text)
        self.assertIn(inspection.name, text)
        badges = list(
            inspection.assignments.filter(active=True).values_list("inspector__badge_no", flat=True)
        )
        self.assertTrue(badges)
        for badge in badges:
            self.assertIn(f"执法证号：{badge}", text)
        self.assertIn("抽查告知书", text)
        self.assertIn("营业执照", text)  # 需准备的材料
        self.assertNotIn("{{", text)
        # 公文格式：A4，标题居中，仿宋/宋体
        section = document.sections[0]
        self.assertEqual(
            (round(section.page_width.cm, 1), round(section.page_height.cm, 1)), (21.0, 29.7)
        )
        title = next(p for p in document.paragraphs if p.text == "抽查告知书")
        self.assertEqual(title.alignment, 1)  # CENTER
        self.assertIn("仿宋", document.styles["Normal"].font.name)
        self.assertEqual(title.runs[0].font.name, "宋体")

    def test_the_station_batch_has_exactly_that_stations_targets(self):
        self.login("planner")
        task = self.draw.task
        url = reverse("notice-batch-docx", args=[task.pk]) + f"?station={self.station.code}"
        text, document = text_of(self.client.get(url).content)
        here = Inspection.objects.filter(draw=self.draw, station=self.station)
        there = Inspection.objects.filter(draw=self.draw).exclude(station=self.station)
        self.assertTrue(here.exists() and there.exists())
        self.assertEqual(text.count("抽查告知书"), here.count())
        for i in here:
            self.assertIn(i.uid, text)
        for i in there:
            self.assertNotIn(i.uid, text)
        breaks = document.element.body.xml.count('w:type="page"')
        self.assertEqual(breaks, here.count() - 1)
        # 所长只得到本所的：请求另一个所被拒
        self.login("head")
        other = reverse("notice-batch-docx", args=[task.pk]) + f"?station={self.station2.code}"
        self.assertEqual(self.client.get(other).status_code, 403)
        text, _ = text_of(self.client.get(reverse("notice-batch-docx", args=[task.pk])).content)
        self.assertEqual(text.count("抽查告知书"), here.count())

    def test_the_printable_page_is_a4(self):
        inspection = self.target()
        self.login("head")
        page = self.client.get(reverse("notice-print", args=[inspection.pk])).content.decode()
        self.assertIn("size:A4", page)
        self.assertIn(inspection.task.name, page)
        self.assertIn("执法证号：", page)

    def test_the_cli_writes_the_stations_notices(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "n.docx"
            call_command(
                "notices",
                self.draw.task.code,
                "--station",
                self.station2.code,
                "--out",
                str(out),
                stdout=io.StringIO(),
            )
            text, _ = text_of(out.read_bytes())
        there = Inspection.objects.filter(draw=self.draw, station=self.station2)
        self.assertEqual(text.count("抽查告知书"), there.count())
        for i in there:
            self.assertIn(i.uid, text)

    def test_an_administrator_can_replace_the_template(self):
        inspection = self.target()
        with tempfile.TemporaryDirectory() as tmp:
            document = Document(str(services.DEFAULT_TEMPLATE))
            document.add_paragraph("本局自定义模板 {{任务编号}}")
            document.save(str(Path(tmp) / services.TEMPLATE_NAME))
            with override_settings(DATA_DIR=Path(tmp)):
                text, _ = text_of(services.render_notices([inspection]))
        self.assertIn(f"本局自定义模板 {inspection.task.code}", text)
        text, _ = text_of(services.render_notices([inspection]))
        self.assertNotIn("本局自定义模板", text)


class DemoTests(NoticeTestCase):
    def test_the_demo_puts_one_target_in_each_mailing_state(self):
        from shuangsui.demo import data as demo

        self.assertEqual(demo.seed_mailings(self.user("planner"), today=D(2026, 6, 30)), 3)
        rows = list(
            Inspection.objects.filter(mailings__isnull=False).distinct().order_by("draw_id", "rank")
        )
        self.assertEqual(len(rows), 3)
        self.assertEqual(services.state(rows[0])["blocked"], "首次邮寄尚未登记结果")
        self.assertEqual(services.state(rows[1])["sequence"], 2)
        self.assertFalse(services.state(rows[1])["late"])
        self.assertTrue(services.returned_twice(rows[2]))
        self.assertFalse(services.returned_twice(rows[1]))
