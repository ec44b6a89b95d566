"""Debian chromium 中的监管看板：局领导“leader”打开看板，五张图都画出来（canvas 上有像素，控制台
没有错误），每张图旁的表格与图中的数据一致；从看板下载统计表（XLSX，打开核对表名与合计行）；
手机宽度 390 px 下没有横向滚动。

数据：seeded_live_server 再加 1500 户主体、40 名检查人员，演示的年度计划与任务（demo.seed_tasks）、检查中的任务
（demo/checks.py）与已完成的小任务（demo/stats.py），所以各图都有数字，也有逾期提醒。
"""

import io
import random

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from shuangsui.tests.browser import login, shot, visit

pytestmark = pytest.mark.browser

CHARTS = ("plan", "stations", "codes", "credit", "overdue")


@pytest.fixture
def dashboard_server(seeded_live_server):
    from shuangsui.core.models import OrgUnit, User
    from shuangsui.demo import data as demo
    from shuangsui.demo.checks import seed_checks
    from shuangsui.demo.stats import seed_stats

    county = OrgUnit.objects.get(code="350503")
    demo.generate_entities(county, 1500, random.Random(7))
    demo.generate_inspectors(county, 40, random.Random(7))
    plan, _ = demo.seed_tasks(county, User.objects.get(username="planner"))
    assert seed_stats(county, seed_checks(county, plan)) is not None
    return seeded_live_server


def chart_and_table(page, key):
    """(图中的类目与各系列数据, 表格中的各行)：类目按文字、数据按数值比较。"""
    option = page.evaluate(
        """key => {
            const o = echarts.getInstanceByDom(document.getElementById('chart-' + key)).getOption();
            return {cats: o.xAxis[0].data.map(String),
                    series: o.series.map(s => s.data.map(Number))};
        }""",
        key,
    )
    rows = page.evaluate(
        """key => [...document.querySelectorAll('#table-' + key + ' tbody tr')].map(
            tr => [...tr.children].map(c => c.textContent.trim()))""",
        key,
    )
    return option, rows


def painted(page, key):
    """canvas 上不透明的像素数（抽样）。"""
    return page.evaluate(
        """key => {
            const c = document.querySelector('#chart-' + key + ' canvas');
            if (!c) return 0;
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0;
            for (let i = 3; i < d.length; i += 4 * 16) if (d[i] > 0) n++;
            return n;
        }""",
        key,
    )


def test_leader_sees_the_charts_with_matching_tables_and_downloads(dashboard_server, page):
    from shuangsui.stats import services

    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, dashboard_server, "leader")
    year = services.today().year
    visit(page, dashboard_server, f"{reverse('dashboard')}?year={year}")
    for key in CHARTS:
        page.wait_for_selector(f"#chart-{key}[data-rendered='1'] canvas")
        assert painted(page, key) > 50, f"{key}: 图没有画出来"
        option, rows = chart_and_table(page, key)
        assert [r[0] for r in rows] == option["cats"], key
        for i, series in enumerate(option["series"]):
            assert [float(r[i + 1]) for r in rows] == series, key
    stations = chart_and_table(page, "stations")[0]
    assert "东海市场监督管理所" in stations["cats"]
    assert sum(int(v) for v in stations["series"][1]) >= 3  # 已检查（演示的小任务 3 户）
    codes = chart_and_table(page, "codes")[0]["cats"]
    assert any(c.startswith("6 ") for c in codes), codes
    assert page.locator("#overdue li").count() >= 1
    assert "工作总结" in page.locator("#reminders").inner_text()
    assert page.locator("#completeness").is_visible()
    shot(page, "dashboard-leader")
    with page.expect_download() as download:
        page.click("#download-xlsx")
    data = open(download.value.path(), "rb").read()
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet["A1"].value == f"{year}年“双随机、一公开”抽查统计表"
    assert sheet["A2"].value == "填报单位：泉州市丰泽区市场监督管理局"
    last = [c.value for c in sheet[sheet.max_row]]
    assert last[0] == "合计" and last[2] >= 3
    assert errors == []


def test_the_dashboard_fits_a_phone(dashboard_server, browser):
    from shuangsui.stats import services

    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    try:
        login(page, dashboard_server, "leader")
        visit(page, dashboard_server, f"{reverse('dashboard')}?year={services.today().year}")
        for key in CHARTS:
            page.wait_for_selector(f"#chart-{key}[data-rendered='1'] canvas")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.evaluate("window.innerWidth"), f"看板横向溢出 {width}"
        shot(page, "dashboard-390")
    finally:
        context.close()
