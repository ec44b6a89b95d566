"""Debian chromium 中的窄屏巡检：每个角色登录，在 390×844 的手机宽度下打开导航能到的每个内部页面，
以及从这些页面链出的演示对象的详情页（每种地址一页），页面本身都不横向滚动
（`document.documentElement.scrollWidth <= window.innerWidth`；宽表格变成卡片，或在自己的框里滚动）。

数据：演示数据（两个县区的组织、事项、账号、主体、人员与一项已批准的任务），任务走完抽取仪式，
于是有抽取、匹配结果、检查对象与工作清单。截图（390 px 与 1366 px）在 SHOTS_DIR（默认 /tmp/shots-h/）。
"""

import os
import re
import tempfile
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest

from shuangsui.tests.browser import TIMEOUT_MS, artifact_name, base_url, login

pytestmark = pytest.mark.browser

ROLES = ["admin", "planner", "leader", "business", "head", "inspector", "joint", "witness"]
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1366, "height": 900}
SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots-h"))
SKIP = re.compile(
    r"^/(api|admin|logout|static)/|/(files?|download|export|xlsx|csv)\b|\.(xlsx|csv|json|txt|docx|zip)$"
)
PER_ROLE = 40  # 每个角色最多巡检多少种地址


def pattern(path):
    """同一种页面只看一次：数字与代码换成占位符。"""
    return re.sub(
        r"/[0-9A-Z][0-9A-Za-z\-]{2,}(?=/|$)", "/<id>", re.sub(r"/\d+(?=/|$)", "/<n>", path)
    )


def overflow(page):
    return page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth,"
        " wide: [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right"
        " > window.innerWidth + 1 && !e.closest('.scroll-x, table.list'))"
        ".slice(0, 3).map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className)})"
    )


def internal_links(page, root):
    hrefs = page.eval_on_selector_all(
        "header nav a[href], main a[href]", "els => els.map(e => e.getAttribute('href'))"
    )
    out = []
    for href in hrefs:
        url = urlparse(urljoin(page.url, href))
        if f"{url.scheme}://{url.netloc}" != root or SKIP.search(url.path):
            continue
        out.append(url.path + (f"?{url.query}" if url.query and "page=" not in url.query else ""))
    return out


@pytest.fixture
def demo_live_server(live_server, transactional_db, settings):
    """演示数据（小规模）加一次完成的抽取：有抽取页、匹配结果、检查对象与工作清单可看。"""
    from django.core.cache import cache

    from shuangsui.core.models import User
    from shuangsui.demo import data as demo
    from shuangsui.draws import services as draws

    settings.DRAW_FILES_ROOT = tempfile.mkdtemp(prefix="shuangsui-narrow-")
    cache.clear()
    result = demo.load(entities=400, inspectors=40, seed=7)
    task = result["task"]
    planner, witness = (User.objects.get(username=n) for n in ("planner", "witness"))
    draw = draws.freeze(task, planner)
    draws.commit(draw, planner, value="执行方-秘密值-窄屏巡检-2026")
    draws.commit(draw, witness, value="见证方-秘密值-窄屏巡检-2026")
    draws.reveal(draw, planner, "执行方-秘密值-窄屏巡检-2026")
    draws.reveal(draw, witness, "见证方-秘密值-窄屏巡检-2026")
    draws.run(draw, planner)
    return live_server


def sweep(page, root, role):
    """从工作台出发，先看导航能到的页面，再看它们链出的详情页；返回 [(地址, 宽度)] 中溢出的。"""
    seen, problems, queue = set(), [], ["/"]
    queue += internal_links(page, root)
    visited = 0
    while queue and visited < PER_ROLE:
        path = queue.pop(0)
        key = pattern(path.split("?")[0])
        if key in seen:
            continue
        seen.add(key)
        response = page.goto(root + path)
        if response is None or response.status != 200:
            continue  # 本角色不可看的页面（403）不在这次巡检的范围
        if "html" not in (response.headers.get("content-type") or ""):
            continue
        visited += 1
        found = overflow(page)
        name = artifact_name(f"{role}-{key}")
        page.screenshot(path=str(SHOTS / f"390-{name}.png"), full_page=True)
        if found["scroll"] > found["inner"]:
            problems.append((path, found))
        queue += [p for p in internal_links(page, root) if pattern(p.split("?")[0]) not in seen]
    return visited, problems


def test_every_internal_page_fits_a_phone(browser, demo_live_server):
    root = base_url(demo_live_server)
    SHOTS.mkdir(parents=True, exist_ok=True)
    all_problems, total = [], 0
    for role in ROLES:
        context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=DESK)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        try:
            login(page, demo_live_server, role)
            page.screenshot(path=str(SHOTS / f"1366-{role}-home.png"), full_page=True)
            page.set_viewport_size(PHONE)
            visited, problems = sweep(page, root, role)
            assert visited >= 3, f"{role} 只看了 {visited} 个页面"
            total += visited
            all_problems += [(role, path, found) for path, found in problems]
            if role == "planner":  # 桌面宽度下的几个页面，供人看
                page.set_viewport_size(DESK)
                for path in ("/audit/", "/directory/entities/", "/plans/tasks/"):
                    page.goto(root + path)
                    page.screenshot(
                        path=str(SHOTS / f"1366-{role}-{artifact_name(path)}.png"), full_page=True
                    )
        finally:
            context.close()
    assert total >= 40, f"一共只巡检了 {total} 个页面"
    assert not all_problems, "390 px 宽时页面横向溢出：\n" + "\n".join(
        f"  {role} {path}: 宽 {found['scroll']} > {found['inner']}，如 {found['wide']}"
        for role, path, found in all_problems
    )
