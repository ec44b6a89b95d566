"""任务页上的抽取部分：入选名单分页与链接、按抽取缓存的汇总在抽取完成或作废时随之更新。"""

import re

from django.test import SimpleTestCase
from django.urls import reverse

from shuangsui.draws import reports
from shuangsui.draws import services as draws
from shuangsui.draws.choices import TargetRole
from shuangsui.draws.templatetags.draw_rows import reserve_rows, selected_rows
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
            return [int(n) for n in re.findall(r'<tr><td data-label="名次">(\d+)</td>', table)]

        page = self.client.get(url).content.decode()
        self.assertEqual(ranks(page), list(range(1, 51)))
        # 窄屏显示为卡片（site.css 的 table.list.cards），宽屏仍是表格
        self.assertIn('<table class="list cards" id="selected-table">', page)
        self.assertIn('<table class="list cards" id="reserve-table">', page)
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


def row(rank, **over):
    t = {
        "rank": rank,
        "batch": 1,
        "uid": f"UID{rank}",
        "url": f"/directory/entities/UID{rank}/",
        "name": "泉州<测试>商行",
        "unit": "东海所",
        "shown_stratum": "B",
        "people": "张三（S1）",
        "unmatched": False,
        "flags": [],
    }
    t.update(over)
    return t


class DrawRowsTests(SimpleTestCase):
    """入选、备选名单的行：与原来逐格渲染的模板同样的内容，每格带列名（窄屏显示为卡片）。"""

    def test_selected_rows(self):
        html = selected_rows([row(1), row(2, url="", unmatched=True, flags=["unmatched"])])
        first, second = html.split("\n")
        self.assertEqual(
            first,
            '<tr><td data-label="名次">1</td><td data-label="对象标识">'
            '<a href="/directory/entities/UID1/"><code>UID1</code></a></td>'
            '<td data-label="名称">泉州&lt;测试&gt;商行</td><td data-label="所属单位">东海所</td>'
            '<td data-label="层">B</td><td data-label="检查人员">张三（S1）</td></tr>',
        )
        # 对象库的对象不链；人员不足的标出
        self.assertIn('<td data-label="对象标识"><code>UID2</code></td>', second)
        self.assertIn('张三（S1） <span class="badge credit-C">人员不足，待直接指派</span>', second)
        relaxed = selected_rows([row(3, batch=2, flags=["relaxed"])], True)
        self.assertIn('<td data-label="批次">第 2 批</td>', relaxed)
        self.assertIn(' <span class="badge">已放宽人均上限</span></td>', relaxed)
        self.assertEqual(selected_rows([]), "")

    def test_reserve_rows(self):
        self.assertEqual(
            reserve_rows([row(1)]),
            '<tr><td data-label="名次">1</td><td data-label="对象标识">'
            '<a href="/directory/entities/UID1/"><code>UID1</code></a></td>'
            '<td data-label="名称">泉州&lt;测试&gt;商行</td><td data-label="层">B</td></tr>',
        )
