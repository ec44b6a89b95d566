"""Debian chromium 中的页面测试：两个用户经页面走完一次抽取仪式。

计划管理（planner）在任务表单页新建任务、批准、预览并冻结名单，在浏览器中算出承诺值（秘密值不离开
页面）后提交；监督见证方（witness）在另一个浏览器上下文里登录，输入秘密值提交承诺；双方揭示，
planner 录入公开随机值并执行抽取。随后核对入选名次、经页面链接下载记录与名单并用
tools/verify_draw.py 独立复算，最后确认同一任务不能再次冻结。截图在 test-artifacts/。
"""

import hashlib
import json
import re
import subprocess
import sys
from decimal import Decimal
from urllib.parse import parse_qs

import openpyxl
import pytest
from django.urls import reverse
from playwright.sync_api import expect

from shuangsui.core.choices import UnitLevel
from shuangsui.core.models import OrgUnit
from shuangsui.draws import protocol
from shuangsui.draws.choices import DrawStatus, PartyRole, TargetRole
from shuangsui.draws.models import Draw, DrawParty
from shuangsui.inspectors.models import Inspector
from shuangsui.plans.choices import TaskStatus
from shuangsui.plans.models import Task
from shuangsui.tests.browser import (
    ROOT,
    TIMEOUT_MS,
    base_url,
    confirm_and_wait,
    login,
    shot,
    visit,
)

pytestmark = pytest.mark.browser

VERIFY = ROOT / "tools" / "verify_draw.py"
ITEM = "FJSC-011 食品销售者检查"  # 重点事项：不设比例上限，也不受一般领域的频次上限约束
RATIOS = {"B": "0.2", "C": "0.5", "D": "0.5"}
RESERVES = {"B": "2"}
WITNESS_SECRET = "见证方-秘密值-2026-潮汐"
PUBLIC = ("lottery", "2026-05-10 福建体彩 03 11 17")


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
    """点一个提交表单的按钮，等页面跳转完成（POST 之后重定向回任务页）。"""
    with page.expect_navigation():
        page.locator(selector).click()


def expect_message(page, text, kind="success"):
    expect(page.locator(f".msg-{kind}")).to_contain_text(text)


def column(page, table, n):
    return page.locator(f"{table} tbody tr td:nth-child({n})").all_inner_texts()


def verify(*paths):
    """用独立的核验程序（只用标准库）复算；返回 (退出码, 输出)。"""
    done = subprocess.run(
        [sys.executable, str(VERIFY), *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def download(page, selector, folder):
    with page.expect_download() as info:
        page.locator(selector).click()
    path = folder / info.value.suggested_filename
    info.value.save_as(path)
    return path


def qualify_inspectors():
    """演示的 8 名检查人员各管一个所、资质随机；这里让他们都具备食品安全资质、在岗、负责全区各所，
    匹配结果页上才有人名可看（人员库在冻结时快照，须在冻结之前改）。"""
    county = OrgUnit.objects.get(code="350503")  # 丰泽区
    people = list(Inspector.objects.filter(scope_path__startswith=county.path))
    stations = OrgUnit.objects.filter(level=UnitLevel.STATION, path__startswith=county.path)
    stations = ",".join(sorted(stations.values_list("code", flat=True)))
    for person in people:
        person.qualifications = f",{','.join(sorted({*person.qualification_list, '食品安全'}))},"
        person.regions = f",{stations},"
        person.on_duty = True
        person.save()
    return people


def fill_task_form(page):
    """像用户那样填任务表单：选事项、发起部门、检查方式、期间，分类比例与备选户数。"""
    expect(page.locator("h1")).to_have_text("新建抽查任务（抽查方案）")
    page.get_by_label("年度", exact=True).fill("2026")
    page.locator("#field-items").get_by_label(ITEM).check()
    dept = page.locator("#id_lead_department option", has_text="食品安全监管股").first
    page.locator("#id_lead_department").select_option(dept.get_attribute("value"))
    methods = page.locator("#field-methods")
    methods.get_by_label("实地检查").check()
    methods.get_by_label("检验检测").check()
    page.get_by_label("开始日期", exact=True).fill("2026-12-01")
    page.get_by_label("完成时限", exact=True).fill("2026-12-31")
    expect(page.locator("#field-statuses").get_by_label("存续")).to_be_checked()
    expect(page.get_by_label("分层", exact=True)).to_have_value("credit")
    expect(page.get_by_label("配额方式", exact=True)).to_have_value("class_ratio")
    for label, ratio in RATIOS.items():
        # 页面上按百分数输入：0.2 填作 20
        page.get_by_label(f"{label}类比例（%）", exact=True).fill(f"{Decimal(ratio) * 100:f}")
    for label, n in RESERVES.items():
        page.get_by_label(f"{label}类备选户数", exact=True).fill(n)
    page.get_by_label("备注", exact=True).fill("浏览器测试：两人抽取仪式")


def test_two_users_run_a_whole_ceremony_through_the_pages(
    page, browser, seeded_live_server, settings, tmp_path
):
    settings.DRAW_FILES_ROOT = tmp_path / "draws"  # 抽取文件不写进 var/
    server = seeded_live_server
    inspectors = qualify_inspectors()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sent_by_planner = []  # planner 的浏览器发出的每个请求（地址与表单内容）
    page.context.on("request", lambda r: sent_by_planner.append(f"{r.url}\n{r.post_data or ''}"))

    # ---- 新建任务（任务表单页）
    login(page, server, "planner")
    page.get_by_role("navigation").get_by_role("link", name="抽查任务").click()
    expect(page.locator("h1")).to_have_text("抽查任务（抽查方案）")
    page.locator("#new-task").click()
    fill_task_form(page)
    shot(page, "30-task-form")
    click_and_wait(page, "#btn-save-task")
    task = Task.objects.get()
    expect(page).to_have_url(base_url(server) + reverse("task-detail", args=[task.pk]))
    expect_message(page, f"已新建任务 {task.code}")
    expect(page.locator("#task-title")).to_have_text("丰泽区2026年度食品销售者抽查方案")
    expect(page.locator("#task-status")).to_have_text("草稿")
    assert task.class_ratios == RATIOS and task.reserves == {"B": 2}
    assert task.methods == ",1,4," and task.lead_department.name.endswith("食品安全监管股")
    assert [i.code for i in task.items.all()] == ["FJSC-011"]
    expect(page.locator("#task-check")).to_contain_text("符合批准条件")
    shot(page, "31-task-draft")

    # ---- 批准：制定人不能批准（职责分离），由 leader 在另一个浏览器上下文里批准
    expect(page.locator("#duplicate-warning")).to_have_count(0)
    expect(page.locator("#btn-approve")).to_have_count(0)
    expect(page.locator("#approve-separation")).to_contain_text("职责分离")
    task_path = reverse("task-detail", args=[task.pk])
    leader = new_page(browser)
    try:
        login(leader, server, "leader")
        visit(leader, server, task_path)
        confirm_and_wait(leader, "#btn-approve", "批准任务")
        expect_message(leader, "任务已批准")
        expect(leader.locator("#task-status")).to_have_text("已批准")
    finally:
        leader.context.close()
    visit(page, server, task_path)
    expect(page.locator("#task-status")).to_have_text("已批准")

    # 同一用户另开一个标签页停在冻结之前的任务页，最后用它的“冻结名单”按钮再试一次
    stale = page.context.new_page()
    visit(stale, server, task_path)
    expect(stale.locator("#btn-freeze")).to_be_visible()

    # ---- 预览与冻结
    page.locator("#btn-preview").click()
    expect(page.locator("#preview")).to_contain_text("名单预览（尚未冻结）")
    preview = page.locator("#preview").inner_text()
    shot(page, "32-preview")
    confirm_and_wait(page, "#btn-freeze", "冻结名单")
    expect_message(page, "名单已冻结")
    draw = Draw.objects.get(task=task)
    expect(page.locator(".draw-panel")).to_have_attribute("data-status", "frozen")
    expect(page.locator("#draw-status")).to_have_text("已冻结名单，收集承诺")
    expect(page.locator("#population-digest")).to_have_text(draw.population_digest)
    expect(page.locator("#btn-freeze")).to_have_count(0)
    quota_total = sum(draw.quotas.values())
    assert quota_total > 0 and set(draw.quotas) <= set(RATIOS)
    assert f"将抽取 {quota_total} 户" in preview
    strata = page.locator("#strata-table tbody tr")
    expect(strata).to_have_count(len(draw.strata))
    assert sum(map(int, column(page, "#strata-table", 4))) == quota_total
    expect(page.locator("#exclusion-counts")).to_contain_text("A类无事不扰")
    expect(page.locator("#missing-parties")).to_contain_text("任务执行方、监督见证方")

    # ---- planner 承诺：浏览器生成秘密值并算出承诺值，只提交承诺值
    expect(page.locator("#commit-label")).to_have_text("operator")
    page.locator("#btn-random-secret").click()
    secret = page.locator("#id_commit_value").input_value()
    assert re.fullmatch(r"[0-9a-f]{32}", secret)
    expect(page.locator("#secret-shown")).to_have_text(f"请抄写保管：{secret}")
    page.locator("#btn-compute-commitment").click()
    expected = protocol.commitment("operator", secret)
    expect(page.locator("#id_commitment")).to_have_value(expected)
    expect(page.locator("#id_commit_value")).to_have_value("")
    assert (
        expected == hashlib.sha256(f"shuangsui-commit-v1\noperator\n{secret}".encode()).hexdigest()
    )
    shot(page, "33-commit-computed")
    page.check("#id_secret_saved")
    with page.expect_request(lambda r: r.method == "POST" and "/commit/" in r.url) as sent:
        click_and_wait(page, "#btn-commit")
    posted = sent.value.post_data or ""
    form = parse_qs(posted, keep_blank_values=True)
    assert secret not in posted
    assert form["value"] == [""] and form["commitment"] == [expected]
    assert form["label"] == ["operator"]
    expect_message(page, "承诺已记录（operator）")
    mine = DrawParty.objects.get(draw=draw, label="operator")
    assert (mine.role, mine.commitment, mine.value) == (PartyRole.OPERATOR, expected, "")
    # 见证方还没有承诺：揭示按钮不可用
    expect(page.locator("#btn-reveal")).to_be_disabled()
    expect(page.locator("#reveal-form")).to_contain_text("还缺监督见证方")
    expect(page.locator("#parties-table tr[data-label=operator]")).to_contain_text(expected)
    shot(page, "34-operator-committed")

    # ---- witness 在另一个浏览器上下文里登录，输入秘密值承诺
    witness = new_page(browser)
    witness.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        login(witness, server, "witness")
        visit(witness, server, task_path)
        expect(witness.locator("#draw-status")).to_have_text("已冻结名单，收集承诺")
        expect(witness.locator("#btn-freeze")).to_have_count(0)
        expect(witness.locator("#btn-run")).to_have_count(0)
        expect(witness.locator("#commit-label")).to_have_text("witness")
        witness.locator("#id_commit_value").fill(WITNESS_SECRET)
        shot(witness, "35-witness-commit")
        witness.check("#id_secret_saved")
        click_and_wait(witness, "#btn-commit")
        expect_message(witness, "承诺已记录（witness）")
        theirs = DrawParty.objects.get(draw=draw, label="witness")
        assert theirs.role == PartyRole.WITNESS and theirs.value == ""
        assert theirs.commitment == protocol.commitment("witness", WITNESS_SECRET)
        expect(witness.locator("#parties-table tbody tr[data-label]")).to_have_count(2)
        expect(witness.locator("#missing-parties")).to_have_count(0)

        # 两方都已承诺：见证方先揭示；输错一次被拒绝
        expect(witness.locator("#btn-reveal")).to_be_enabled()
        witness.locator("#id_reveal_value").fill(WITNESS_SECRET + "错")
        click_and_wait(witness, "#btn-reveal")
        expect_message(witness, "揭示值与您的承诺不符", "error")
        witness.locator("#id_reveal_value").fill(WITNESS_SECRET)
        click_and_wait(witness, "#btn-reveal")
        expect_message(witness, "揭示值与承诺相符，已记录（witness）")
        expect(witness.locator(".draw-panel")).to_have_attribute("data-status", "revealing")
        expect(witness.locator("#reveal-form")).to_have_count(0)
        shot(witness, "36-witness-revealed")
    except BaseException:
        shot(witness, "FAILED-witness")
        raise
    finally:
        witness.context.close()

    # ---- planner 揭示、录入公开随机值、执行抽取
    visit(page, server, task_path)
    # 揭示之前，秘密值从未离开 planner 的浏览器，服务端也没有它
    assert sent_by_planner and not [r for r in sent_by_planner if secret in r]
    assert DrawParty.objects.get(draw=draw, label="operator").value == ""
    page.locator("#id_reveal_value").fill(secret)
    click_and_wait(page, "#btn-reveal")
    expect_message(page, "揭示值与承诺相符，已记录（operator）")
    expect(page.locator(".draw-panel")).to_have_attribute("data-status", "ready")
    page.locator("#id_public_label").fill(PUBLIC[0])
    page.locator("#id_public_value").fill(PUBLIC[1])
    shot(page, "37-ready")
    click_and_wait(page, "#btn-public")
    expect_message(page, "公开随机值已录入")
    expect(page.locator("#parties-table")).to_contain_text(PUBLIC[1])
    expect(page.locator("#public-form")).to_have_count(0)
    confirm_and_wait(page, "#btn-run", "执行抽取")
    expect_message(page, "抽取完成")
    draw.refresh_from_db()
    assert draw.status == DrawStatus.COMPLETED
    expect(page.locator(".draw-panel")).to_have_attribute("data-status", "completed")
    expect(page.locator("#draw-status")).to_have_text("已完成")
    expect(page.locator("#task-status")).to_have_text("已抽取")
    expect(page.locator("#draw-seed")).to_have_text(draw.seed)
    expect(page.locator("#btn-run")).to_have_count(0)

    # 入选名单：名次 1..K 依次排列，K 为各层配额之和；备选名单在另一张表里
    ranks = column(page, "#selected-table", 1)
    assert ranks == [str(i) for i in range(1, quota_total + 1)]
    assert draw.selected_count == quota_total
    selected = list(
        draw.targets.filter(role=TargetRole.SELECTED).order_by("rank").values_list("uid", flat=True)
    )
    assert column(page, "#selected-table", 2) == selected
    # 每户随机匹配 2 名检查人员（名单来自冻结的人员库快照）
    names = {p.name for p in inspectors}
    for cell in column(page, "#selected-table", 6):
        assert "人员不足" not in cell, cell
        people = re.findall(r"([^、（）]+)（[^）]+）", cell)
        assert len(people) == 2 and set(people) <= names, cell
    reserve_total = sum(draw.reserves.values())
    assert column(page, "#reserve-table", 1) == [str(i) for i in range(1, reserve_total + 1)]
    # 揭示之后各方的秘密值随记录公开
    expect(page.locator("#parties-table tr[data-label=operator]")).to_contain_text(secret)
    expect(page.locator("#parties-table tr[data-label=witness]")).to_contain_text(WITNESS_SECRET)
    shot(page, "38-completed")

    # ---- 经页面链接下载，用独立的核验程序复算
    files = tmp_path / "downloads"
    files.mkdir()
    got = {
        kind: download(page, f"#dl-{kind}", files)
        for kind in ("record", "population", "public_record", "public_population", "xlsx")
    }
    assert got["record"].name == f"{task.code}-01-record.json"
    record = json.loads(got["record"].read_text(encoding="utf-8"))
    assert record["seed"] == draw.seed
    assert record["population"]["digest"] == draw.population_digest
    assert [s["uid"] for s in record["selected"]] == selected
    assert record["quotas"] == draw.quotas and sum(record["quotas"].values()) == quota_total
    assert record["entropy"] == [
        f"operator={secret}",
        f"witness={WITNESS_SECRET}",
        f"{PUBLIC[0]}={PUBLIC[1]}",
    ]
    code, out = verify(got["record"], got["population"])
    assert code == 0, out
    code, out = verify(got["public_record"], got["public_population"])
    assert code == 0, out
    public = json.loads(got["public_record"].read_text(encoding="utf-8"))
    assert "quota_rule" not in public and "stratum" not in public["selected"][0]
    # 改动一个名次，核验程序就不认
    original = got["record"].read_text(encoding="utf-8")
    changed = original.replace('"rank": 1,', '"rank": 2,', 1)
    assert changed != original
    tampered = files / "tampered-record.json"
    tampered.write_text(changed, encoding="utf-8")
    assert verify(tampered, got["population"])[0] == 1
    sheet = openpyxl.load_workbook(got["xlsx"], read_only=True).active
    cells = {str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None}
    assert set(selected) <= cells

    click_and_wait(page, "#btn-verify")
    expect_message(page, "核验通过")

    # ---- 同一任务不能再次冻结：页面上没有按钮，旧标签页里的按钮被服务端拒绝
    expect(page.locator("#btn-freeze")).to_have_count(0)
    expect(page.locator("#btn-preview")).to_have_count(0)
    confirm_and_wait(stale, "#btn-freeze")
    expect_message(stale, "该任务已有一次有效的抽取", "error")
    expect(stale.locator("#draw-status")).to_have_text("已完成")
    shot(stale, "39-second-freeze-refused")
    assert Draw.objects.filter(task=task).count() == 1
    task.refresh_from_db()
    assert task.status == TaskStatus.DRAWN
    assert errors == []
