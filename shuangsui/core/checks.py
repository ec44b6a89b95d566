"""部署检查（`shuangsui check --deploy`）：没有 SECRET_KEY 时报错，密钥文件别人可读时警告。"""

import stat

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured

from shuangsui import secretkey


def has_secret_key():
    try:
        return bool(settings.SECRET_KEY)
    except ImproperlyConfigured:  # Django 对空的 SECRET_KEY 一读就报错
        return False


@register(Tags.security, deploy=True)
def secret_key_set(app_configs, **kwargs):
    path = settings.SECRET_KEY_FILE
    if not has_secret_key():
        return [Error(secretkey.missing_message(path), id="shuangsui.E001")]
    try:
        mode = path.stat().st_mode
    except OSError:
        return []
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return [
            Warning(
                f"密钥文件 {path} 本机其他用户可读：请 chmod 600 / the key file is readable "
                "by other users: chmod 600",
                id="shuangsui.W001",
            )
        ]
    return []
