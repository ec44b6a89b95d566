"""测试全局设置：快速口令哈希（生产用 Argon2，测试不必付出它的代价）。"""


def pytest_configure(config):
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
