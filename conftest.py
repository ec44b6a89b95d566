"""测试全局设置：快速口令哈希（生产用 Argon2，测试不必付出它的代价）；测试运行自己的 SECRET_KEY。"""

import os
import secrets
import sys
import tempfile
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def pytest_configure(config):
    from django.conf import settings

    try:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        # 审计签名密钥放在本次测试的临时目录，不碰开发用的数据目录；子进程经环境变量继承
        os.environ.setdefault(
            "SHUANGSUI_AUDIT_KEY_FILE",
            str(Path(tempfile.mkdtemp(prefix="shuangsui-test-")) / "audit.key"),
        )
        settings.AUDIT_KEY_FILE = Path(os.environ["SHUANGSUI_AUDIT_KEY_FILE"])
        # 后台任务目录（上传待导入的文件、进度、导出）也放临时目录；工作进程子进程经环境变量继承
        os.environ.setdefault("SHUANGSUI_JOBS_DIR", tempfile.mkdtemp(prefix="shuangsui-test-jobs-"))
        settings.JOBS_DIR = Path(os.environ["SHUANGSUI_JOBS_DIR"])
        # 没有环境变量 SECRET_KEY 时（CI），本次运行用一次性的随机密钥；子进程经环境变量继承
        os.environ.setdefault("SECRET_KEY", "test-run-" + secrets.token_urlsafe(40))
        settings.SECRET_KEY = os.environ["SECRET_KEY"]
    except ImproperlyConfigured:  # 以 -p no:django 运行纯函数测试时
        pass


def pytest_runtest_setup(item):
    """每个测试从数据库现读名称索引的统计信息（search 在进程里缓存它几分钟；测试之间数据不同）。"""
    search = sys.modules.get("shuangsui.directory.search")  # 还没导入就还没有缓存
    if search is not None:
        search._STATS.clear()
