"""本包的页面测试夹具与钩子（定义见 browser.py）。

若别的包也要用这些夹具，在根目录 conftest.py 加 `pytest_plugins = ["shuangsui.tests.browser"]`；
此处的导入随之可以删去（保留也无妨：重复注册的钩子都是幂等的）。
"""

from shuangsui.tests.browser import (  # noqa: F401
    _browser_test,
    browser,
    page,
    pytest_configure,
    pytest_runtest_makereport,
    pytest_unconfigure,
    seeded_live_server,
)
