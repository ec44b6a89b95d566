"""GB/T 4754-2017 门类、大类表：97 个大类分属 20 个门类；代码显示为“代码 名称”。"""

from django.urls import reverse

from shuangsui.core.tests.base import BaseTestCase
from shuangsui.directory import industry


def test_it_has_every_section_and_division_of_the_standard():
    assert len(industry.sections()) == 20
    assert len(industry.divisions()) == 97
    assert [c for c, _ in industry.divisions("F")] == ["F51", "F52"]
    assert industry.divisions("H") == [("H61", "住宿业"), ("H62", "餐饮业")]


def test_it_names_codes_and_rejects_ones_that_do_not_exist():
    assert industry.label("F52") == "F52 零售业"
    assert industry.label("F5211") == "F5211 零售业"
    assert industry.label("C") == "C 制造业"
    # F28、L34 不存在：28 属于制造业（C28 化学纤维制造业），34 为通用设备制造业（C34）
    assert not industry.is_valid("F28") and not industry.is_valid("L34")
    assert industry.is_valid("C28") and industry.is_valid("C34")
    assert industry.label("F28") == "F28（不在 GB/T 4754-2017 中）"
    assert industry.label("") == ""


def test_demo_data_uses_real_codes():
    from shuangsui.demo.data import BUSINESS

    for section, _, _, codes in BUSINESS:
        for code in codes:
            assert industry.is_valid(code) and code.startswith(section), code


class PageTests(BaseTestCase):
    def test_lists_show_industry_names_and_filters_have_no_empty_choice(self):
        self.login("planner")
        text = self.client.get(reverse("entity-list")).content.decode()
        self.assertIn("F51 批发业", text)  # make_entity 的默认行业代码
        self.assertNotIn("（空）", text)
        self.assertIn(">全部</option>", text)
        detail = self.client.get(reverse("entity-detail", args=[self.entity.uid])).content.decode()
        self.assertIn("F51 批发业", detail)
