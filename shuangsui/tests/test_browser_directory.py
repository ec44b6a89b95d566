"""Debian chromium 中的页面测试：计划管理（planner）登录，导入市场主体文件，看坏文件的错误报告，
按名称片段查找市场主体；以及各主要页面的截图巡检（截图在 test-artifacts/）。"""

import csv
import io
import re

import openpyxl
import pytest
from django.urls import reverse
from playwright.sync_api import expect

from shuangsui.core import scope
from shuangsui.core.models import User
from shuangsui.directory import uscc
from shuangsui.directory.models import Entity
from shuangsui.tests.browser import login, shot, visit
from shuangsui.tests.test_browser_jobs import worker  # noqa: F401 - 夹具：后台工作进程

pytestmark = pytest.mark.browser

PLANNER = "planner"  # 计划管理（信用监管），丰泽区局信用监管股
HEADERS = ["统一社会信用代码", "名称", "主体类型", "所属单位", "登记状态", "信用风险分类"]


def planner_entities():
    """planner 辖区（丰泽区）内的市场主体，即名录页面应当列出的范围。"""
    return scope.scoped(Entity.objects.all(), User.objects.get(username=PLANNER), "directory.view")


def search(page, text):
    """在名录页的“名称或代码”框里查找。"""
    page.get_by_label("名称或代码").fill(text)
    with page.expect_navigation():
        page.get_by_role("button", name="查询").click()
    expect(page.get_by_label("名称或代码")).to_have_value(text)


def listed_names(page):
    return page.locator("table.list tbody tr td:nth-child(2)").all_inner_texts()


def expect_total(page, n):
    expect(page.get_by_text(re.compile(r"^共 \d+ 户$"))).to_have_text(f"共 {n} 户")


def fragments(name, size):
    return [name[i : i + size] for i in range(len(name) - size + 1)]


def new_uid(n, kind="1"):
    """丰泽区一户名录中还没有的主体的合法代码（演示数据的组织机构代码部分只用数字）。"""
    return uscc.make(f"9{kind}350503MA{n:07d}")


def with_bad_check_digit(code):
    return code[:17] + next(c for c in uscc.ALPHABET if c != code[17])


def entity_csv(rows):
    """按导入模板的表头写 CSV（UTF-8 带 BOM，Excel 另存的样子）。"""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def upload(page, filename, data, status):
    """在导入页选文件、点“导入”：经后台任务页到结果页。"""
    page.get_by_label("文件（CSV 或 XLSX）").set_input_files(
        files=[{"name": filename, "mimeType": "text/csv", "buffer": data}]
    )
    page.get_by_role("button", name="导入", exact=True).click()
    page.wait_for_url("**/jobs/*/")  # 后台任务页：工作进程做完后转到结果页
    page.wait_for_url("**/transfer/import/entities/job/*/", timeout=60_000)


def test_it_finds_an_entity_by_part_of_its_name(page, seeded_live_server):
    server = seeded_live_server
    visible = planner_entities()
    names = list(visible.values_list("name", flat=True))
    # 一户企业，取它名称中间的三个字（字号；SQLite 上走 FTS5 trigram 索引），以及它名称里能查出
    # 几户但又不到一半的两个字（SQLite 上回落到 LIKE）
    target = visible.filter(entity_type="enterprise").order_by("uid").first()
    assert target is not None and target.name.startswith("泉州")
    three = target.name[2:5]

    def hits(part):
        return sum(part in x for x in names)

    two = max(
        (p for p in fragments(target.name, 2) if hits(p) <= len(names) // 2),
        key=lambda p: (hits(p), p),
    )
    other = (
        Entity.objects.exclude(pk__in=visible.values("pk")).order_by("uid").first()
    )  # 鲤城区的一户：planner 看不到

    visit(page, server, reverse("login"))
    shot(page, "01-login")
    login(page, server, PLANNER)
    expect(page.locator("h1")).to_contain_text("工作台")
    expect(page.locator("header .who")).to_contain_text("计划管理")

    page.get_by_role("navigation").get_by_role("link", name="检查对象名录库").click()
    expect(page.locator("h1")).to_have_text("检查对象名录库 · 市场主体")
    expect_total(page, len(names))
    shot(page, "02-entity-list")
    # 表格形式（宽于 640 px）下 18 位代码一行写完，不在中间折断；窄屏的卡片里才允许折
    page.set_viewport_size({"width": 760, "height": 900})
    lines = page.evaluate(
        "[...document.querySelectorAll('#entity-table td code')].map(e => "
        "e.getClientRects().length)"
    )
    assert lines and set(lines) == {1}, lines
    page.set_viewport_size({"width": 1280, "height": 900})

    for n, part in [(3, three), (2, two)]:
        search(page, part)
        expected = sorted(x for x in names if part in x)
        assert target.name in expected
        assert len(expected) < len(names), f"片段“{part}”不够有区分度"
        expect_total(page, len(expected))
        assert sorted(listed_names(page)) == expected
        expect(page.get_by_role("link", name=target.uid)).to_be_visible()
        shot(page, f"03-search-{n}-chars")

    # 辖区之外的主体，按全名也查不到
    search(page, other.name)
    expect_total(page, 0)
    expect(page.get_by_text("没有符合条件的市场主体")).to_be_visible()

    # 从结果进详情
    search(page, three)
    page.get_by_role("link", name=target.uid).click()
    expect(page.locator("h1")).to_have_text(target.name)
    expect(page.locator("dl.fields")).to_contain_text(target.uid)


@pytest.mark.usefixtures("worker")
def test_it_imports_an_entity_file_and_reports_a_bad_one(
    page, seeded_live_server, settings, tmp_path
):
    # 错误报告由工作进程写在 tmp_path/uploads（worker 夹具设好），不进 var/
    server = seeded_live_server
    good = [
        [new_uid(1), "泉州蚵壳厝文创有限公司", "企业", "东海市场监督管理所", "存续", "A"],
        [new_uid(2, "2"), "丰泽区蟳埔海蛎煎小吃店", "个体工商户", "35050302", "存续", "B"],
        [new_uid(3), "泉州刺桐港茶业有限公司", "企业", "华大市场监督管理所", "存续", ""],
    ]
    bad_code = with_bad_check_digit(new_uid(5))
    bad = [
        [new_uid(4), "泉州后渚港船舶修造有限公司", "企业", "东湖市场监督管理所", "存续", "B"],
        [bad_code, "泉州洛阳桥石材有限公司", "企业", "东湖市场监督管理所", "存续", "C"],  # 第3行
        [new_uid(6), "泉州安平桥旅游有限公司", "企业", "东湖市场监督管理所", "存续", "A"],
    ]
    before = planner_entities().count()

    login(page, server, PLANNER)
    visit(page, server, reverse("entity-list"))
    page.get_by_role("link", name="导入", exact=True).click()
    expect(page.locator("h1")).to_have_text("导入市场主体")
    expect(page.locator("table.list")).to_contain_text("统一社会信用代码")
    shot(page, "20-import-page")

    # 合格的文件：全部写入，随后能按名称片段找到
    upload(page, "市场主体名录.csv", entity_csv(good), 200)
    expect(page.locator(".msg-success")).to_contain_text("导入成功")
    expect(page.locator(".msg-success")).to_contain_text("共 3 行，新增 3 条")
    shot(page, "21-import-success")
    assert planner_entities().count() == before + 3
    imported = Entity.objects.get(uid=good[1][0])
    assert (imported.name, imported.entity_type, imported.unit.code) == (
        "丰泽区蟳埔海蛎煎小吃店",
        "individual",
        "35050302",
    )

    page.get_by_role("link", name="检查对象名录库").last.click()
    search(page, "蚵壳厝")
    expect_total(page, 1)
    assert listed_names(page) == ["泉州蚵壳厝文创有限公司"]
    search(page, "海蛎")
    expect(page.get_by_role("link", name=good[1][0])).to_be_visible()
    shot(page, "22-import-then-search")

    # 第 3 行校验位错误：列出行号、列、值、原因，一行也不写
    visit(page, server, reverse("import", args=["entities"]))
    upload(page, "有错的名录.csv", entity_csv(bad), 400)
    expect(page.locator(".msg-error")).to_contain_text("没有写入任何数据")
    rows = page.locator("table.errors tbody tr")
    expect(rows).to_have_count(1)
    cells = rows.first.locator("td")
    expect(cells.nth(0)).to_have_text("第3行")
    expect(cells.nth(1)).to_have_text("统一社会信用代码")
    expect(cells.nth(2)).to_have_text(bad_code)
    expect(cells.nth(3)).to_contain_text("校验位错误")
    expect(cells.nth(3)).to_contain_text(f"应为 {uscc.check_char(bad_code[:17])}")
    shot(page, "23-import-errors")
    assert planner_entities().count() == before + 3
    assert not Entity.objects.filter(uid__in=[r[0] for r in bad]).exists()

    # 错误报告（XLSX）里是同一条错误
    with page.expect_download() as download:
        page.get_by_role("link", name="下载错误报告（XLSX）").click()
    assert download.value.suggested_filename == "市场主体导入错误报告.xlsx"
    saved = tmp_path / "report.xlsx"
    download.value.save_as(saved)
    sheet = openpyxl.load_workbook(saved, read_only=True).active
    report = list(sheet.iter_rows(values_only=True))
    assert report[0][:4] == ("行号", "列", "值", "原因")
    assert [str(x) for x in report[1][:3]] == ["3", "统一社会信用代码", bad_code]


SMOKE_PAGES = [
    # (截图名, 地址, 应有的一级标题片段)
    ("10-home", lambda e: reverse("home"), "工作台"),
    ("11-item-list", lambda e: reverse("item-list"), "随机抽查事项清单"),
    ("12-entity-list", lambda e: reverse("entity-list"), "检查对象名录库"),
    ("13-entity-detail", lambda e: reverse("entity-detail", args=[e.uid]), None),
    ("14-inspector-list", lambda e: reverse("inspector-list"), "执法检查人员名录库"),
]


def test_it_renders_the_main_pages_for_planner(page, seeded_live_server):
    server = seeded_live_server
    entity = planner_entities().order_by("uid").first()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, server, PLANNER)
    for name, path, heading in SMOKE_PAGES:
        visit(page, server, path(entity))
        h1 = page.locator("h1")
        expect(h1).to_have_count(1)
        expect(h1).to_contain_text(heading or entity.name)
        expect(page.locator("header.top nav")).to_contain_text("检查对象名录库")
        body = page.locator("body").inner_text()
        assert "Server Error" not in body and "Traceback" not in body, name
        shot(page, name)
    assert errors == []
