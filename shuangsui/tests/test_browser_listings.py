"""Debian chromium 中的页面测试：一户两次邮寄均被退回 → 列异提请（待提醒负责人）→ 检查人员登记电话提醒
→ 所长审核同意 → 局审批人批准 → 主体页显示“已列入”。桌面宽度走完全程，详情页在 390 px 截图并核对
不横向滚动。抽取经服务完成；场景沿用 test_browser_worklist 的东海所。截图在 test-artifacts/。
"""

import random

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from shuangsui.core.models import OrgUnit, User
from shuangsui.draws import services as draws
from shuangsui.inspections.models import Inspection
from shuangsui.inspectors.models import Inspector
from shuangsui.listings.models import AbnormalListing
from shuangsui.tests.browser import confirm_and_wait, login, shot, visit
from shuangsui.tests.test_browser_mailings import no_horizontal_overflow, submit
from shuangsui.tests.test_browser_worklist import (
    STATION,
    add_entities,
    drawn_and_revealed,
    new_page,
    staff_the_station,
)

pytestmark = pytest.mark.browser


def test_two_returns_to_an_approved_listing(page, browser, seeded_live_server, settings, tmp_path):
    settings.DRAW_FILES_ROOT = tmp_path / "draws"
    server = seeded_live_server
    station = OrgUnit.objects.get(code=STATION)
    me = Inspector.objects.get(user__username="inspector")
    add_entities(station, random.Random(7))
    staff_the_station(station, me)
    draw = drawn_and_revealed(station)
    draws.run(draw, User.objects.get(username="planner"))
    mine = (
        Inspection.objects.filter(draw=draw, assignments__inspector=me, assignments__active=True)
        .order_by("rank")
        .first()
    )
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # 检查人员：两次邮寄均被退回
    login(page, server, "inspector")
    visit(page, server, reverse("notice-mailings", args=[mine.pk]))
    submit(page, "#mailing-form", method="registered", sent_on="2026-10-08", tracking_no="XA1008")
    submit(
        page,
        ".outcome-form",
        outcome="returned",
        outcome_on="2026-10-15",
        return_reason="查无此单位",
    )
    submit(page, "#mailing-form", method="ems", sent_on="2026-10-26", tracking_no="EMS1026")
    submit(
        page,
        ".outcome-form",
        outcome="returned",
        outcome_on="2026-10-30",
        return_reason="原址已拆迁",
    )
    expect(page.locator("#mail-returned-twice")).to_be_visible()

    # 提请已推送到东海所，待提醒负责人
    with page.expect_navigation():
        page.locator("header nav a", has_text="经营异常名录").click()
    expect(page.locator('#listing-tabs a[data-tab="reminder"]')).to_have_text("待提醒负责人（1）")
    listing = AbnormalListing.objects.get(entity=mine.entity)
    with page.expect_navigation():
        page.locator(f'[data-listing="{listing.pk}"] a').click()
    expect(page.locator("#reminder-needed")).to_be_visible()
    expect(page.locator("#listing-form-table")).to_contain_text("原址已拆迁")
    expect(page.locator("#step-form")).to_have_count(0)
    shot(page, "70-listing-reminder-1280")

    # 电话提醒；不选结果被拒（字段旁的中文错误）
    submit(page, "#reminder-form", method="phone", number=mine.entity.phone)
    expect(page.locator("#reminder-form .errorlist")).to_contain_text("电话提醒须选择结果")
    submit(page, "#reminder-form", method="phone", number=mine.entity.phone, outcome="no_answer")
    expect(page.locator(".msg-success")).to_have_text("已登记提醒，提请报所长审核")
    expect(page.locator("#listing-state")).to_have_text("待所长审核")
    expect(page.locator("#step-form")).to_have_count(0)  # 检查人员不能审核

    # 所长审核
    head = new_page(browser)
    login(head, server, "head")
    visit(head, server, reverse("listing-list"))
    expect(head.locator(f'[data-listing="{listing.pk}"]')).to_be_visible()
    visit(head, server, reverse("listing-detail", args=[listing.pk]))
    head.locator("#step-form [name=note]").fill("电话提醒无人接听，情况属实")
    says = confirm_and_wait(head, "#btn-step", says="报局审批")
    assert "不同意须写明理由" in says
    expect(head.locator("#listing-state")).to_have_text("待局审批")
    expect(head.locator("#step-form")).to_have_count(0)  # 所长不做局审批

    # 局审批
    bureau = new_page(browser)
    login(bureau, server, "bureau")
    visit(bureau, server, reverse("listing-list"))
    expect(bureau.locator('#listing-tabs a[data-tab="bureau"]')).to_have_attribute(
        "aria-current", "page"
    )
    with bureau.expect_navigation():
        bureau.locator(f'[data-listing="{listing.pk}"] a').click()
    confirm_and_wait(bureau, "#btn-step", says="列入经营异常名录")
    expect(bureau.locator("#listing-state")).to_have_text("已列入")
    steps = bureau.locator("#listing-steps li")
    expect(steps).to_have_count(4)
    expect(steps.nth(1)).to_contain_text("电话提醒")
    expect(steps.nth(2)).to_contain_text("所长审核同意")
    expect(steps.nth(3)).to_contain_text("局审批批准")
    shot(bureau, "71-listing-approved-1280")

    listing.refresh_from_db()
    assert listing.state_label == "已列入"
    assert (listing.reviewed_by.username, listing.approved_by.username) == ("head", "bureau")

    # 主体页显示列入；390 px 宽不横向滚动
    visit(page, server, reverse("entity-detail", args=[mine.entity.uid]))
    expect(page.locator("#entity-listings")).to_contain_text("已列入")
    page.set_viewport_size({"width": 390, "height": 900})
    visit(page, server, reverse("listing-detail", args=[listing.pk]))
    assert no_horizontal_overflow(page)
    shot(page, "72-listing-detail-390")
    visit(page, server, reverse("listing-list") + "?tab=listed")
    assert no_horizontal_overflow(page)
    assert errors == []
