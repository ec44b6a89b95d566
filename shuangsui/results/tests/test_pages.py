"""检查结果的页面：工作清单入口、表单（检查要点、拍照上传）、提交、退回后出现在工作清单、审核、材料的权限。"""

import tempfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from shuangsui.results.choices import ResultStatus
from shuangsui.results.models import Result

from .helpers import TODAY, ResultsTestCase
from .test_reserve_and_files import jpeg_bytes


class PageTests(ResultsTestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.override = override_settings(MEDIA_ROOT=self.tmp.name)
        self.override.enable()

    def tearDown(self):
        self.override.disable()
        self.tmp.cleanup()

    def test_an_inspector_enters_submits_and_the_head_returns_and_approves(self):
        i = self.target()
        one, two = self.officers(i)[:2]
        self.client.force_login(one.user)
        work = self.client.get(reverse("worklist"))
        self.assertContains(work, reverse("result-target", args=[i.pk]))
        page = self.client.get(reverse("result-target", args=[i.pk]))
        self.assertContains(page, "应当现场检查")
        self.assertContains(page, 'href="tel:13905951234"')
        url = reverse("result-form", args=[i.pk, self.item.pk])
        form = self.client.get(url)
        self.assertContains(form, 'accept="image/*" capture="environment"')
        for point in self.item.sub_item_list:
            self.assertContains(form, point)
        post = {
            "checked_from": TODAY.isoformat(),
            "methods": ["1"],
            "codes": ["1"],
            "present": [one.pk, two.pk],
            "action": "save",
            "photos": SimpleUploadedFile("现场.jpg", jpeg_bytes()),
        }
        self.assertEqual(self.client.post(url, post).status_code, 302)
        result = Result.objects.get(inspection=i, item=self.item)
        self.assertEqual((result.status, result.attachments.count()), (ResultStatus.DRAFT, 1))
        photo = result.attachments.get()
        self.assertEqual(self.client.get(reverse("result-thumb", args=[photo.pk])).status_code, 200)
        post.pop("photos")
        post["action"] = "submit"
        self.client.post(url, post)
        result.refresh_from_db()
        self.assertEqual(result.status, ResultStatus.SUBMITTED)
        # 他所的检查人员看不到对象，也拿不到照片
        self.client.force_login(self.users["inspector_350502"])
        self.assertEqual(self.client.get(reverse("result-file", args=[photo.pk])).status_code, 404)
        self.assertEqual(self.client.get(url).status_code, 403)
        # 所长退回
        self.client.force_login(self.users["head"])
        queue = self.client.get(reverse("result-review"))
        self.assertContains(queue, url)
        self.client.post(url, {"action": "return", "reason": "照片不清楚"})
        result.refresh_from_db()
        self.assertEqual((result.status, result.review_note), (ResultStatus.RETURNED, "照片不清楚"))
        self.client.force_login(one.user)
        self.assertContains(self.client.get(reverse("worklist")), "已退回 1 项")
        self.assertContains(self.client.get(url), "照片不清楚")
        post["facts"] = "补拍照片"
        self.client.post(url, post)
        self.client.force_login(self.users["head"])
        self.client.post(url, {"action": "approve"})
        i.refresh_from_db()
        self.assertEqual(i.status, "completed")
        self.client.force_login(self.users["planner"])
        task_page = self.client.get(reverse("task-detail", args=[i.task_id]))
        self.assertContains(task_page, 'id="progress-reviewed">1<')

    def test_a_submission_breaking_a_rule_shows_the_chinese_reason(self):
        i = self.target()
        one = self.officers(i)[0]
        self.client.force_login(one.user)
        url = reverse("result-form", args=[i.pk, self.item.pk])
        post = {
            "checked_from": TODAY.isoformat(),
            "methods": ["2"],
            "codes": ["1"],
            "present": [one.pk],
            "action": "submit",
        }
        page = self.client.post(url, post, follow=True)
        self.assertContains(page, "应当现场检查，不能以书面检查、网络监测等其他方式替代")
        self.assertFalse(Result.objects.filter(status=ResultStatus.SUBMITTED).exists())

    def test_the_entity_page_of_another_department_can_rely_on_approved_results(self):
        from shuangsui.results import services

        i = self.target()
        one = self.officers(i)[0]
        r = services.submit(one.user, i, self.item, self.data(i))
        services.approve(self.users["head"], r)
        rows = services.entity_results(self.users["joint"], i.entity)
        self.assertEqual([x.pk for x in rows], [r.pk])
        self.client.force_login(self.users["planner"])  # 信用监管股，不是食品事项的部门
        page = self.client.get(reverse("entity-detail", args=[i.entity.uid]))
        self.assertContains(page, 'id="entity-results"')
        self.assertContains(page, "1 未发现问题")
