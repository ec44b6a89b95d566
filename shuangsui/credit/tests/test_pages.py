"""信用反馈的页面：队列、确认、驳回（理由在字段旁）、主体页的分类历史、辖区与角色。"""

from shuangsui.credit.models import CreditProposal
from shuangsui.directory.models import Entity

from .helpers import CreditTestCase


class PageTests(CreditTestCase):
    def setUp(self):
        self.approved(self.here[1])
        self.p = CreditProposal.objects.get()

    def test_the_planner_confirms_from_the_queue_and_the_entity_page_shows_the_history(self):
        self.login("planner")
        queue = self.client.get("/credit/")
        self.assertContains(queue, self.here[1].name)
        self.assertContains(queue, "待确认（1）")
        page = self.client.get(f"/credit/{self.p.pk}/")
        self.assertContains(page, "确认调整为 C 类")
        response = self.client.post(f"/credit/{self.p.pk}/confirm/", {"note": "核实无误"})
        self.assertRedirects(response, f"/credit/{self.p.pk}/")
        self.assertEqual(Entity.objects.get(pk=self.here[1].pk).credit_class, "C")
        entity_page = self.client.get(f"/directory/entities/{self.here[1].uid}/")
        self.assertContains(entity_page, "信用风险分类历史")
        self.assertContains(entity_page, "检查结果反馈")
        self.assertContains(entity_page, "核实无误")
        self.assertContains(self.client.get("/credit/?status=confirmed"), "已确认（1）")

    def test_a_rejection_without_reason_is_refused_beside_the_field(self):
        self.login("planner")
        response = self.client.post(f"/credit/{self.p.pk}/reject/", {"reason": "  "})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, 'id="errors-reason"', status_code=400)
        self.assertContains(response, "驳回须写明理由", status_code=400)
        self.p.refresh_from_db()
        self.assertTrue(self.p.pending)
        response = self.client.post(f"/credit/{self.p.pk}/reject/", {"reason": "当场改正"})
        self.assertEqual(response.status_code, 302)

    def test_other_counties_and_other_roles_are_refused(self):
        self.login("planner_350502")
        self.assertRefused(self.client.get(f"/credit/{self.p.pk}/"))
        self.assertRefused(self.client.post(f"/credit/{self.p.pk}/confirm/", {}))
        self.assertNotContains(self.client.get("/credit/"), self.here[1].name)
        for name in ("head", "inspector", "admin"):
            self.login(name)
            self.assertEqual(self.client.get("/credit/").status_code, 403, name)
            self.assertRefused(self.client.get(f"/credit/{self.p.pk}/"), "角色")
        self.assertEqual(self.client.get("/credit/999999/").status_code, 404)
        self.p.refresh_from_db()
        self.assertTrue(self.p.pending)
