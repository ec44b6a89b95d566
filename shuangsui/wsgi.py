"""WSGI 入口。没有 SECRET_KEY（环境变量或数据目录里的密钥文件）时拒绝启动。"""

import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuangsui.settings")
application = get_wsgi_application()

from shuangsui import secretkey  # noqa: E402
from shuangsui.core.checks import has_secret_key  # noqa: E402

if not has_secret_key():
    raise ImproperlyConfigured(secretkey.missing_message(settings.SECRET_KEY_FILE))
