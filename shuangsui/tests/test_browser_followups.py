"""Debian chromium 中的页面测试：一户从审核通过、发现问题的结果，到所长登记责令改正（期限）、期满复查
（已改正）、责令改正完结；检查对象页上的“后续处置”一节与后续处置页在 390 px 宽时不横向滚动。
结果经服务录入与审核（结果页另有测试）；场景沿用 test_browser_worklist 的东海所。截图在 test-artifacts/。
"""

import datetime
import random

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from shuangsui.catalog.models import InspectionItem
from shuangsui.core.models import OrgUnit, User
from shuangsui.draws import services as draws
from shuangsui.followups import services as followups
from shuangsui.followups.models import FollowUp
from shuangsui.inspections.models import Inspection
from shuangsui.inspectors.models import Inspector
from shuangsui.results import services as results
from shuangsui.tests.browser import confirm_and_wait, login, shot, visit
from shuangsui.tests.test_browser_mailings import no_horizontal_overflow, submit
from shuangsui.tests.test_browser_worklist import (
    ITEM,
    STATION,
    add_entities,
    drawn_and_revealed,
    staff_the_station,
)

pytestmark = pytest.mark.browser
TODAY = timezone.localdate()
CHECKED = TODAY - datetime.timedelta(days=20)
DUE = TODAY - datetime.timedelta(days=5)
RECHECKED = TODAY - datetime.timedelta(days=3)


def narrow(page, name):
    page.set_viewport_size({"width": 390, "height": 900})
    assert no_horizontal_overflow(page), name
    shot(page, name)


def test_a_problem_result_goes_to_a_closed_order_after_a_recheck(
    page, seeded_live_server, settings, tmp_path
):
    settings.DRAW_FILES_ROOT = tmp_path / "draws"
    server = seeded_live_server
    followups.ensure_measures()
    station = OrgUnit.objects.get(code=STATION)
    me = Inspector.objects.get(user__username="inspector")
    add_entities(station, random.Random(7))
    staff_the_station(station, me)
    draw = drawn_and_revealed(station)
    draws.run(draw, User.objects.get(username="planner"))
    target = (
        Inspection.objects.filter(draw=draw, assignments__inspector=me, assignments__active=True)
        .order_by("rank")
        .first()
    )
    team = [a.inspector for a in target.assignments.filter(active=True, counts_as_officer=True)]
    item = InspectionItem.objects.get(unit=station.county, code=ITEM)
    r = results.submit(
        me.user,
        target,
        item,
        dict(
            checked_from=CHECKED,
            checked_to=CHECKED,
            methods=["1"],
            codes=["B"],
            facts="2025年度报告未公示股东出资信息。",
            provisions="《企业信息公示暂行条例》第八条",
            present=[p.pk for p in team],
        ),
    )
    results.approve(User.objects.get(username="head"), r)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    login(page, server, "head")
    visit(page, server, reverse("result-target", args=[target.pk]))
    expect(page.locator("#followup-needed")).to_contain_text("尚未登记后续处置")
    narrow(page, "70-followup-section-390")
    page.set_viewport_size({"width": 1366, "height": 900})
    with page.expect_navigation():
        page.locator("#followup-link").click()
    expect(page.locator("#problem-results")).to_contain_text("2025年度报告未公示股东出资信息")

    # 责令改正漏填期限：字段旁的中文提示，不写入
    submit(page, "#followup-form", measure="03", decided_on=CHECKED.isoformat())
    expect(page.locator("#errors-due_on")).to_have_text("责令改正须写明改正期限")
    assert not FollowUp.objects.exists()
    narrow(page, "71-followup-form-error-390")
    submit(
        page,
        "#followup-form",
        measure="03",
        decided_on=CHECKED.isoformat(),
        due_on=DUE.isoformat(),
        details="补报2025年度报告中的股东出资信息",
    )
    expect(page.locator(".msg-success")).to_have_text("已登记“责令改正”")
    expect(page.locator("#followup-status")).to_have_text("未完结")
    expect(page.locator("#followup-overdue")).to_have_text("已逾期")
    narrow(page, "72-followup-order-390")

    # 期满复查：已改正 → 责令改正完结，完结日期即复查日期
    page.set_viewport_size({"width": 1366, "height": 900})
    page.locator("#recheck-form [name=checked_on]").fill(RECHECKED.isoformat())
    page.locator("#recheck-form [name=checked_by]").fill("陈明、王芳")
    page.locator("#recheck-form [name=outcome]").select_option("corrected")
    said = confirm_and_wait(page, "#btn-recheck", says="责令改正随即完结")
    assert "不能修改" in said
    expect(page.locator("#followup-status")).to_have_text("已完结")
    expect(page.locator("#followup-closed-on")).to_have_text(RECHECKED.isoformat())
    expect(page.locator("#rechecks .recheck")).to_contain_text("已改正")
    narrow(page, "73-followup-closed-390")
    order = FollowUp.objects.get()
    assert (order.status, order.closed_on, order.rechecks.get().checked_by) == (
        "closed",
        RECHECKED,
        "陈明、王芳",
    )

    visit(page, server, reverse("followup-list") + "?show=closed")
    expect(page.locator(f"#followup-{order.pk}")).to_contain_text("完结于")
    narrow(page, "74-followup-list-390")
    assert errors == []
