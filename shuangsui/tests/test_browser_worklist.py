"""Debian chromium 中的页面测试：任务抽取并匹配检查人员之后，被匹配到的检查人员登录看“我的检查任务”。

场景：丰泽区东海所（35050301）有约 190 户存续的 B、C、D 类企业；演示账号“inspector”对应东海所的
一名执法人员，另有两名执法人员也负责东海所，共三人（都具备“企业公示”资质、在岗）。计划管理
（planner）的任务只抽东海所、抽查事项 FJSC-001（企业公示信息，一般事项，比例上限 5%）、检查方式
实地检查（每户两名执法人员），B、C、D 类各 5%，约 10 户。建任务、批准、冻结、双方承诺与揭示直接
调用服务（抽取仪式的页面另有 test_browser_ceremony.py）；此后经页面：planner 在抽取页执行抽取，
进入匹配结果页，核对每户的检查组成员、下载检查组名单 XLSX 核对执法证号、看工作量；“inspector”
在另一个浏览器上下文里登录，工作清单恰是其有效指派的对象，点开一户看“两单”；别人的对象 403，
匹配结果页、检查组名单与工作量对检查人员不开放。截图在 test-artifacts/。
"""

import random
import re

import openpyxl
import pytest
from django.urls import reverse
from playwright.sync_api import expect

from shuangsui.catalog.models import InspectionItem
from shuangsui.core.models import OrgUnit, User
from shuangsui.demo import data as demo
from shuangsui.directory.models import Entity
from shuangsui.draws import services as draws
from shuangsui.draws.choices import DrawStatus
from shuangsui.inspections.models import Assignment, Inspection
from shuangsui.inspectors.models import Inspector
from shuangsui.plans import services as plans
from shuangsui.tests.browser import TIMEOUT_MS, base_url, confirm_and_wait, login, shot, visit

pytestmark = pytest.mark.browser

STATION = "35050301"  # 东海市场监督管理所
ITEM = "FJSC-001"  # 企业公示信息的抽查：人员要求“企业公示”，演示的检查人员都具备
CHECK_POINTS = ["年度报告公示信息", "即时公示信息"]  # FJSC-001 的抽查子项
CLASSES = "B" * 160 + "C" * 20 + "D" * 10
RATIOS = {"B": "0.05", "C": "0.05", "D": "0.05"}  # 不超过 FJSC-001 的比例上限 5%
SECRETS = {"planner": "执行方-秘密值-东海所-2026", "witness": "见证方-秘密值-东海所-2026"}
DEADLINE = "2026-11-30"


def new_page(browser):
    """另一个用户用的浏览器上下文（cookie 与 page 夹具的互不相干），设置与 page 夹具相同。"""
    context = browser.new_context(
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 1280, "height": 900},
        accept_downloads=True,
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def click_and_wait(page, selector):
    with page.expect_navigation():
        page.locator(selector).click()


def add_entities(station, rng):
    """在东海所补充一批存续企业（有住所、法定代表人、联系电话），名单才够抽约 10 户。"""
    county = station.county
    rows = []
    for cls in CLASSES:
        brand = rng.choice(demo.TRADE) + rng.choice(demo.TRADE)[0]
        rows.append(
            Entity(
                uid=demo.entity_code(rng, "1", county.code),
                name=f"泉州{brand}贸易有限公司",
                entity_type="enterprise",
                unit=station,
                scope_path=station.path,
                region_code=county.code,
                industry_code="F51",
                address=f"福建省泉州市丰泽区{rng.choice(demo.STREETS)}{rng.randint(1, 999)}号",
                legal_rep=rng.choice(demo.SURNAMES)
                + rng.choice(demo.GIVEN)
                + rng.choice(demo.GIVEN),
                phone=f"139{rng.randint(0, 99999999):08d}",
                status="active",
                credit_class=cls,
                annual_report="reported",
            )
        )
    Entity.objects.bulk_create(rows)


def staff_the_station(station, me):
    """除“inspector”本人外，再让两名执法人员负责东海所（人员库在冻结时快照，须在冻结之前改）。"""
    colleagues = list(
        Inspector.objects.filter(scope_path__startswith=station.county.path, kind="officer")
        .exclude(pk=me.pk)
        .order_by("badge_no")[:2]
    )
    for person in colleagues:
        person.regions = f",{person.unit.code},{STATION},"
        person.on_duty = True
        person.save()
    return [me, *colleagues]


def drawn_and_revealed(station):
    """建任务、批准、冻结、双方承诺与揭示（服务调用）；返回待执行抽取的 Draw。"""
    planner = User.objects.get(username="planner")
    witness = User.objects.get(username="witness")
    task = plans.create_task(
        planner,
        items=[InspectionItem.objects.get(unit=station.county, code=ITEM)],
        regions=[station],
        year=2026,
        start_date="2026-10-01",
        deadline=DEADLINE,
        quota_mode="class_ratio",
        class_ratios=RATIOS,
        methods=["1"],  # 实地检查：每户至少两名执法人员
        lead_department=OrgUnit.objects.get(code="350503D01"),
        note="浏览器测试：检查人员的工作清单",
    )
    task = plans.approve_task(task, User.objects.get(username="leader"))
    draw = draws.freeze(task, planner)
    for user in (planner, witness):
        draws.commit(draw, user, value=SECRETS[user.username])
    for user in (planner, witness):
        draws.reveal(draw, user, SECRETS[user.username])
    draw.refresh_from_db()
    assert draw.status == DrawStatus.READY
    return draw


def team_badges(row):
    return [m.get_attribute("data-badge") for m in row.locator(".member[data-badge]").all()]


def db_teams(draw):
    """{uid: [有效指派的证号]}（顺序与页面相同：执法人员在前，按部门、顺序）。"""
    teams = {i.uid: [] for i in Inspection.objects.filter(draw=draw)}
    rows = (
        Assignment.objects.filter(inspection__draw=draw, active=True)
        .order_by("inspection_id", "-counts_as_officer", "department", "position", "id")
        .values_list("inspection__uid", "inspector__badge_no")
    )
    for uid, badge in rows:
        teams[uid].append(badge)
    return teams


def test_a_matched_inspector_sees_their_worklist(
    page, browser, seeded_live_server, settings, tmp_path
):
    settings.DRAW_FILES_ROOT = tmp_path / "draws"  # 抽取文件不写进 var/
    server = seeded_live_server
    station = OrgUnit.objects.get(code=STATION)
    me = Inspector.objects.select_related("unit").get(user__username="inspector")
    assert me.unit == station and me.kind == "officer" and me.on_duty
    assert "企业公示" in me.qualification_list
    add_entities(station, random.Random(7))
    staff = staff_the_station(station, me)
    badges = {p.badge_no for p in staff}
    draw = drawn_and_revealed(station)
    task = draw.task
    quota_total = sum(draw.quotas.values())
    assert 8 <= quota_total <= 14, draw.quotas
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # ---- planner 在抽取页执行抽取，回到任务页
    login(page, server, "planner")
    visit(page, server, reverse("draw-detail", args=[draw.pk]))
    expect(page.locator(".draw-panel")).to_have_attribute("data-status", "ready")
    confirm_and_wait(page, "#btn-run", "执行抽取")
    expect(page).to_have_url(re.compile(re.escape(reverse("task-detail", args=[task.pk]))))
    expect(page.locator(".msg-success")).to_contain_text(f"抽取完成：入选 {quota_total} 户")
    draw.refresh_from_db()
    assert draw.status == DrawStatus.COMPLETED and draw.selected_count == quota_total
    shot(page, "40-worklist-drawn")

    # ---- 匹配结果页：每户两名执法人员，全来自负责东海所的三人，与库中的有效指派一致
    page.locator("#matching-link").click()
    expect(page).to_have_url(base_url(server) + reverse("draw-matching", args=[draw.pk]))
    expect(page.locator("h1")).to_have_text(f"{task.name}：检查人员匹配与检查组")
    teams = db_teams(draw)
    assert len(teams) == quota_total
    rows = page.locator("#matching-table tbody tr[data-uid]")
    expect(rows).to_have_count(quota_total)
    expect(page.locator("#count-total")).to_have_text(str(quota_total))
    expect(page.locator("#count-pending")).to_have_text("0")
    assert not Inspection.objects.filter(draw=draw, needs_action=True).exists()
    expect(page.locator(".direct-form")).to_have_count(0)  # 没有待处理的对象
    shown = {r.get_attribute("data-uid"): team_badges(r) for r in rows.all()}
    assert shown == teams
    for uid, team in shown.items():
        assert len(team) == 2 and set(team) <= badges, (uid, team)
    mine = {uid for uid, team in teams.items() if me.badge_no in team}
    assert 0 < len(mine) < quota_total, "三人轮流，inspector 不会包揽或轮空"
    # 从页面上挑一户 inspector 在其检查组中的对象
    picked = page.locator(f"#matching-table tbody tr:has(.member[data-badge='{me.badge_no}'])")
    expect(picked).to_have_count(len(mine))
    picked_uid = picked.first.get_attribute("data-uid")
    assert picked_uid in mine
    shot(page, "41-worklist-matching")

    # 检查组名单 XLSX：每户的执法人员（执法证号），以及人员名单
    files = tmp_path / "downloads"
    files.mkdir()
    with page.expect_download() as info:
        page.locator("#dl-groups-xlsx").click()
    assert info.value.suggested_filename.endswith("groups.xlsx")
    xlsx = files / info.value.suggested_filename
    info.value.save_as(xlsx)
    book = openpyxl.load_workbook(xlsx, read_only=True)
    assert book.sheetnames == ["检查组名单", "检查人员名单", "检查事项清单"]
    sheet = list(book["检查组名单"].iter_rows(values_only=True))
    header = list(sheet[1])
    uid_col, officers_col = header.index("对象标识"), header.index("执法人员（执法证号）")
    listed = {row[uid_col]: row[officers_col] for row in sheet[2:]}
    assert set(listed) == set(teams)
    for uid, team in teams.items():
        assert re.findall(r"（([^）]+)）", listed[uid]) == team, (uid, listed[uid])
    people = list(book["检查人员名单"].iter_rows(values_only=True))
    badge_col = people[1].index("执法证号/人员编号")
    assert {row[badge_col] for row in people[2:]} == {b for t in teams.values() for b in t}
    items = [row[0] for row in book["检查事项清单"].iter_rows(values_only=True)]
    assert ITEM in items
    book.close()

    # 工作量：三人的有效指派数之和即 2 × 户数
    page.locator("#workload-link").click()
    expect(page).to_have_url(base_url(server) + reverse("draw-workload", args=[draw.pk]))
    load = {
        r.get_attribute("data-badge"): int(r.locator("td.count").inner_text())
        for r in page.locator("#workload-table tbody tr[data-badge]").all()
    }
    assert load[me.badge_no] == len(mine)
    assert set(load) <= badges and sum(load.values()) == 2 * quota_total
    shot(page, "42-worklist-workload")

    # ---- inspector 在另一个浏览器上下文里登录，看“我的检查任务”
    inspector = new_page(browser)
    inspector.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        login(inspector, server, "inspector")
        inspector.get_by_role("navigation").get_by_role("link", name="我的检查任务").click()
        expect(inspector).to_have_url(base_url(server) + reverse("worklist"))
        expect(inspector.locator("h1")).to_have_text("我的检查任务")
        expect(inspector.locator("#worklist-me")).to_have_text(
            f"检查人员：{me.name}（{me.badge_no}）"
        )
        work = inspector.locator("#worklist-table tbody tr[data-uid]")
        expect(work).to_have_count(len(mine))
        own = set(
            Inspection.objects.filter(
                assignments__inspector=me, assignments__active=True
            ).values_list("uid", flat=True)
        )
        assert own == mine
        assert {r.get_attribute("data-uid") for r in work.all()} == own
        expected = {i.uid: i for i in Inspection.objects.filter(draw=draw).select_related("entity")}
        for row in work.all():
            i = expected[row.get_attribute("data-uid")]
            text = row.inner_text()
            e = i.entity
            for shown_text in (e.name, e.address, e.legal_rep, e.phone, DEADLINE, task.code):
                assert shown_text in text, (i.uid, shown_text)
            for point in CHECK_POINTS:
                assert point in text, (i.uid, point)
            assert "检查方式：实地检查" in text
            # 逾期时日期之后另有“已逾期”
            assert row.locator("td.deadline .due-date").inner_text() == DEADLINE
            assert team_badges(row) == teams[i.uid]
        deadlines = work.locator("td.deadline .due-date").all_inner_texts()
        assert deadlines == sorted(deadlines)
        shot(inspector, "43-worklist-inspector")
        # 宽屏（1366）是表格：代码、事项编号与“录入检查结果”各占一行，不折断；平板（800）每户一张卡片、两列
        # 并排，页面不横向滚动
        inspector.set_viewport_size({"width": 1366, "height": 900})
        first = work.first
        code = first.locator("td[data-label='检查对象'] code")
        assert code.evaluate("e => e.getClientRects().length") == 1  # 行内元素每折一行多一个框
        button = first.locator("a.result-link")
        assert button.bounding_box()["height"] < 60  # 一行字的按钮（至少 44 px 高）
        # 别的列内容多、检查事项一列挤到最窄时（演示数据里就是这样），事项编号也不在连字符处折开
        # （FJSC-\n001）：给这一行别的格子补上长文字，在表格最窄的 1200 px 看
        inspector.set_viewport_size({"width": 1200, "height": 900})
        first.evaluate(
            """row => row.querySelectorAll("td").forEach(td => {
                if (td.dataset.label !== "检查事项") td.append(" 很长的内容".repeat(40));
            })"""
        )
        item_code = first.locator("td[data-label='检查事项'] code").first
        assert item_code.inner_text() == ITEM
        assert item_code.evaluate("e => e.getClientRects().length") == 1
        inspector.reload()
        inspector.set_viewport_size({"width": 800, "height": 900})
        assert inspector.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
        assert inspector.locator("#worklist-table thead").is_hidden()
        if work.count() > 1:
            a, b = (work.nth(k).bounding_box() for k in (0, 1))
            assert a["y"] == b["y"] and a["x"] < b["x"]  # 同一行的两张卡片
        inspector.set_viewport_size({"width": 1280, "height": 900})

        # 点开一户：两单（检查事项清单、检查人员名单）与联系信息
        inspector.locator(f"#worklist-table tr[data-uid='{picked_uid}'] .inspection-link").click()
        chosen = expected[picked_uid]
        expect(inspector).to_have_url(
            base_url(server) + reverse("inspection-detail", args=[chosen.pk])
        )
        expect(inspector.locator("#inspection-title")).to_have_text(chosen.name)
        fields = inspector.locator("#inspection-fields")
        expect(fields).to_contain_text(picked_uid)
        expect(inspector.locator("#entity-address")).to_have_text(chosen.entity.address)
        expect(inspector.locator("#entity-legal-rep")).to_have_text(chosen.entity.legal_rep)
        expect(inspector.locator("#entity-phone")).to_have_text(chosen.entity.phone)
        expect(inspector.locator("#inspection-deadline")).to_have_text(DEADLINE)
        expect(fields).to_contain_text("实地检查")
        expect(fields).to_contain_text(task.code)
        item_rows = inspector.locator("#inspection-items tbody tr")
        expect(item_rows).to_have_count(1)
        expect(item_rows).to_contain_text(ITEM)
        expect(item_rows).to_contain_text("、".join(CHECK_POINTS))
        team_rows = inspector.locator("#inspection-team tbody tr[data-badge]")
        assert [r.get_attribute("data-badge") for r in team_rows.all()] == teams[picked_uid]
        expect(
            inspector.locator(f"#inspection-team tr[data-badge='{me.badge_no}']")
        ).to_contain_text(me.name)
        # 检查人员只看不改：没有调整、指派的表单，也没有回到匹配结果页的链接
        expect(inspector.locator("#inspection-actions")).to_have_count(0)
        expect(inspector.locator(".reassign-form")).to_have_count(0)
        expect(inspector.locator("#back-to-matching")).to_have_count(0)
        shot(inspector, "44-worklist-inspection")

        # 别人的对象 403（记录存在，说明不是指派给本人）；匹配结果、检查组名单、本次抽取的工作量与抽取页对检查人员都不开放
        other = Inspection.objects.filter(draw=draw).exclude(uid__in=own).order_by("rank").first()
        visit(inspector, server, reverse("inspection-detail", args=[other.pk]), status=403)
        shot(inspector, "45-worklist-not-mine")
        for name in ("draw-matching", "draw-groups-xlsx", "draw-workload", "draw-detail"):
            response = inspector.goto(base_url(server) + reverse(name, args=[draw.pk]))
            assert response is not None and response.status in (403, 404), (name, response)
        visit(inspector, server, reverse("workload"), status=403)
    except BaseException:
        if not inspector.is_closed():
            shot(inspector, "FAILED-inspector")
        raise
    finally:
        inspector.context.close()
    assert errors == []
