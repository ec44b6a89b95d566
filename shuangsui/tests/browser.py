"""页面测试的夹具：Playwright 驱动 Debian 的 chromium，访问 pytest-django 的 live_server。

- `browser`：整个测试会话共用一个 chromium。路径取 PLAYWRIGHT_CHROMIUM_EXECUTABLE（默认
  /usr/bin/chromium），从不下载 Playwright 自带的浏览器。找不到浏览器时 CI（CI=true）中失败，本机跳过。
- `page`：每个测试一个新的浏览器上下文（cookie 是干净的）；测试失败时把截图和页面 HTML 存到
  test-artifacts/。
- `seeded_live_server`：建好组织单元、抽查事项、演示账号、几十户市场主体和几名检查人员的 live_server。
- `login(page, live_server, username)` 经登录页登录；`visit` 打开页面并核对状态码；`shot` 截图到
  test-artifacts/。

与 Django 配合的两处：

1. live_server 在另外的线程里处理请求，每个请求线程自己连库。SQLite 内存库只能让这些线程共用测试
   线程的那一个连接（pytest-django 就是这么做的），浏览器并发请求时并不可靠；所以 `pytest_configure`
   在没有设置 SQLITE_TEST_PATH 时把 SQLite 测试库放到临时目录下的文件里（与生产一样走 WAL）。
2. Playwright 同步 API 在两次调用之间把主线程的 asyncio 事件循环标记为“正在运行”，Django 见此会拒绝
   同步的 ORM 调用（SynchronousOnlyOperation），asyncio.run() 也会报错。用浏览器的测试期间设置
   DJANGO_ALLOW_ASYNC_UNSAFE；测试一结束就关掉这期间的数据库连接、撤下“正在运行”的标记（下一个
   浏览器测试开始时再恢复），会话里其后的测试因此不受影响，PostgreSQL 测试库也能照常删除。
"""

import asyncio
import glob
import os
import random
import re
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--lang=zh-CN",
]
TIMEOUT_MS = 10_000  # 单个动作的等待上限；本机服务，正常远小于此

_reports = pytest.StashKey[dict]()
_sqlite_files = []  # 本进程建的 SQLite 测试库文件
_driver = None  # 运行中的 Playwright 与浏览器（_Driver）


def in_ci():
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes", "on")


def unavailable(reason):
    """缺少浏览器等外部条件：CI 中判失败（不许悄悄跳过），本机跳过。"""
    if in_ci():
        pytest.fail(f"{reason}（CI=true：页面测试不能跳过）", pytrace=False)
    pytest.skip(reason)


# ---- SQLite 测试库用文件 ------------------------------------------------------------


def pytest_configure(config):
    try:
        from django.conf import settings
        from django.core.exceptions import ImproperlyConfigured
    except ImportError:
        return
    try:
        databases = settings.DATABASES
    except ImproperlyConfigured:  # 以 -p no:django 运行纯函数测试时
        return
    for alias, db in databases.items():
        if db.get("ENGINE") != "django.db.backends.sqlite3":
            continue
        test = db.setdefault("TEST", {})
        name = str(test.get("NAME") or "")
        if name and name != ":memory:" and "mode=memory" not in name:
            continue  # 已指定文件（SQLITE_TEST_PATH）
        path = Path(tempfile.gettempdir()) / f"shuangsui-test-{os.getpid()}-{alias}.sqlite3"
        test["NAME"] = str(path)
        _sqlite_files.append(str(path))


def pytest_unconfigure(config):
    # Django 销毁测试库时删掉库文件；这里再清理 WAL 的 -wal、-shm（pytest-xdist 会加 _gwN 后缀）
    for name in _sqlite_files:
        for leftover in glob.glob(glob.escape(name) + "*"):
            try:
                os.remove(leftover)
            except OSError:
                pass
    _sqlite_files.clear()


# ---- 失败时截图 -----------------------------------------------------------------------


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    item.stash.setdefault(_reports, {})[report.when] = report
    return report


def _test_failed(node):
    return any(r.failed for r in node.stash.get(_reports, {}).values())


def artifact_name(text):
    return re.sub(r"[^\w.-]+", "_", text).strip("_")[-150:]


def shot(page, name):
    """当前页面的整页截图，存为 test-artifacts/browser-<数据库>-<name>.png；返回路径。"""
    from django.db import connection

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"browser-{connection.vendor}-{artifact_name(name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# ---- 浏览器 ---------------------------------------------------------------------------


class _Driver:
    """会话内唯一的 Playwright 与 chromium。"""

    def __init__(self, executable):
        from playwright.sync_api import sync_playwright

        self.playwright = sync_playwright().start()
        self.loop = asyncio._get_running_loop()  # Playwright 的事件循环，此刻标记为运行中
        try:
            self.browser = self.playwright.chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_ARGS, timeout=60_000
            )
        except BaseException:
            self.playwright.stop()
            raise

    def attach(self):
        """Playwright 调用之前：恢复事件循环的“正在运行”标记（它的调度依赖这一点）。"""
        asyncio._set_running_loop(self.loop)

    def detach(self):
        """浏览器测试之外：撤下标记，Django 与 asyncio 照常工作。"""
        asyncio._set_running_loop(None)

    def close(self):
        self.attach()
        try:
            self.browser.close()
        finally:
            self.playwright.stop()
            self.detach()


def _chromium_path():
    configured = os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE") or DEFAULT_CHROMIUM
    return shutil.which(configured) or (configured if os.access(configured, os.X_OK) else None)


def _check_cjk_fonts():
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return
    found = subprocess.run(
        [fc_list, ":lang=zh-cn", "family"], capture_output=True, text=True, check=False
    ).stdout.strip()
    if not found:
        message = "没有中文字体（apt-get install fonts-noto-cjk）：截图中的中文会显示为方框"
        if in_ci():
            pytest.fail(message, pytrace=False)
        warnings.warn(message, stacklevel=2)


@pytest.fixture(scope="session")
def browser():
    global _driver
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        unavailable("没有安装 Playwright（pip install -e '.[test]'）")
    executable = _chromium_path()
    if executable is None:
        unavailable(
            "找不到 chromium：请 apt-get install chromium fonts-noto-cjk，"
            "或用 PLAYWRIGHT_CHROMIUM_EXECUTABLE 指定（不要用 playwright install）"
        )
    _check_cjk_fonts()
    driver = _Driver(executable)
    driver.detach()  # 由 _browser_test 在每个浏览器测试期间恢复
    _driver = driver
    try:
        yield driver.browser
    finally:
        _driver = None
        driver.close()


@pytest.fixture(autouse=True)
def _browser_test(request):
    """用到浏览器的测试：允许同步 ORM，测试期间恢复 Playwright 的事件循环标记，结束后撤下。"""
    if "browser" not in request.fixturenames:
        yield
        return
    from django.db import connections

    request.getfixturevalue("browser")  # 先启动浏览器（会话内一次；缺浏览器时在此跳过或失败）
    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    _driver.attach()
    try:
        yield
    finally:
        # 事件循环标记为运行中时，Django 把本线程的数据库连接存在另一处（asgiref 的 Local 按
        # contextvar 存）；撤下标记之前关掉它们，否则连接一直开着，PostgreSQL 测试库就删不掉
        connections.close_all()
        if _driver is not None:
            _driver.detach()
        if saved is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


@pytest.fixture
def page(browser, request):
    context = browser.new_context(
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 1280, "height": 900},
        accept_downloads=True,
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        try:
            if _test_failed(request.node) and not page.is_closed():
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                stem = ARTIFACTS / f"FAILED-{artifact_name(request.node.nodeid)}"
                page.screenshot(path=f"{stem}.png", full_page=True)
                Path(f"{stem}.html").write_text(page.content(), encoding="utf-8")
        finally:
            context.close()


# ---- 数据与登录 -----------------------------------------------------------------------


@pytest.fixture
def seeded_live_server(live_server, transactional_db):
    """live_server，库中有：两个县（区）的组织单元与抽查事项、每个角色的演示账号（丰泽区用户名不带后缀，
    鲤城区带 _350502），丰泽区 36 户、鲤城区 6 户市场主体，丰泽区 8 名检查人员。密码 demo.DEMO_PASSWORD。"""
    from django.core.cache import cache

    from shuangsui.demo import data as demo

    cache.clear()  # 登录失败计数在进程内缓存里，别的测试留下的计数会挡住登录
    counties = demo.build_org()
    for county in counties.values():
        demo.build_items(county)
        demo.build_users(county)
    rng = random.Random(1)
    demo.generate_entities(counties["350503"], 36, rng)
    demo.generate_entities(counties["350502"], 6, rng)
    demo.generate_inspectors(counties["350503"], 8, rng)
    return live_server


def base_url(live_server):
    return str(getattr(live_server, "url", live_server)).rstrip("/")


def visit(page, live_server, path, status=200):
    """打开 path，核对 HTTP 状态码；返回响应。"""
    response = page.goto(base_url(live_server) + path)
    assert response is not None, path
    assert response.status == status, f"{path}: HTTP {response.status}"
    return response


def login(page, live_server, username, password=None):
    """经登录页登录，落到工作台。"""
    from django.urls import reverse
    from playwright.sync_api import expect

    from shuangsui.demo import data as demo

    visit(page, live_server, reverse("login"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password or demo.DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(base_url(live_server) + reverse("home"))
    expect(page.locator("header .who")).to_be_visible()
    return page


def confirm_and_wait(page, selector, says=""):
    """点一个不可撤销操作的按钮：先弹出确认对话框（说明将发生什么、不可撤销），点“确认”后等页面跳转。
    返回对话框里的说明文字。"""
    from playwright.sync_api import expect

    page.locator(selector).click()
    dialog = page.locator("dialog#confirm-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#confirm-warning")).to_have_text("此操作不可撤销。")
    if says:
        expect(dialog.locator("#confirm-text")).to_contain_text(says)
    text = dialog.locator("#confirm-text").inner_text()
    with page.expect_navigation():
        dialog.locator("#confirm-ok").click()
    return text
