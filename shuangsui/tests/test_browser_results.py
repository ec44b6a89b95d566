"""Debian chromium 中的页面测试（手机宽度 390×844）：检查结果从工作清单到审核完成。

场景沿用 test_browser_worklist.py：东海所约 190 户企业，三名执法人员（含演示账号“inspector”），任务
FJSC-001 实地检查、每户两名执法人员。抽取与派发直接调用服务；此后全经页面：“inspector”在手机上打开
工作清单，点开一户，录入一项结果并拍照上传（照片由 Pillow 生成），提交；所长“head”在待审核清单中
打开、写明原因退回；检查人员在工作清单上看到“已退回”，改正后再提交；所长审核通过；对象变为“已检查”，
计划管理在任务页上看到进度前进。每页都核对没有横向滚动（scrollWidth ≤ innerWidth），截图在
test-artifacts/。
"""

import io
import random
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from shuangsui.catalog.models import InspectionItem
from shuangsui.core.models import OrgUnit, User
from shuangsui.draws import services as draws
from shuangsui.inspections.models import Assignment, Inspection
from shuangsui.inspectors.models import Inspector
from shuangsui.results.models import Result
from shuangsui.tests.browser import TIMEOUT_MS, base_url, login, shot, visit
from shuangsui.tests.test_browser_worklist import (
    ITEM,
    STATION,
    add_entities,
    drawn_and_revealed,
    staff_the_station,
)

pytestmark = pytest.mark.browser


def phone(browser):
    context = browser.new_context(
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def no_overflow(page, name):
    width = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    assert width <= inner, f"{name}: 页面横向溢出 {width} > {inner}"
    shot(page, name)


def small_taps(page, selector):
    """selector 中高度小于 44 px 的可见元素的文字。"""
    return page.evaluate(
        """sel => [...document.querySelectorAll(sel)]
            .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
            .map(e => e.textContent.trim() || e.outerHTML.slice(0, 80))""",
        selector,
    )


def jpeg(tmp_path):
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (1200, 900), (240, 240, 230))
    draw = ImageDraw.Draw(img)
    draw.rectangle([100, 100, 1100, 800], outline=(180, 30, 30), width=20)
    path = tmp_path / "现场照片.jpg"
    buf = io.BytesIO()
    img.save(buf, "JPEG")
    path.write_bytes(buf.getvalue())
    return path


def test_a_result_is_entered_on_a_phone_returned_corrected_and_approved(
    browser, seeded_live_server, settings, tmp_path
):
    settings.DRAW_FILES_ROOT = tmp_path / "draws"
    settings.MEDIA_ROOT = tmp_path / "uploads"
    server = seeded_live_server
    station = OrgUnit.objects.get(code=STATION)
    me = Inspector.objects.get(user__username="inspector")
    add_entities(station, random.Random(11))
    staff_the_station(station, me)
    draw = drawn_and_revealed(station)
    draws.run(draw, User.objects.get(username="planner"))
    task = draw.task
    item = InspectionItem.objects.get(unit=station.county, code=ITEM)
    mine = Inspection.objects.filter(
        draw=draw, assignments__inspector=me, assignments__active=True
    ).order_by("deadline", "rank")
    target = mine.first()
    assert target is not None
    errors = []

    # ---- 检查人员：工作清单 → 对象 → 事项表单，拍照、提交
    ip = phone(browser)
    ip.on("pageerror", lambda exc: errors.append(str(exc)))
    login(ip, server, "inspector")
    visit(ip, server, reverse("worklist"))
    no_overflow(ip, "50-results-worklist-390")
    row = ip.locator(f"#work-{target.pk}")
    expect(row.locator("a.tel")).to_have_attribute("href", re.compile(r"^tel:139"))
    row.locator(".result-link").click()
    expect(ip).to_have_url(base_url(server) + reverse("result-target", args=[target.pk]))
    expect(ip.locator("#entity-tel")).to_have_attribute("href", f"tel:{target.entity.phone}")
    no_overflow(ip, "51-results-target-390")
    assert small_taps(ip, "#result-items a.button") == []
    ip.locator(f"li[data-item='{ITEM}'] .item-link").click()
    expect(ip.locator("#item-title")).to_contain_text(item.name)
    expect(ip.locator("#guide")).to_contain_text("年度报告公示信息")  # 检查要点
    photo = ip.locator("#photos")
    expect(photo).to_have_attribute("accept", "image/*")
    expect(photo).to_have_attribute("capture", "environment")
    today = timezone.localdate().isoformat()
    ip.locator("#checked_from").fill(today)
    ip.locator("#methods input[value='1']").check()
    ip.locator("#codes input[name=codes][value='1']").check()
    # 同组两名执法人员默认勾选为到场人员
    expect(ip.locator("#present input:checked")).to_have_count(2)
    photo.set_input_files(str(jpeg(tmp_path)))
    assert small_taps(ip, "#result-form label.box, #result-form button") == []
    no_overflow(ip, "52-results-form-390")
    with ip.expect_navigation():
        ip.locator("#btn-save").click()
    expect(ip.locator(".msg-success")).to_contain_text("已保存草稿，上传 1 个文件")
    expect(ip.locator("#attachments img")).to_have_count(1)
    thumb = ip.locator("#attachments img").first
    expect(thumb).to_have_js_property("complete", True)
    assert thumb.evaluate("e => e.naturalWidth") > 0
    with ip.expect_navigation():
        ip.locator("#btn-submit").click()
    expect(ip.locator(".msg-success")).to_contain_text("已提交（待审核）")
    expect(ip.locator(f"li[data-item='{ITEM}'] .item-status")).to_have_text("待审核")
    result = Result.objects.get(inspection=target, item=item)
    assert result.status == "submitted" and result.attachments.count() == 1

    # ---- 所长：待审核 → 退回（写明原因）
    hp = phone(browser)
    hp.on("pageerror", lambda exc: errors.append(str(exc)))
    login(hp, server, "head")
    expect(hp.locator("#todos")).to_contain_text("待审核的检查结果 1 项")
    visit(hp, server, reverse("result-review"))
    no_overflow(hp, "53-results-review-list-390")
    hp.locator(f"#review-list li[data-result='{result.pk}'] a.button").click()
    expect(hp.locator("#review")).to_be_visible()
    expect(hp.locator(".result-view img")).to_have_count(1)
    no_overflow(hp, "54-results-review-390")
    with hp.expect_navigation():
        hp.locator("#btn-return").click()
    expect(hp.locator(".msg-error")).to_contain_text("退回须写明原因")
    hp.locator("#return-reason").fill("现场照片未显示经营场所门头，请补充说明")
    with hp.expect_navigation():
        hp.locator("#btn-return").click()
    expect(hp.locator(".msg-success")).to_contain_text("已退回检查人员")

    # ---- 检查人员：工作清单上的“已退回”，改正后再提交
    visit(ip, server, reverse("worklist"))
    expect(ip.locator(f"#work-{target.pk} .work-returned")).to_have_text("已退回 1 项")
    visit(ip, server, reverse("home"))
    expect(ip.locator("#todos .todo-returned")).to_contain_text("现场照片未显示经营场所门头")
    ip.locator("#todos .todo-returned a").click()
    expect(ip.locator("#returned-reason")).to_contain_text("现场照片未显示经营场所门头")
    ip.locator("#facts").fill("经营场所门头与登记住所一致，照片为店内公示栏。")
    no_overflow(ip, "55-results-returned-form-390")
    with ip.expect_navigation():
        ip.locator("#btn-submit").click()
    expect(ip.locator(f"li[data-item='{ITEM}'] .item-status")).to_have_text("待审核")

    # ---- 所长审核通过；对象已检查
    visit(hp, server, reverse("result-form", args=[target.pk, item.pk]))
    with hp.expect_navigation():
        hp.locator("#btn-approve").click()
    expect(hp.locator(".msg-success")).to_contain_text("已审核通过")
    expect(hp.locator("#target-status")).to_have_text("已检查")
    no_overflow(hp, "56-results-approved-390")
    target.refresh_from_db()
    assert target.status == "completed"
    assert Result.objects.get(inspection=target, item=item).status == "approved"
    # 检查人员看到的是只读结果，提出更正要写原因
    visit(ip, server, reverse("result-form", args=[target.pk, item.pk]))
    expect(ip.locator("#result-form")).to_have_count(0)
    expect(ip.locator("#correct")).to_be_visible()

    # ---- 计划管理：任务页的进度前进
    pp = phone(browser)
    login(pp, server, "planner")
    visit(pp, server, reverse("task-detail", args=[task.pk]))
    drawn = Inspection.objects.filter(draw=draw).count()
    expect(pp.locator("#progress-drawn")).to_have_text(str(drawn))
    expect(pp.locator("#progress-reviewed")).to_have_text("1")
    shot(pp, "57-results-task-progress-390")
    assert Assignment.objects.filter(inspection=target, inspector=me, active=True).exists()
    assert errors == []
    for p in (ip, hp, pp):
        p.context.close()
