"""Debian chromium 中的登录限速：连错 5 次后登录页用中文说明锁定（390 px 宽也不横向滚动），
密码正确也进不去；截图在 test-artifacts/。"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from shuangsui.tests.browser import base_url, shot, visit

pytestmark = pytest.mark.browser


def test_the_login_page_explains_a_lockout_in_chinese(seeded_live_server, page):
    from shuangsui.demo import data as demo

    page.set_viewport_size({"width": 390, "height": 844})
    visit(page, seeded_live_server, reverse("login"))
    for _ in range(5):
        page.get_by_label("用户名").fill("planner")
        page.get_by_label("密码").fill("wrong-password")
        page.get_by_role("button", name="登录").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("登录失败次数过多")
    expect(alert).to_contain_text("15 分钟后再试")
    page.get_by_label("用户名").fill("planner")
    page.get_by_label("密码").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("登录失败次数过多")
    assert page.url.startswith(base_url(seeded_live_server) + reverse("login"))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"页面宽 {width} px"
    shot(page, "login-locked-390")
