"""检查材料的文件：按内容（文件头）识别类型，不看文件名；限 20 MB；按 SHA-256 存于数据目录。

文件只经有权限的页面读取（`results.views.attachment_file`），从不放在公开的 URL 下。
"""

import io
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError

MAX_BYTES = 20 * 1024 * 1024
THUMB_SIZE = (320, 320)
ALLOWED = "照片（JPEG、PNG、WebP、HEIC）或 PDF"
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"}


def sniff(head):
    """按文件头判断类型，返回 (MIME 类型, 扩展名)；不认识时为 (None, None)。"""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "image/heic", "heic"
    if head.startswith(b"%PDF-"):
        return "application/pdf", "pdf"
    return None, None


def root():
    return Path(settings.MEDIA_ROOT) / "results"


def read_upload(upload):
    """读入上传的文件并检查：返回 (内容, MIME 类型, 扩展名)。"""
    name = getattr(upload, "name", "") or "文件"
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ValidationError(f"{name}：文件超过 20 MB（{size / 1024 / 1024:.1f} MB）")
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationError(f"{name}：文件超过 20 MB")
    if not data:
        raise ValidationError(f"{name}：文件是空的")
    content_type, ext = sniff(data[:32])
    if content_type is None:
        what = "可执行程序" if data[:2] == b"MZ" or data[:4] == b"\x7fELF" else "不允许的类型"
        raise ValidationError(
            f"{name}：文件内容是{what}，只能上传{ALLOWED}（按内容识别，与文件名无关）"
        )
    if content_type in ("image/jpeg", "image/png", "image/webp"):
        from PIL import Image

        try:
            with Image.open(io.BytesIO(data)) as img:
                img.verify()
        except Exception as exc:
            raise ValidationError(f"{name}：图片已损坏或不完整，无法打开") from exc
    return data, content_type, ext


def store(data, sha, ext):
    """写入数据目录（同内容只存一份），返回相对路径。"""
    rel = f"{sha[:2]}/{sha}.{ext}"
    path = root() / rel
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(path)
    return rel


def make_thumbnail(data, sha, content_type):
    """JPEG、PNG、WebP 照片生成缩略图（JPEG）；其他类型返回空串。"""
    if content_type not in ("image/jpeg", "image/png", "image/webp"):
        return ""
    from PIL import Image, ImageOps

    rel = f"{sha[:2]}/{sha}.thumb.jpg"
    path = root() / rel
    if path.exists():
        return rel
    with Image.open(io.BytesIO(data)) as img:
        img = ImageOps.exif_transpose(img)
        img.thumbnail(THUMB_SIZE)
        path.parent.mkdir(parents=True, exist_ok=True)
        img.convert("RGB").save(path, "JPEG", quality=80)
    return rel


def open_file(rel):
    path = (root() / rel).resolve()
    if root().resolve() not in path.parents:
        raise FileNotFoundError(rel)
    return path.open("rb")
