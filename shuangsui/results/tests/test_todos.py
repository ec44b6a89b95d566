"""工作台待办：见证人、计划管理、检查人员、所长各自的清单，链到办理的页面。"""

from django.urls import reverse

from shuangsui.draws import services as draws
from shuangsui.plans.tests.helpers import new_task
from shuangsui.results import services
from shuangsui.results.todos import todos

from .helpers import ResultsTestCase


class TodoTests(ResultsTestCase):
    def test_each_role_sees_its_work_linked_to_where_it_is_done(self):
        planner, witness, head = self.users["planner"], self.users["witness"], self.users["head"]
        draft = new_task(planner, self.county, self.codes, class_ratios={"B": "1"})
        labels = [t["label"] for t in todos(planner)]
        self.assertIn(f"{draft.code} {draft.name}：草稿，待核查批准", labels)
        task = self.new_task()
        draw = draws.freeze(task, planner)
        self.assertIn(reverse("draw-detail", args=[draw.pk]), [t["url"] for t in todos(witness)])
        i = self.target()
        one = self.officers(i)[0]
        mine = todos(one.user)
        self.assertTrue(any(t["kind"] == "work" for t in mine))
        r = services.submit(one.user, i, self.item, self.data(i))
        self.assertEqual(
            [t["url"] for t in todos(head) if t["kind"] == "review"], [reverse("result-review")]
        )
        services.return_result(head, r, "缺照片")
        returned = [t for t in todos(one.user) if t["kind"] == "returned"]
        self.assertEqual(len(returned), 1)
        self.assertIn("缺照片", returned[0]["label"])
        self.assertEqual(returned[0]["url"], reverse("result-form", args=[i.pk, self.item.pk]))
        self.client.force_login(one.user)
        self.assertContains(self.client.get(reverse("home")), "缺照片")
