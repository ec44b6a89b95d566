"""访问矩阵（联合部门）：只见本部门参与的任务、这些任务的抽取和抽中对象（联系方式也只对这些对象）。

页面、接口与导出都经过 core.scope 的同一个辖区过滤。
"""

from django.urls import reverse

from shuangsui.core.models import ApiToken, OrgUnit
from shuangsui.draws.choices import TargetRole
from shuangsui.plans import services as plans
from shuangsui.plans.tests.helpers import PlansTestCase, full_ceremony, populate


class JointDepartmentAccessTests(PlansTestCase):
    codes = ("FJSC-011",)  # 重点事项：不设比例上限

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.ours = populate(cls.station, 100, "BBBBBBBBBB", legal_rep="张联系", phone="13800000001")
        cls.theirs = populate(
            cls.station2, 200, "BBBBBBBBBB", legal_rep="李不该", phone="13900000002"
        )

    def setUp(self):
        self.planner, self.witness = self.user("planner"), self.user("witness")
        health = OrgUnit.objects.get(code="350503D51")  # joint 账号所在的卫生健康局
        joint_task = self.task(
            regions=[self.station],
            departments=[health],
            quota_mode="class_count",
            class_counts={"B": 3},
        )
        other_task = self.task(
            regions=[self.station2], quota_mode="class_count", class_counts={"B": 3}
        )
        self.joint_task = plans.approve_task(joint_task, self.user("leader"))
        self.other_task = plans.approve_task(other_task, self.user("leader"))
        self.joint_draw = full_ceremony(self.joint_task, self.planner, self.witness)
        self.other_draw = full_ceremony(self.other_task, self.planner, self.witness)
        self.visible = set(
            self.joint_draw.targets.filter(role=TargetRole.SELECTED).values_list("uid", flat=True)
        )
        self.hidden = set(self.other_draw.targets.values_list("uid", flat=True))
        self.untouched = {self.entity.uid, self.entity2.uid}
        self.assertEqual(len(self.visible), 3)

    def assert_only_visible(self, body, where):
        for uid in self.visible:
            self.assertIn(uid, body, where)
        for uid in self.hidden | self.untouched:
            self.assertNotIn(uid, body, where)
        self.assertNotIn("李不该", body, where)
        self.assertNotIn("13900000002", body, where)

    def test_joint_sees_only_targets_of_tasks_it_takes_part_in_on_pages(self):
        self.login("joint")
        self.assert_only_visible(self.client.get(reverse("entity-list")).content.decode(), "名录")
        uid = sorted(self.visible)[0]
        page = self.client.get(reverse("entity-detail", args=[uid]))
        self.assertContains(page, "张联系")
        self.assertContains(page, "13800000001")
        for uid in sorted(self.hidden | self.untouched):
            self.assertRefused(self.client.get(reverse("entity-detail", args=[uid])), "没有参与")
        tasks = self.client.get(reverse("task-list")).content.decode()
        self.assertIn(self.joint_task.code, tasks)
        self.assertNotIn(self.other_task.code, tasks)
        self.assertEqual(
            self.client.get(reverse("task-detail", args=[self.joint_task.pk])).status_code, 200
        )
        self.assertRefused(
            self.client.get(reverse("task-detail", args=[self.other_task.pk])), "没有参与"
        )
        self.assertEqual(
            self.client.get(reverse("draw-detail", args=[self.joint_draw.pk])).status_code, 200
        )
        self.assertRefused(
            self.client.get(reverse("draw-detail", args=[self.other_draw.pk])), "没有参与"
        )

    def test_joint_sees_the_same_through_the_api_and_exports(self):
        _, raw = ApiToken.issue(self.user("joint"), "test")
        auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        listing = self.client.get("/api/directory/entities?page_size=100", **auth).json()
        self.assertEqual({e["uid"] for e in listing["results"]}, self.visible)
        self.assert_only_visible(
            self.client.get("/api/directory/entities", **auth).content.decode(), "接口"
        )
        for uid in self.hidden | self.untouched:
            self.assertRefused(
                self.client.get(f"/api/directory/entities/{uid}", **auth), "没有参与"
            )
        codes = {t["code"] for t in self.client.get("/api/plans/tasks", **auth).json()["results"]}
        self.assertEqual(codes, {self.joint_task.code})
        self.login("joint")
        export = self.client.get(reverse("export", args=["entities"]) + "?format=csv")
        if export.status_code == 200:
            body = b"".join(export.streaming_content) if export.streaming else export.content
            self.assert_only_visible(body.decode("utf-8-sig"), "导出")

    def test_the_bureau_still_sees_the_whole_county(self):
        self.login("planner")
        body = self.client.get(reverse("entity-list") + "?page_size=100").content.decode()
        for uid in self.hidden:
            self.assertIn(uid, body)
