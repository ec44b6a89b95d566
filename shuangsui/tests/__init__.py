"""跨模块的测试：Debian chromium 中的页面测试（夹具见 browser.py）。"""
