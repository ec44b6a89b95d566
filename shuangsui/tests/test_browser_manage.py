"""Debian chromium 中的用户管理：admin 新建一名检查人员，记下一次性密码；该用户登录后先被要求
改密码，改好后进入工作台。390 px 与 1366 px 两种宽度，页面都不横向滚动；截图在 test-artifacts/。"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from shuangsui.tests.browser import base_url, login, shot, visit

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Fengze-Station-2026"


def assert_fits(page, width, what):
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{what}：页面宽 {scroll} px，超过 {width} px"


@pytest.mark.parametrize("width", [390, 1366])
def test_admin_creates_a_user_who_then_logs_in(seeded_live_server, page, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, seeded_live_server, "admin")
    page.locator("header nav").get_by_role("link", name="用户与单位").click()
    expect(page.locator("h1")).to_have_text("用户管理")
    expect(page.locator("#user-table")).to_contain_text("planner")
    expect(page.locator("#user-table")).not_to_contain_text("planner_350502")
    assert_fits(page, width, "用户列表")
    shot(page, f"manage-users-{width}")

    page.locator("#new-user").click()
    username = f"chen{width}"
    page.locator("#id_username").fill(username)
    page.locator("#id_last_name").fill("陈")
    page.locator("#id_first_name").fill("晓明")
    page.locator("#id_unit").select_option(label="　东海市场监督管理所")
    page.locator("#id_role").select_option("inspector")
    assert_fits(page, width, "新建用户")
    shot(page, f"manage-user-new-{width}")
    page.get_by_role("button", name="新建").click()
    expect(page.locator("h1")).to_contain_text(f"已新建用户 {username}")
    raw = page.locator("#one-time-password").inner_text().strip()
    assert len(raw) == 12
    assert_fits(page, width, "一次性密码")
    shot(page, f"manage-user-created-{width}")
    page.get_by_role("link", name="查看该用户").click()
    expect(page.locator("#id_role")).to_have_value("inspector")
    expect(page.locator("#deactivate")).to_be_enabled()
    assert_fits(page, width, "用户详情")
    shot(page, f"manage-user-edit-{width}")

    page.get_by_role("link", name="单位", exact=True).click()
    expect(page.locator("#unit-tree")).to_contain_text("东海市场监督管理所")
    assert_fits(page, width, "单位")
    shot(page, f"manage-units-{width}")

    from shuangsui.catalog.models import FollowUpMeasure

    # 迁移里种下的代码，在上一个用 live_server 的测试清库后要补上
    FollowUpMeasure.objects.get_or_create(code="07", defaults={"name": "列入严重违法失信名单"})
    visit(page, seeded_live_server, "/admin/catalog/followupmeasure/")
    expect(page.locator("#result_list")).to_contain_text("列入严重违法失信名单")
    assert_fits(page, width, "后续处置措施（后台）")
    shot(page, f"admin-followup-{width}")

    visit(page, seeded_live_server, reverse("home"))
    page.get_by_role("button", name="退出").click()
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(raw)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(base_url(seeded_live_server) + reverse("password-change"))
    expect(page.locator("#must-change")).to_be_visible()
    assert_fits(page, width, "修改密码")
    shot(page, f"password-change-{width}")
    page.locator("#id_old_password").fill(raw)
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.locator("#id_new_password2").fill(NEW_PASSWORD)
    page.get_by_role("button", name="修改密码").click()
    expect(page).to_have_url(base_url(seeded_live_server) + reverse("home"))
    expect(page.locator("header .who")).to_contain_text("陈晓明")
    expect(page.locator("header .who")).to_contain_text("检查人员")
    expect(page.locator("header nav")).not_to_contain_text("用户与单位")
