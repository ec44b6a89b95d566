"""Debian chromium 中的页面测试：检查人员为自己的一户登记首次邮寄、登记退回、看到第二次寄出的窗口，
窗口外的日期被拒（中文提示），窗口内的第二次邮寄登记成功；390 px 宽时页面不横向滚动。
抽取经服务完成（抽取页另有测试）；场景沿用 test_browser_worklist 的东海所。截图在 test-artifacts/。
"""

import random

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from shuangsui.core.models import OrgUnit, User
from shuangsui.draws import services as draws
from shuangsui.inspections.models import Inspection
from shuangsui.inspectors.models import Inspector
from shuangsui.notices.models import Mailing
from shuangsui.tests.browser import login, shot, visit
from shuangsui.tests.test_browser_worklist import (
    STATION,
    add_entities,
    drawn_and_revealed,
    staff_the_station,
)

pytestmark = pytest.mark.browser


def no_horizontal_overflow(page):
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def submit(page, form, **fields):
    for name, value in fields.items():
        field = page.locator(f"{form} [name={name}]")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    with page.expect_navigation():
        page.locator(f"{form} button").click()


def test_an_inspector_records_a_return_and_the_second_mailing(
    page, seeded_live_server, settings, tmp_path
):
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
    assert mine is not None
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    login(page, server, "inspector")
    visit(page, server, reverse("inspection-detail", args=[mine.pk]))
    with page.expect_navigation():
        page.locator("#notice-link").click()
    expect(page.locator("#mail-none")).to_be_visible()
    expect(page.locator("#notice-docx-link")).to_be_visible()
    expect(page.locator("#notice-batch-link")).to_have_count(0)  # 本所批量只给所长

    # 首次邮寄与退回
    submit(page, "#mailing-form", method="registered", sent_on="2026-10-08", tracking_no="XA1008")
    expect(page.locator(".msg-success")).to_have_text("已登记邮寄")
    submit(
        page,
        ".outcome-form",
        outcome="returned",
        outcome_on="2026-10-15",
        return_reason="查无此单位",
    )
    expect(page.locator("#window-earliest")).to_have_text("2026-10-23")
    expect(page.locator("#window-latest")).to_have_text("2026-11-07")
    expect(page.locator("h2", has_text="登记第二次邮寄")).to_be_visible()

    # 窗口外（14 日）：去掉输入框的 min/max，让服务端来拒
    page.locator("#mailing-form [name=sent_on]").evaluate(
        "e => { e.removeAttribute('min'); e.removeAttribute('max'); }"
    )
    submit(page, "#mailing-form", method="ems", sent_on="2026-10-22", tracking_no="EMS22")
    expect(page.locator(".msg-error")).to_contain_text("两次邮寄的间隔须在 15 日至 30 日之间")
    assert Mailing.objects.filter(inspection=mine).count() == 1

    for width, name in ((390, "390"), (1366, "1366")):
        page.set_viewport_size({"width": width, "height": 900})
        assert no_horizontal_overflow(page), width
        shot(page, f"60-mailing-window-{name}")

    submit(page, "#mailing-form", method="ems", sent_on="2026-11-07", tracking_no="EMS1107")
    expect(page.locator(".msg-success")).to_have_text("已登记邮寄")
    expect(page.locator(".mail")).to_have_count(2)
    second = Mailing.objects.get(inspection=mine, sequence=2)
    assert (second.sent_on.isoformat(), second.tracking_no) == ("2026-11-07", "EMS1107")
    for width, name in ((390, "390"), (1366, "1366")):
        page.set_viewport_size({"width": width, "height": 900})
        assert no_horizontal_overflow(page), width
        shot(page, f"61-mailing-second-{name}")

    # 打印页在 390 px 也不横向滚动
    page.set_viewport_size({"width": 390, "height": 900})
    visit(page, server, reverse("notice-print", args=[mine.pk]))
    expect(page.locator(".notice .inspector", has_text=me.badge_no)).to_have_count(1)
    assert no_horizontal_overflow(page)
    shot(page, "62-notice-print-390")
    assert errors == []
