"""页面与访问控制：我的检查任务、检查对象详情、匹配结果（直接指派、跨区域匹配）、工作量、
检查组名单 XLSX（含执法证号）；他县一律 404。"""

import io
import json

from django.urls import reverse
from openpyxl import load_workbook

from shuangsui.draws import services as draws
from shuangsui.draws.choices import FileKind
from shuangsui.inspections import services
from shuangsui.inspections.choices import AssignmentSource
from shuangsui.inspections.models import Inspection

from .helpers import AUX, T1, MatchingTestCase, S


class PageTests(MatchingTestCase):
    def mine(self, badge):
        """把演示账号“inspector”绑定到某名检查人员，返回其有效指派的对象 uid。"""
        person = self.people[badge]
        person.user = self.user("inspector")
        person.save()
        return set(
            Inspection.objects.filter(
                assignments__inspector=person, assignments__active=True
            ).values_list("uid", flat=True)
        )

    def test_an_inspector_sees_only_their_own_worklist(self):
        badge = next(b for b in S if self.mine_count(b))
        own = self.mine(badge)
        self.login("inspector")
        page = self.client.get(reverse("worklist")).content.decode()
        self.assertIn('id="worklist-table"', page)
        for i in Inspection.objects.filter(draw=self.draw).select_related("entity"):
            self.assertEqual(f'data-uid="{i.uid}"' in page, i.uid in own, i.uid)
        # 工作清单的内容：联系信息、检查要点与方式、完成时限、执法证号
        first = Inspection.objects.filter(uid__in=own).select_related("entity").first()
        self.assertIn(first.entity.address, page)
        self.assertIn(first.entity.phone, page)
        self.assertIn(first.entity.legal_rep, page)
        self.assertIn("进货查验", page)  # FJSC-011 的检查要点
        self.assertIn("实地检查", page)
        self.assertIn("2026-06-30", page)
        self.assertIn(badge, page)
        # 别人的对象：403 并说明原因；不能操作
        other = Inspection.objects.filter(draw=self.draw).exclude(uid__in=own).first()
        self.assertRefused(
            self.client.get(reverse("inspection-detail", args=[other.pk])),
            "这户不是指派给您的检查对象",
        )
        missing = self.client.get(reverse("inspection-detail", args=[99999]))
        self.assertEqual(missing.status_code, 404)
        mine = Inspection.objects.filter(uid__in=own).first()
        self.assertEqual(
            self.client.get(reverse("inspection-detail", args=[mine.pk])).status_code, 200
        )
        response = self.client.post(
            reverse("inspection-direct", args=[mine.pk]), {"badges": " ".join(S[:2]), "reason": "x"}
        )
        self.assertEqual(response.status_code, 403)
        self.assertRefused(
            self.client.get(reverse("draw-matching", args=[self.draw.pk])), "您的角色不能查看"
        )

    def mine_count(self, badge):
        return Inspection.objects.filter(
            assignments__inspector__badge_no=badge, assignments__active=True
        ).count()

    def test_station_head_sees_the_stations_work(self):
        self.login("head")
        page = self.client.get(reverse("worklist")).content.decode()
        for e in self.here:
            self.assertIn(e.uid, page)
        for e in self.there:
            self.assertNotIn(e.uid, page)
        self.assertEqual(self.client.get(reverse("workload")).status_code, 200)

    def test_other_county_gets_403_with_the_reason(self):
        i = Inspection.objects.filter(draw=self.draw).first()
        detail = reverse("inspection-detail", args=[i.pk])
        urls = [
            detail,
            reverse("draw-matching", args=[self.draw.pk]),
            reverse("draw-workload", args=[self.draw.pk]),
            reverse("draw-groups-xlsx", args=[self.draw.pk]),
        ]
        for role in ("planner_350502", "head_350502", "inspector_350502"):
            self.login(role)
            for url in urls:
                response = self.client.get(url)
                if role == "inspector_350502" and url != detail:
                    self.assertRefused(response, "您的角色不能查看")
                else:
                    self.assertRefused(response)
            self.assertNotIn(i.uid, self.client.get(reverse("worklist")).content.decode())
        self.login("planner_350502")
        for name in ("inspection-direct", "inspection-cross-region"):
            response = self.client.post(reverse(name, args=[i.pk]), {"badges": S[0], "reason": "x"})
            self.assertRefused(response)

    def test_matching_page_and_its_actions(self):
        self.login("planner")
        draw_page = self.client.get(reverse("draw-detail", args=[self.draw.pk])).content.decode()
        self.assertIn('id="matching-link"', draw_page)
        url = reverse("draw-matching", args=[self.draw.pk])
        page = self.client.get(url).content.decode()
        self.assertIn('id="matching-table"', page)
        self.assertIn("随机匹配人员不足", page)
        self.assertIn("现场检查的执法人员不足两名", page)
        self.assertIn("跨区域匹配", page)
        self.assertIn('id="count-pending">4<', page)
        only = self.client.get(url, {"problems": "1"}).content.decode()
        self.assertNotIn(self.here[1].uid, only)
        self.assertIn(self.there[0].uid, only)
        # 直接指派：原因必填
        first = Inspection.objects.get(draw=self.draw, uid=self.there[0].uid)
        direct = reverse("inspection-direct", args=[first.pk])
        response = self.client.post(direct, {"badges": f"{T1} {S[0]}", "reason": "", "next": url})
        self.assertRedirects(response, url, fetch_redirect_response=False)
        self.assertEqual(first.assignments.filter(active=True).count(), 1)
        self.client.post(direct, {"badges": f"{T1} {S[0]}", "reason": "支援", "next": url})
        self.assertEqual(first.assignments.filter(active=True).count(), 2)
        # 跨区域匹配按钮
        second = Inspection.objects.get(draw=self.draw, uid=self.there[1].uid)
        self.client.post(reverse("inspection-cross-region", args=[second.pk]), {"next": url})
        self.assertTrue(
            second.assignments.filter(source=AssignmentSource.CROSS_REGION, active=True).exists()
        )
        page = self.client.get(url).content.decode()
        self.assertIn('id="count-pending">2<', page)
        # 详情页：调出并重新匹配、额外成员
        detail = reverse("inspection-detail", args=[second.pk])
        page = self.client.get(detail).content.decode()
        for anchor in (
            'id="inspection-team"',
            'id="direct-form"',
            'id="extra-form"',
            "btn-reassign",
        ):
            self.assertIn(anchor, page)
        self.client.post(reverse("inspection-extra", args=[second.pk]), {"badge": AUX})
        self.client.post(
            reverse("inspection-reassign", args=[second.pk]),
            {"inspector": self.people[T1].pk, "reason": "因病"},
        )
        page = self.client.get(detail).content.decode()
        self.assertIn('id="inspection-history"', page)
        self.assertIn("因病", page)
        self.assertIn("不计入执法人员", page)

    def test_workload_pages(self):
        self.login("planner")
        page = self.client.get(reverse("draw-workload", args=[self.draw.pk])).content.decode()
        self.assertIn('id="workload-table"', page)
        self.assertIn(f'data-badge="{T1}"', page)
        overall = self.client.get(reverse("workload")).content.decode()
        self.assertIn(f'data-badge="{T1}"', overall)
        rows = {
            r["inspector"].badge_no: r["total"]
            for r in services.workload(user=self.user("planner"))
        }
        self.assertEqual(rows[T1], 4)

    def test_group_list_xlsx_has_the_badges(self):
        self.login("planner")
        response = self.client.get(reverse("draw-groups-xlsx", args=[self.draw.pk]))
        self.assertEqual(response.status_code, 200)
        wb = load_workbook(io.BytesIO(response.content))
        self.assertEqual(wb.sheetnames, ["检查组名单", "检查人员名单", "检查事项清单"])
        cells = {str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value}
        text = "\n".join(cells)
        record = json.loads(draws.read_file(self.draw, FileKind.RECORD))
        for a in record["inspectors"]["assignments"]:
            for badge in a["inspectors"]:
                self.assertIn(badge, text)
        people = wb["检查人员名单"]
        self.assertEqual(people["C2"].value, "执法证号/人员编号")
        self.assertIn("FJSC-011", text)
        self.assertIn("进货查验", text)
        self.assertIn(self.here[0].address, text)
        self.assertIn(self.here[0].legal_rep, text)
