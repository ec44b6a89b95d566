"""任务页上的抽取部分：入选名单分页与链接、按抽取缓存的汇总在抽取完成或作废时随之更新。"""

import re

from django.urls import reverse

from shuangsui.draws import reports
from shuangsui.draws import services as draws
from shuangsui.draws.choices import TargetRole
from shuangsui.plans.tests.helpers import PlansTestCase, full_ceremony, populate


class TaskPageDrawTests(PlansTestCase):
    codes = ("FJSC-011",)  # 重点事项：不设比例上限

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        populate(cls.station, 100, "B" * 120)

    def test_selected_list_pages_by_rank_with_entity_links(self):
        task = self.approved(class_ratios={"B": "0.5"}, batches=2, reserves={"B": 3})
        draw = full_ceremony(task, self.user("planner"), self.user("witness"))
        n = draw.selected_count
        self.assertGreater(n, 50)
        self.login("planner")
        url = reverse("task-detail", args=[task.pk])
        selected = list(draw.targets.filter(role=TargetRole.SELECTED).order_by("rank"))

        def ranks(page):
            table = page.split('id="selected-table"')[1].split("</table>")[0]
            return [int(n) for n in re.findall(r"<tr><td>(\d+)</td>", table)]

        page = self.client.get(url).content.decode()
        self.assertEqual(ranks(page), list(range(1, 51)))
        self.assertIn("第 1–50 户", page)
        self.assertIn('id="selected-next"', page)
        first = selected[0]
        link = reverse("entity-detail", args=[first.uid])
        self.assertIn(f'<a href="{link}"><code>{first.uid}</code></a>', page)
        self.assertIn(first.entity.name, page)
        self.assertIn(first.entity.unit.name, page)
        self.assertIn("第 1 批", page)
        self.assertIn('id="reserve-table"', page)
        page = self.client.get(url + "?page=2").content.decode()
        self.assertEqual(ranks(page), list(range(51, n + 1)))
        self.assertIn(f"第 51–{n} 户", page)
        self.assertIn("第 2 批", page)
        self.assertNotIn('id="selected-next"', page)
        # 超出末页或不是数字：与通常的分页一样给出末页、首页
        self.assertEqual(ranks(self.client.get(url + "?page=9").content.decode()), ranks(page))
        self.assertEqual(ranks(self.client.get(url + "?page=x").content.decode())[0], 1)

    def test_cached_share_follows_completion_and_void(self):
        planner = self.user("planner")
        self.assertEqual(reports.differentiated_share(planner, year=2026).total, 0)
        task = self.approved(class_ratios={"B": "0.1"})
        draw = full_ceremony(task, planner, self.user("witness"))
        self.assertGreater(draw.selected_count, 0)
        for kwargs in ({"year": 2026}, {"tasks": [task]}):
            share = reports.differentiated_share(planner, **kwargs)
            self.assertEqual((share.total, share.differentiated), (draw.selected_count,) * 2)
        draws.request_void(draw, planner, "名单范围设置错误")
        draws.approve_void(draw, self.user("admin"))
        for kwargs in ({"year": 2026}, {"tasks": [task]}):
            self.assertEqual(reports.differentiated_share(planner, **kwargs).total, 0)
