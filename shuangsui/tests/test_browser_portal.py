"""公开门户在 390×844 的手机宽度下：市民不登录，从任务公告找到任务，打开抽取核验页，下载公开记录、
公开名单与核验程序，用 tools/verify_draw.py 独立复算；每个到过的页面 axe-core 都没有严重（serious）
或致命（critical）的无障碍问题，整页不横向滚动。截图在 test-artifacts/。"""

import subprocess
import sys
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from shuangsui.catalog.models import InspectionItem
from shuangsui.core import audit
from shuangsui.core.models import OrgUnit
from shuangsui.core.tests.base import make_entity
from shuangsui.plans import services as plans
from shuangsui.plans.tests.helpers import full_ceremony, new_task
from shuangsui.tests.browser import ROOT, TIMEOUT_MS, base_url, shot, visit

pytestmark = pytest.mark.browser

VERIFY = ROOT / "tools" / "verify_draw.py"


def drawn_task():
    """丰泽区一项按信用分类分层、已完成抽取的任务（演示账号 planner 制定、leader 批准、witness 见证）。"""
    users = get_user_model().objects
    planner, leader, witness = (users.get(username=n) for n in ("planner", "leader", "witness"))
    county = OrgUnit.objects.get(code="350503")
    station = OrgUnit.objects.get(code="35050301")
    for n, cls in enumerate("BBBCCDDU", start=700):
        make_entity(station, n, credit_class=cls)
    item = InspectionItem.objects.create(
        unit=county, code="T-PUB", name="企业公示信息抽查", kind="general", ratio_cap=Decimal("1")
    )
    task = new_task(
        planner,
        county,
        (item.code,),
        name="丰泽区企业公示信息抽查",
        quota_mode="class_count",
        class_counts={"B": 2, "C": 1, "D": 1},
        inspectors_per_target=1,
    )
    task = plans.approve_task(task, leader, allow_duplicates=True, duplicate_note="测试")
    return full_ceremony(task, planner, witness)


def accessible(page, name):
    """axe-core 不报告 serious 或 critical 的问题；整页不横向滚动；截图。"""
    results = Axe().run(page)
    bad = [
        f"{v['id']}（{v['impact']}）：{v['help']} → {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{name}：" + "；".join(bad)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{name}：页面宽 {width}px，出现横向滚动"
    shot(page, f"portal-{name}")


def test_it_lets_a_citizen_verify_a_draw_on_a_phone(
    browser, seeded_live_server, settings, tmp_path
):
    settings.DRAW_FILES_ROOT = str(tmp_path / "draws")
    draw = drawn_task()
    audit.checkpoint("测试")
    context = browser.new_context(
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        accept_downloads=True,
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        visit(page, seeded_live_server, "/public/")
        expect(page.get_by_role("heading", level=1)).to_have_text("抽查事项清单")
        accessible(page, "items")
        page.get_by_role("link", name="抽查计划公告").click()
        accessible(page, "plans")
        page.get_by_role("link", name="抽查任务公告").click()
        page.get_by_label("按任务名称或编号查询").fill("公示信息")
        page.get_by_role("button", name="查询").click()
        accessible(page, "tasks")
        page.get_by_role("link", name="丰泽区企业公示信息抽查").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("丰泽区企业公示信息抽查")
        accessible(page, "task")
        page.get_by_role("link", name="第 1 次抽取").click()
        expect(page.locator("main")).to_contain_text(draw.seed)
        accessible(page, "draw")
        files = {}
        for label in ("公开抽取记录（JSON）", "公开名单（CSV）", "核验程序 verify_draw.py"):
            with page.expect_download() as info:
                page.get_by_role("link", name=label).click()
            files[label] = tmp_path / info.value.suggested_filename
            info.value.save_as(files[label])
        assert files["核验程序 verify_draw.py"].read_bytes() == VERIFY.read_bytes()
        done = subprocess.run(
            [
                sys.executable,
                str(VERIFY),
                str(files["公开抽取记录（JSON）"]),
                str(files["公开名单（CSV）"]),
            ],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        page.get_by_role("link", name="抽查结果公告").click()
        accessible(page, "results")
        page.get_by_role("link", name="留痕检查点").click()
        accessible(page, "checkpoints")
        assert base_url(seeded_live_server) in page.url
    finally:
        context.close()
