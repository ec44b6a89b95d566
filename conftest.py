"""测试全局设置：快速口令哈希（生产用 Argon2，测试不必付出它的代价）。"""

from django.core.exceptions import ImproperlyConfigured


def pytest_configure(config):
    from django.conf import settings

    try:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    except ImproperlyConfigured:  # 以 -p no:django 运行纯函数测试时
        pass
