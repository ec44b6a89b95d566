"""测试全局设置：快速口令哈希（生产用 Argon2，测试不必付出它的代价）。"""

import tempfile
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def pytest_configure(config):
    from django.conf import settings

    try:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        # 审计签名密钥放在本次测试的临时目录，不碰开发用的数据目录
        settings.AUDIT_KEY_FILE = Path(tempfile.mkdtemp(prefix="shuangsui-test-")) / "audit.key"
    except ImproperlyConfigured:  # 以 -p no:django 运行纯函数测试时
        pass
