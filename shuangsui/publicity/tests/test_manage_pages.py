"""结果公示的工作页面：辖区与角色（他县 403 并说明原因），发布、撤回、不予公示的申请与批准。"""

from django.core.cache import cache

from shuangsui.publicity.models import Publication, PublishedResult, Withholding

from .test_publishing import PublishingTestCase


class ManagePagesTests(PublishingTestCase):
    def setUp(self):
        cache.clear()
        self.task = self.draw.task
        self.first = self.approved(1)

    def test_it_refuses_another_county_and_anonymous(self):
        url = f"/publication/tasks/{self.task.pk}/"
        self.assertEqual(self.client.get(url).status_code, 302)  # 去登录
        self.login("planner_350502")
        self.assertRefused(self.client.get(url))
        self.assertRefused(self.client.post(f"{url}publish/"))
        self.assertRefused(self.client.post(f"/publication/results/{self.first.pk}/withhold/"))
        self.assertFalse(Publication.objects.exists())
        self.assertEqual(self.client.get("/publication/").status_code, 200)
        self.assertNotContains(self.client.get("/publication/"), self.task.code)

    def test_a_planner_publishes_a_batch_and_withdraws_a_row(self):
        self.login("planner")
        page = self.client.get(f"/publication/tasks/{self.task.pk}/")
        self.assertContains(page, "公示期限")
        self.assertContains(page, 'id="btn-publish"')
        response = self.client.post(
            f"/publication/tasks/{self.task.pk}/publish/", {"result": [self.first.pk]}
        )
        self.assertRedirects(response, f"/publication/tasks/{self.task.pk}/")
        row = PublishedResult.objects.get(result=self.first)
        overview = self.client.get("/publication/")
        self.assertContains(overview, "100.0%")
        self.client.post(f"/publication/rows/{row.pk}/withdraw/", {"reason": ""})
        row.refresh_from_db()
        self.assertIsNone(row.withdrawn_on)  # 没写理由不撤回
        self.client.post(f"/publication/rows/{row.pk}/withdraw/", {"reason": "对象认定有误"})
        row.refresh_from_db()
        self.assertEqual(row.state, "已撤回")

    def test_a_business_section_sees_the_clock_but_cannot_publish(self):
        self.login("business")
        page = self.client.get(f"/publication/tasks/{self.task.pk}/")
        self.assertContains(page, "公示期限")
        self.assertNotContains(page, 'id="btn-publish"')
        response = self.client.post(f"/publication/tasks/{self.task.pk}/publish/", follow=True)
        self.assertContains(response, "只有任务所在局的计划管理可以发布")
        self.assertFalse(Publication.objects.exists())

    def test_withholding_is_requested_by_one_and_approved_by_another(self):
        self.login("planner")
        url = f"/publication/results/{self.first.pk}/withhold/"
        response = self.client.post(url, {"basis": "", "reason": "x"}, follow=True)
        self.assertContains(response, "请写明不予公示的法律依据")
        self.client.post(url, {"basis": "《政府信息公开条例》第十四条", "reason": "涉及国家秘密"})
        held = Withholding.objects.get()
        decide = f"/publication/withholdings/{held.pk}/decide/"
        response = self.client.post(decide, {"decision": "approve"}, follow=True)
        self.assertContains(response, "申请人以外的人")
        self.login("leader")
        self.assertContains(self.client.get("/publication/"), "待批准的不予公示申请")
        self.client.post(decide, {"decision": "approve"})
        held.refresh_from_db()
        self.assertEqual(held.status, "approved")
