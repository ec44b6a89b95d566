"""立卷归档：一户（检查对象）一个 ZIP，内含登记的各部分文件与清单（文件名、字节数、SHA-256）。

清单 `清单.csv` 在 ZIP 根目录，不列它自己；用 `sha256sum` 或任何 SHA-256 工具逐个核对。
"""

import hashlib
import io
import zipfile

from django.core.exceptions import ValidationError
from django.utils import timezone

from shuangsui.inspections.models import Inspection
from shuangsui.lib.exporters import to_bytes

from .exporters import MANIFEST_COLUMNS, RowsExporter
from .registry import parts

MANIFEST = "清单.csv"


def _safe(name):
    return name.replace("/", "／").replace("\\", "＼").strip() or "文件"


def contents(inspection):
    """[(ZIP 内路径, 内容, 部分名)]，按部分的顺序。"""
    out = []
    for part in parts():
        for name, data in part.files(inspection):
            out.append((f"{part.folder}/{_safe(name)}", data, part.label))
    return out


def build(inspection):
    """一户的归档 ZIP（字节）。"""
    files = contents(inspection)
    manifest = [
        [n, path, len(data), hashlib.sha256(data).hexdigest(), label]
        for n, (path, data, label) in enumerate(files, start=1)
    ]
    stamp = timezone.localtime().timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data, _label in files:
            archive.writestr(zipfile.ZipInfo(path, stamp), data, zipfile.ZIP_DEFLATED)
        archive.writestr(
            zipfile.ZipInfo(MANIFEST, stamp),
            to_bytes(RowsExporter(MANIFEST_COLUMNS, manifest), "csv"),
            zipfile.ZIP_DEFLATED,
        )
    return buffer.getvalue()


def filename(inspection):
    return f"dossier-{inspection.task.code}-{inspection.uid}.zip"


def find(task_code, uid):
    """命令行用：按任务编号与对象标识取检查对象。"""
    rows = list(
        Inspection.objects.filter(task__code=task_code, uid=uid)
        .select_related("task", "station", "entity")
        .order_by("-id")[:2]
    )
    if not rows:
        raise ValidationError(f"任务 {task_code} 中没有对象 {uid}")
    return rows[0]
