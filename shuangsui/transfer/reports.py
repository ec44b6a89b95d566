"""导入错误报告：存成 XLSX（只有上传者本人能下载，一天后清理）。"""

import secrets
import time
from pathlib import Path

from django.conf import settings

from shuangsui.lib import exporters

from . import exports

ERRORS_SHOWN = 500  # 页面上最多列出的错误条数（完整的在错误报告里）
REPORT_MAX_AGE = 24 * 3600


def report_dir():
    path = Path(settings.MEDIA_ROOT) / "import-reports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_report(user, failure):
    """错误报告存成 XLSX，返回令牌（文件名带上传者编号）。"""
    folder = report_dir()
    cutoff = time.time() - REPORT_MAX_AGE
    for old in folder.glob("*.xlsx"):
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            pass
    token = secrets.token_urlsafe(18)
    with open(folder / f"{user.pk}-{token}.xlsx", "wb") as fh:
        exporters.write_xlsx(exports.ErrorReport(failure.errors, failure.total), fh)
    return token
