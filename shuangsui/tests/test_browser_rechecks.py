"""Debian chromium 中的页面测试：在手机宽度（390 px）下走完一次再检查抽样，从仪式到录入结果。

演示数据里有一次仪式中的再检查抽样（planner 已承诺）：witness 在自己的浏览器上下文里提交承诺并揭示，
planner 揭示、经确认对话框执行抽样，打开第一户指派再检查人员（原检查人员不在可选之列），录入
“有问题未发现”；列表页的“按所”统计随之加一。每一页都不横向溢出。截图在 test-artifacts/。
"""

import tempfile

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from shuangsui.tests.browser import TIMEOUT_MS, confirm_and_wait, login, shot, visit

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def fits(page):
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} 宽 {width} px"


def phone(browser):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


@pytest.fixture
def recheck_live_server(live_server, transactional_db, settings):
    from django.core.cache import cache

    from shuangsui.demo import data as demo

    settings.DRAW_FILES_ROOT = tempfile.mkdtemp(prefix="shuangsui-rechecks-")
    cache.clear()
    demo.load(entities=2000, inspectors=60, checks=True)  # 与 make demo 相同
    return live_server


def test_a_recheck_from_the_ceremony_to_a_missed_problem_at_390px(browser, recheck_live_server):
    from shuangsui.demo.rechecks import SECRETS
    from shuangsui.rechecks.models import RecheckSample

    sample = RecheckSample.objects.get(status="frozen")
    detail = reverse("recheck-detail", args=[sample.pk])
    witness = phone(browser)
    try:
        login(witness, recheck_live_server, "witness")
        visit(witness, recheck_live_server, reverse("recheck-list"))
        fits(witness)
        witness.locator(f"#sample-table a[href='{detail}']").click()
        expect(witness.locator("#missing-parties")).to_contain_text("监督见证方")
        fits(witness)
        witness.locator("#id_commit_value").fill(SECRETS["witness"])
        with witness.expect_navigation():
            witness.locator("#btn-commit").click()
        witness.locator("#id_reveal_value").fill(SECRETS["witness"])
        with witness.expect_navigation():
            witness.locator("#btn-reveal").click()
        expect(witness.locator(".msg-success")).to_contain_text("揭示值与承诺相符")
    finally:
        witness.context.close()

    page = phone(browser)
    try:
        login(page, recheck_live_server, "planner")
        visit(page, recheck_live_server, detail)
        page.locator("#id_reveal_value").fill(SECRETS["planner"])
        with page.expect_navigation():
            page.locator("#btn-reveal").click()
        expect(page.locator("#sample-status")).to_have_text("待抽取")
        says = confirm_and_wait(page, "#btn-run", "执行抽样")
        assert "不能重抽" in says
        expect(page.locator("#sample-status")).to_have_text("已完成")
        expect(page.locator("#item-table tbody tr")).to_have_count(sum(sample.quotas.values()))
        fits(page)
        shot(page, "recheck-sample-390")

        page.locator("#item-table tbody tr").first.locator("a").click()
        expect(page.locator("#assign-form")).to_be_visible()
        fits(page)
        original = page.locator("#original-people").inner_text()
        boxes = page.locator("#assign-form input[type=checkbox]")
        labels = page.locator("#assign-form label.box").all_inner_texts()
        assert labels, "没有可指派的再检查人员"
        assert not any(name.split("（")[0] in original for name in labels)
        boxes.first.check()
        with page.expect_navigation():
            page.locator("#btn-assign").click()
        expect(page.locator("#checkers")).to_contain_text(labels[0].strip().split("（")[0])

        page.locator("#outcome-form input[value=missed]").check()
        page.locator("#outcome-form textarea[name=missed]").fill("营业执照未在经营场所显著位置悬挂")
        page.locator("#outcome-form input[name=correction_needed]").check()
        confirm_and_wait(page, "#btn-record", "录入后不能修改")
        expect(page.locator("#outcome")).to_contain_text("有问题未发现")
        expect(page.locator("#outcome")).to_contain_text("原检查结果须更正")
        fits(page)
        shot(page, "recheck-item-390")

        visit(page, recheck_live_server, reverse("recheck-list"))
        missed = page.locator("#missed-station-table tbody td:nth-child(3)").all_inner_texts()
        assert sum(int(n) for n in missed) == 2  # 演示里已有一户，加上刚录入的一户
        fits(page)
        shot(page, "recheck-list-390")
    finally:
        page.context.close()
