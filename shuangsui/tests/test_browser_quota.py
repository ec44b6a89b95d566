"""Debian chromium 中的页面测试：按 000 号方案（丰泽区 2024 年上半年）的配额录入任务。

“按去年末企业实有总数 3.5% 比例进行抽取”，并按企业信用风险分类差异化抽查：planner 在计划页填写基数
日期（名录统计基数）与官方实有数，在任务页选“基数比例”、填 3.5（即 3.5%）与各类权重；批准前的
检查列出各类户数与比例，总数恰为基数 × 3.5%，按“人数 × 权重”分配。另一位有批准权限的用户（leader，职责分离）
批准、冻结、执行抽取，每一步都先弹出确认；抽取完成的页面顶部是摘要，入选名单分页。
截图（1366 与 390 像素宽）存在 test-artifacts/。
"""

import datetime
import random

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from shuangsui.core.choices import UnitLevel
from shuangsui.core.models import OrgUnit
from shuangsui.demo import data as demo
from shuangsui.directory.models import Entity
from shuangsui.draws import services as draws
from shuangsui.draws.choices import DrawStatus
from shuangsui.draws.models import Draw
from shuangsui.inspections.models import Dispatch
from shuangsui.plans.models import AnnualPlan, Task
from shuangsui.plans.quota import base_total, weighted_split
from shuangsui.tests.browser import TIMEOUT_MS, confirm_and_wait, login, shot, visit
from shuangsui.tests.test_browser_ceremony import qualify_inspectors

pytestmark = pytest.mark.browser

OFFICIAL_BASE = 2000  # 官方实有数（户）
SOURCE = "区统计局 2023 年末企业实有数（含未年报）"
WEIGHTS = {"B": "1", "C": "3", "D": "5"}  # A 类无事不扰（不进入名单）；未分类用默认权重
SIZES = {"B": 700, "C": 200, "D": 100}  # 另加的存续企业（种子数据里还有几十户随机主体）
DESK, PHONE = {"width": 1366, "height": 900}, {"width": 390, "height": 844}


def add_enterprises(county):
    stations = list(OrgUnit.objects.filter(level=UnitLevel.STATION, path__startswith=county.path))
    rng = random.Random(2024)
    rows, seen = [], set(Entity.objects.values_list("uid", flat=True))
    for cls, n in SIZES.items():
        for i in range(n):
            uid = demo.entity_code(rng, "1", county.code)
            while uid in seen:
                uid = demo.entity_code(rng, "1", county.code)
            seen.add(uid)
            station = stations[i % len(stations)]
            rows.append(
                Entity(
                    uid=uid,
                    name=f"泉州测试{cls}{i}贸易有限公司",
                    entity_type="enterprise",
                    unit=station,
                    scope_path=station.path,
                    region_code=county.code,
                    industry_code="F51",
                    status="active",
                    established=datetime.date(2015, 1, 1),
                    credit_class=cls,
                    annual_report="not_reported" if i % 9 == 0 else "reported",
                )
            )
    Entity.objects.bulk_create(rows, batch_size=2000)


WIDE = """() => { const w = window.innerWidth; const out = [];
for (const el of document.querySelectorAll('body *')) { const r = el.getBoundingClientRect();
 if (r.right > w + 1) out.push(el.tagName + '#' + el.id + '.' + el.className + ' ' + Math.round(r.right)); }
return [document.documentElement.scrollWidth, out.slice(0, 12)]; }"""


def no_horizontal_overflow(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def both_widths(page, name, *, narrow_ok=True):
    """1366 与 390 像素宽各截一张整页图；390 宽时页面不得横向滚动（narrow_ok=False 时只截图）。"""
    page.set_viewport_size(DESK)
    desk = shot(page, f"{name}-1366")
    page.set_viewport_size(PHONE)
    assert not narrow_ok or no_horizontal_overflow(page), (
        f"{name}：390 像素宽时页面横向溢出",
        page.evaluate(WIDE),
    )
    phone = shot(page, f"{name}-390")
    page.screenshot(path=str(phone).replace("-390.png", "-390-screen.png"))  # 手机第一屏
    page.set_viewport_size(DESK)
    return desk, phone


def class_table(page):
    rows = {}
    for row in page.locator("#class-quotas tbody tr").all():
        cells = row.locator("td").all_inner_texts()
        rows[row.get_attribute("data-class")] = {
            "size": int(cells[1]),
            "weight": cells[2],
            "quota": int(cells[3]),
            "ratio": cells[4],
        }
    return rows


def test_seed_000_quota_is_3_5_percent_of_the_base_split_by_weight(
    page, browser, seeded_live_server, settings, tmp_path
):
    settings.DRAW_FILES_ROOT = tmp_path / "draws"
    server = seeded_live_server
    county = OrgUnit.objects.get(code="350503")
    add_enterprises(county)
    # 8 名检查人员都具备资质、负责全区；其中 6 名只负责东海所：其他所的对象只有 2 名合格人员，
    # 这两人很快达到人均上限，之后的对象须放宽上限（匹配页上逐户说明原因）
    people = sorted(qualify_inspectors(), key=lambda p: p.badge_no)
    for person in people[2:]:
        person.regions = ",35050301,"
        person.save()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_viewport_size(DESK)

    # ---- 计划：基数日期（名录统计）与官方实有数（注明来源）
    login(page, server, "planner")
    visit(page, server, reverse("plan-create"))
    expect(page.locator("#field-kind .req")).to_be_visible()  # 必填项有标记
    page.get_by_label("年度", exact=True).fill("2024")
    page.locator("#field-items").get_by_label("FJSC-001 企业公示信息的抽查").check()
    page.get_by_label("抽查比例（%）").fill("3.5")
    page.get_by_label("基数日期").fill("2023-12-31")
    page.get_by_label("官方实有数（户）").fill(str(OFFICIAL_BASE))
    # 填了官方实有数却没写来源：错误显示在“实有数来源”旁边
    with page.expect_navigation():
        page.locator("#btn-save-plan").click()
    expect(page.locator("#errors-base_source")).to_have_text("填写官方实有数时请注明来源")
    both_widths(page, "50-plan-form-error")
    page.get_by_label("实有数来源").fill(SOURCE)
    with page.expect_navigation():
        page.locator("#btn-save-plan").click()
    plan = AnnualPlan.objects.get()
    assert plan.ratio == plan.ratio.__class__("0.035") and plan.base == OFFICIAL_BASE
    snapshot = Entity.objects.filter(
        scope_path__startswith=county.path, entity_type="enterprise", status="active"
    ).exclude(established__gt=datetime.date(2023, 12, 31))
    assert plan.base_snapshot == snapshot.count()
    expect(page.locator("#base-snapshot")).to_contain_text(f"名录统计：{plan.base_snapshot} 户")
    expect(page.locator("#base-official")).to_contain_text(f"官方实有数：{OFFICIAL_BASE} 户")
    expect(page.locator("#base-official")).to_contain_text(SOURCE)
    both_widths(page, "51-plan-bases")

    # ---- 任务：基数比例 3.5%，各类权重
    page.locator("#btn-new-task").click()
    expect(page.locator("h1")).to_have_text("新建抽查任务（抽查方案）")
    page.locator("#field-entity_types").get_by_label("企业", exact=True).check()
    page.get_by_label("开始日期", exact=True).fill("2024-05-13")
    page.get_by_label("完成时限", exact=True).fill("2024-07-20")
    page.get_by_label("配额方式", exact=True).select_option("base_ratio")
    expect(page.locator("#group-class-weights")).to_be_visible()
    expect(page.locator("#group-class-ratios")).to_be_hidden()
    # 权重的默认值来自本地区的抽查规则
    expect(page.get_by_label("C类权重", exact=True)).to_have_value("3")
    page.get_by_label("抽查比例（%）").fill("3.5")
    for label, weight in WEIGHTS.items():
        page.get_by_label(f"{label}类权重", exact=True).fill(weight)
    both_widths(page, "52-task-form-base-ratio")
    with page.expect_navigation():
        page.locator("#btn-save-task").click()
    task = Task.objects.get()
    assert (task.quota_mode, str(task.ratio), task.base_count) == ("base_ratio", "0.0350", None)
    assert task.is_differentiated

    # ---- 批准前：各类户数与比例；总数恰为基数 × 3.5%，按“人数 × 权重”分配
    total = base_total(OFFICIAL_BASE, "0.035")
    assert total == 70
    rows = class_table(page)
    assert {"B", "C", "D"} <= set(rows) and "A" not in rows  # A 类无事不扰
    sizes = {label: r["size"] for label, r in rows.items()}
    weights = {label: r["weight"] for label, r in rows.items()}
    assert {k: weights[k] for k in WEIGHTS} == WEIGHTS
    expected = weighted_split(total, sizes, weights)
    assert {label: r["quota"] for label, r in rows.items()} == expected
    assert sum(expected.values()) == total
    expect(page.locator("#class-quota-total")).to_have_text(str(total))
    expect(page.locator("#ratio-vs-base")).to_contain_text(
        f"将抽取 {total} 户 ÷ 基数 {OFFICIAL_BASE} 户 = 3.5%"
    )
    population = sum(sizes.values())
    expect(page.locator("#ratio-vs-population")).to_contain_text(
        f"将抽取 {total} 户 ÷ 名单 {population} 户"
    )
    expect(page.locator("#quota-rule")).to_contain_text(f"基数 {OFFICIAL_BASE} 户 × 3.5%")
    expect(page.locator("#task-check")).to_contain_text("符合批准条件")
    both_widths(page, "53-task-before-approval")

    # ---- 另一位有批准权限的用户批准、冻结：每一步先确认
    approver = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport=DESK, accept_downloads=True
    ).new_page()
    approver.context.set_default_timeout(TIMEOUT_MS)
    approver.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        login(approver, server, "leader")
        task_path = reverse("task-detail", args=[task.pk])
        visit(approver, server, task_path)
        # 取消：什么也不发生
        approver.locator("#btn-approve").click()
        dialog = approver.locator("dialog#confirm-dialog")
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text(f"批准任务 {task.code}")
        expect(dialog).to_contain_text("此操作不可撤销")
        both_widths(approver, "54-confirm-approve")
        dialog.locator("#confirm-cancel").click()
        expect(dialog).to_be_hidden()
        expect(approver.locator("#task-status")).to_have_text("草稿")
        task.refresh_from_db()
        assert task.status == "draft"
        confirm_and_wait(approver, "#btn-approve", "批准后任务不能再修改")
        expect(approver.locator("#task-status")).to_have_text("已批准")

        text = confirm_and_wait(approver, "#btn-freeze", "冻结名单")
        assert "只能申请作废后重新抽取" in text
        draw = Draw.objects.get(task=task)
        assert draw.quotas == {k: v for k, v in expected.items()} and draw.quota_rule == {}
        assert sum(draw.quotas.values()) == total

        # 双方承诺、揭示（服务层），页面上执行抽取（确认）
        operator, witness = (
            draw.frozen_by,
            task.created_by.__class__.objects.get(username="witness"),
        )
        draws.commit(draw, operator, value="leader-秘密值-000")
        draws.commit(draw, witness, value="witness-秘密值-000")
        draws.reveal(draw, operator, "leader-秘密值-000")
        draws.reveal(draw, witness, "witness-秘密值-000")
        visit(approver, server, task_path)
        confirm_and_wait(approver, "#btn-run", "执行抽取")
        draw.refresh_from_db()
        assert draw.status == DrawStatus.COMPLETED and draw.selected_count == total

        # ---- 完成的抽取：摘要在上（户数、种子、核验、链接），入选名单分页
        summary = approver.locator("#draw-summary")
        expect(summary.locator("#summary-selected")).to_have_text(str(total))
        expect(summary.locator("#draw-seed")).to_have_text(draw.seed)
        expect(summary.locator("#verify-status")).to_contain_text("已按公开协议自检")
        expect(summary.locator("#matching-link")).to_be_visible()
        expect(summary.locator("#groups-xlsx-link")).to_be_visible()
        ranks = approver.locator("#selected-table tbody tr td:nth-child(1)").all_inner_texts()
        assert ranks == [str(i) for i in range(1, 51)]
        expect(approver.locator("#draw-process")).not_to_have_attribute("open", "")
        both_widths(approver, "55-draw-completed")
        approver.locator("#selected-next").click()
        ranks = approver.locator("#selected-table tbody tr td:nth-child(1)").all_inner_texts()
        assert ranks == [str(i) for i in range(51, total + 1)]
        expect(approver.locator("#draw-summary")).to_be_visible()
        # 抽取详情页：摘要在第一屏，链接到匹配结果
        visit(approver, server, reverse("draw-detail", args=[draw.pk]))
        box = approver.locator("#draw-summary").bounding_box()
        assert box is not None and box["y"] + box["height"] < DESK["height"], box
        height = approver.evaluate("document.documentElement.scrollHeight")
        assert height < 4000, height  # 70 户的完成页；此前整页列出名单约 6000 像素
        both_widths(approver, "55b-draw-detail")

        # ---- 申请作废也先确认；取消则不提交
        approver.locator("#void-section summary").click()
        approver.get_by_label("作废原因").fill("演示：确认框")
        approver.locator("#btn-void-request").click()
        dialog = approver.locator("dialog#confirm-dialog")
        expect(dialog).to_contain_text(f"申请作废第 {draw.number} 次抽取")
        dialog.locator("#confirm-cancel").click()
        draw.refresh_from_db()
        assert not draw.void_pending

        # ---- 匹配结果页：说明人均上限；调整检查人员先确认
        summary = approver.locator("#draw-summary")
        visit(approver, server, reverse("draw-matching", args=[draw.pk]))
        expect(approver.locator("#cap-explained")).to_contain_text("人均上限")
        expect(approver.locator("#cap-explained")).to_contain_text("已放宽人均上限")
        cap = Dispatch.objects.get(draw=draw).caps[""]
        assert cap == -(-2 * total // len(people))  # ⌈2 × 70 ÷ 8⌉
        why = approver.locator("#matching-table small.flag-why")
        assert why.count() > 0
        expect(why.first).to_contain_text(f"尚未达到人均上限（{cap} 户）的只有")
        both_widths(approver, "56-matching")
        approver.locator("#matching-table tbody tr a").first.click()
        form = approver.locator(".reassign-form").first
        form.locator("input[name=reason]").fill("因病")
        form.locator(".btn-reassign").click()
        expect(dialog).to_contain_text("重新随机匹配一人")
        expect(dialog).to_contain_text("此操作不可撤销")
        # 检查详情页在 390 像素宽时的排版另有整页改造，这里只截图看确认框
        both_widths(approver, "57-confirm-reassign", narrow_ok=False)
        dialog.locator("#confirm-cancel").click()
    except BaseException:
        shot(approver, "FAILED-quota-approver")
        raise
    finally:
        approver.context.close()
    assert errors == []
