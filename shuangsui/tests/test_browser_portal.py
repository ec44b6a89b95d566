"""公开门户在 390×844 的手机宽度下：市民不登录，在“抽查结果公告”里用企业名称的两个字找到它的检查结果，
打开主体页、公告与任务的抽取核验页，下载公开记录、公开名单与核验程序，用 tools/verify_draw.py 独立复算；
每个到过的页面（事项、计划、任务、结果查询、主体、公告、任务、抽取、检查点、查询过于频繁）axe-core 都没有严重（serious）
或致命（critical）的无障碍问题，整页不横向滚动。截图在 test-artifacts/。"""

import datetime
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
from shuangsui.core.tests.base import make_entity, make_inspector
from shuangsui.directory.models import Entity
from shuangsui.inspections import services as inspections
from shuangsui.inspections.models import Inspection
from shuangsui.plans import services as plans
from shuangsui.plans.tests.helpers import full_ceremony, new_task
from shuangsui.publicity import services as publicity
from shuangsui.results import services as results
from shuangsui.results.tests.helpers import account
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
        regions=[station],  # 只抽东海所：所长审核、本所检查员检查
    )
    task = plans.approve_task(task, leader, allow_duplicates=True, duplicate_note="测试")
    return full_ceremony(task, planner, witness)


def publish_two(draw):
    """抽中的前两户由本所的两名检查员书面检查、所长审核通过，计划管理发布一批公告；第一户改名“泉州刺桐茶业”。"""
    users = get_user_model().objects
    planner, head = (users.get(username=n) for n in ("planner", "head"))
    station = OrgUnit.objects.get(code="35050301")
    person = make_inspector(station, "35050399001", qualifications=",企业公示,")
    other = make_inspector(station, "35050399002", qualifications=",企业公示,")
    user = account(person)
    targets = list(draw.inspections.filter(role="selected").order_by("rank")[:2])
    Entity.objects.filter(pk=targets[0].entity_id).update(name="泉州刺桐茶业有限公司")
    Inspection.objects.filter(pk=targets[0].pk).update(name="泉州刺桐茶业有限公司")
    item = draw.task.items.get()
    for target in targets:
        inspections.assign_directly(
            target, planner, [person.badge_no, other.badge_no], "测试：本所检查员"
        )
        data = dict(checked_from=datetime.date(2026, 3, 10), methods=["2"], codes=["1"])
        results.approve(head, results.submit(user, target, item, data))
    return publicity.publish(planner, draw.task)


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
    notice = publish_two(draw)
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
        # 市民用企业名称中的两个字查检查结果
        page.get_by_role("link", name="抽查结果公告").click()
        accessible(page, "results")
        box = page.get_by_label("按企业名称")
        box.fill("刺")
        page.get_by_role("button", name="查询").click()  # 浏览器先拦下（minlength=2）
        assert box.evaluate("e => e.validity.tooShort")
        visit(page, seeded_live_server, "/public/results/?q=%E5%88%BA")  # 绕过浏览器：服务端也说明
        expect(page.get_by_role("alert")).to_contain_text("至少输入 2 个字")
        accessible(page, "results-too-short")
        page.get_by_label("按企业名称").fill("刺桐")
        page.get_by_role("button", name="查询").click()
        expect(page.locator("main")).to_contain_text("1 未发现问题")
        accessible(page, "results-search")
        page.get_by_role("link", name="泉州刺桐茶业有限公司").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("泉州刺桐茶业有限公司")
        accessible(page, "entity")
        page.get_by_role("link", name=notice.title).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(notice.title)
        accessible(page, "notice")
        page.get_by_role("link", name="丰泽区企业公示信息抽查").first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("丰泽区企业公示信息抽查")
        expect(page.locator("main")).to_contain_text("泉州市丰泽区市场监督管理局")  # 抽查机关是局
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
        assert "核验通过" in done.stdout
        page.get_by_role("link", name="留痕检查点").click()
        accessible(page, "checkpoints")
        for n in range(130):  # 同一客户端一分钟内超过 60 次查询：429 页（计数按整分钟的窗口）
            answer = page.request.get(f"{base_url(seeded_live_server)}/public/tasks/?q=x{n}")
            if answer.status == 429:
                break
        assert answer.status == 429
        visit(
            page, seeded_live_server, "/public/results/?q=%E8%8C%B6%E4%B8%9A", status=429
        )  # “茶业”
        expect(page.get_by_role("heading", level=1)).to_have_text("查询过于频繁")
        accessible(page, "429")
        assert base_url(seeded_live_server) in page.url
    finally:
        context.close()
