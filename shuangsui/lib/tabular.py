"""安全读取上传的表格文件（CSV、XLSX）：表头与逐行数据，带行号。

- 大小上限：`settings.IMPORT_MAX_BYTES`（读取前检查，文件对象只读到上限为止）。
- CSV：UTF-8、带 BOM 的 UTF-8、GB18030/GBK（自动识别）、带 BOM 的 UTF-16（Excel 的
  “Unicode 文本”，制表符分隔）；逗号或制表符分隔。
- XLSX：先检查 zip 成员的解压后大小与压缩比（拒绝压缩炸弹），再用 openpyxl 只读打开；
  openpyxl 必须在用 defusedxml 解析 XML（安装了 defusedxml 时它自动启用），否则拒绝。
- 0 字节、二进制内容、旧版 .xls 等都给出中文的说明。

行号与用户在 Excel 里看到的一致：表头通常是第 1 行，数据从第 2 行开始；空行计入行号但不返回。
"""

import codecs
import csv
import datetime
import io
import itertools
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field

# XLSX 解压后的总大小上限与单个成员的压缩比上限（超过视为压缩炸弹）
XLSX_MAX_UNCOMPRESSED = 200 * 1024 * 1024
XLSX_MAX_RATIO = 100
XLSX_RATIO_MIN_SIZE = 1024 * 1024  # 小于此大小的成员不看压缩比（小文件压缩比本来就可能很高）
XLSX_MAX_MEMBERS = 10_000
XLSX_MAX_COLUMNS = 256  # 表头最多读这么多列
XLSX_MAX_ROWS = 1_048_576  # Excel 的最大行数
XLSX_MAX_LEADING_BLANK_ROWS = 1000
XLSX_WIDTH_ROWS = 10  # 用开头这么多个非空行定列数
CSV_FIELD_LIMIT = 1024 * 1024
# 这么大的无引号 CSV 读入时不整篇解码、切行：只解码开头一段定下编码与分隔符，其余按字节留着，
# 取行时一块一块解码；分段时各段在自己的校验子进程里解码、切行（百万行省下父进程近一秒）
LAZY_MIN = 4 * 1024 * 1024
LAZY_PIECE = 1024 * 1024

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACE = re.compile(r"\s+")
_OPTIONAL_SUFFIX = re.compile(r"\((?:必填|选填|可选|非必填|必须)\)$")


class TabularError(Exception):
    """文件层面的问题（无法读取、格式不对、超出上限……），消息为中文。"""

    def __init__(self, message, row=None):
        super().__init__(message)
        self.message = message
        self.row = row


def human_size(n):
    for unit in ("字节", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "字节" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} 字节"  # pragma: no cover


def max_bytes_setting():
    from django.conf import settings

    return int(getattr(settings, "IMPORT_MAX_BYTES", 200 * 1024 * 1024))


def read_bytes(source, max_bytes=None):
    """读入文件内容（bytes、路径或文件对象），超过上限时不读完就报错。"""
    limit = max_bytes_setting() if max_bytes is None else max_bytes
    too_big = "文件过大：{size}，超过上限 {limit}".format
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        if len(data) > limit:
            raise TabularError(too_big(size=human_size(len(data)), limit=human_size(limit)))
        return data
    if isinstance(source, str | os.PathLike):
        try:
            size = os.stat(source).st_size
        except OSError as exc:
            raise TabularError(f"无法读取文件：{exc.strerror or exc}") from exc
        if size > limit:
            raise TabularError(too_big(size=human_size(size), limit=human_size(limit)))
        with open(source, "rb") as fh:
            data = fh.read(limit + 1)  # 已知大小：一次读入，不分块再拼接
        if len(data) > limit:
            raise TabularError(too_big(size=f"大于 {human_size(limit)}", limit=human_size(limit)))
        return data
    size = getattr(source, "size", None)
    if size is not None and size > limit:
        raise TabularError(too_big(size=human_size(size), limit=human_size(limit)))
    if hasattr(source, "seek"):
        try:
            source.seek(0)
        except (OSError, ValueError):
            pass
    return _read_limited(source, limit, too_big)


def _read_limited(fh, limit, too_big):
    chunks, total = [], 0
    while True:
        chunk = fh.read(min(8 * 1024 * 1024, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise TabularError(too_big(size=f"大于 {human_size(limit)}", limit=human_size(limit)))
    return b"".join(chunks)


def normalise_text(value):
    """全角转半角（NFKC）并去掉首尾空白。"""
    return unicodedata.normalize("NFKC", value).strip() if value else ""


def normalise_header(value):
    """表头规范化：NFKC、去掉所有空白与 BOM、去掉必填标记（*、“(必填)”）。"""
    text = unicodedata.normalize("NFKC", str(value or "")).replace("\ufeff", "")
    text = _SPACE.sub("", text).strip("*")
    return _OPTIONAL_SUFFIX.sub("", text).strip("*")


@dataclass
class Table:
    """读出的表格。`rows` 依次给出 (行号, [单元格文本, …])，含表头行、不含空行。"""

    format: str
    encoding: str
    size: int
    rows: object = field(repr=False)
    # XLSX 行尾的空单元格不会写出，短行要补齐；CSV 的短行是错误
    pads_short_rows: bool = False
    # 无引号的 CSV：全部文本行与分隔符（可按行切成几段，分给几个进程）
    lines: list = field(default=None, repr=False)
    delimiter: str = ","
    taken: int = 0  # 已经从 rows 取走的行数（表头及其上方）
    # 大的无引号 CSV（见 LAZY_MIN）：文件的字节、正文起点（BOM 之后）、解码用的编码、有无回车
    blob: bytes = field(default=None, repr=False)
    blob_start: int = 0
    codec: str = ""
    crlf: bool = False
    lines_after: int = None  # partition() 数出的表头之后的行数（切段时顺便数的，免得另数一遍）

    def take_header(self):
        """取第一个非空行作为表头，返回 (行号, 单元格列表)；文件没有内容时报错。"""
        for number, cells in self.rows:
            self.taken = number
            if any(str(c).strip() for c in cells):
                return number, cells
        raise TabularError("文件中没有任何内容（没有表头，也没有数据行）")

    def can_partition(self):
        return self.lines is not None or self.blob is not None

    def partition(self, parts):
        """把表头之后的行大致均分成 `parts` 段，返回各段的范围（元组）。

        只用于无引号的 CSV（`can_partition()`）；取过表头后调用，之后改用各段的
        `rows_between(*范围)`（给出 (行号, 单元格列表)，同 rows；惰性，可在 fork 出的子进程里展开）。
        """
        if self.blob is not None:
            return self._partition_bytes(parts)
        start, end = self.taken, len(self.lines)
        step = -(-(end - start) // parts) if end > start else 1
        return [(a, min(a + step, end)) for a in range(start, end, step)] or [(start, end)]

    def _partition_bytes(self, parts):
        """按字节大致均分，切在换行处：(起始字节, 止于的换行符位置或文件末尾, 起始行号)。"""
        blob = self.blob
        end = len(blob)
        pos = self.blob_start
        for _ in range(self.taken):  # 跳过表头及其上方的行
            found = blob.find(b"\n", pos)
            pos = end if found < 0 else found + 1
        starts = [pos]
        step = -(-(end - pos) // parts)
        for k in range(1, parts):
            cut = blob.find(b"\n", max(pos + k * step, starts[-1]))
            if cut < 0 or cut + 1 >= end:
                break
            starts.append(cut + 1)
        ranges = []
        number = self.taken + 1
        for i, start in enumerate(starts):
            stop = starts[i + 1] - 1 if i + 1 < len(starts) else end
            ranges.append((start, stop, number))
            number += blob.count(b"\n", start, stop) + 1
        self.lines_after = number - self.taken - 1
        return ranges

    def rows_between(self, start, end, number=None):
        """第 start+1 到第 end 行（文本行下标 start ≤ i < end）；字节分段时见 _partition_bytes。"""
        if number is not None:
            return self._blob_rows(start, end, number)
        return zip(
            itertools.count(start + 1),
            map(
                str.split,
                itertools.islice(self.lines, start, end),
                itertools.repeat(self.delimiter),
            ),
        )

    def _blob_rows(self, start, end, number):
        """字节 [start, end) 里的各行（一块约 LAZY_PIECE 字节地解码、切开），行号从 number 起。"""
        blob, codec, delimiter, crlf = self.blob, self.codec, self.delimiter, self.crlf
        while True:  # 每段至少一行（空段是一个空行）
            stop = blob.find(b"\n", start + LAZY_PIECE, end) if start + LAZY_PIECE < end else -1
            if stop < 0:
                stop = end
            try:
                text = blob[start:stop].decode(codec)
            except UnicodeDecodeError as exc:
                row = number + blob.count(b"\n", start, start + exc.start)
                raise TabularError(
                    f"第{row}行含有不能按 {codec.upper()} 解码的字节：文件开头是 {codec.upper()} 编码，"
                    "后面混有别的编码；请把整个文件另存为“CSV UTF-8（逗号分隔）”后再导入",
                    row=row,
                ) from exc
            if crlf:  # 读入时查过：每个回车后面都是换行
                text = text.replace("\r", "")
            lines = text.split("\n")
            yield from zip(
                itertools.count(number), map(str.split, lines, itertools.repeat(delimiter))
            )
            if stop >= end:
                break
            number += len(lines)
            start = stop + 1


def read_table(source, filename="", *, max_bytes=None, data=None):
    """打开 CSV 或 XLSX（按内容判断，不只看扩展名）。`data` 已读入时直接使用。"""
    if data is None:
        data = read_bytes(source, max_bytes)
    name = (filename or "").lower()
    if not data:
        raise TabularError("文件为空（0 字节）")
    if data[:4] == b"PK\x03\x04" or data[:4] == b"PK\x05\x06":
        return _read_xlsx(data)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise TabularError(
            "不支持旧版 Excel（.xls）格式，请在 Excel 中另存为 .xlsx 或 CSV 后再导入"
        )
    if name.endswith((".xlsx", ".xlsm")):
        raise TabularError("文件扩展名是 .xlsx，但内容不是有效的 XLSX（可能已损坏）")
    if data[:5] == b"%PDF-":
        raise TabularError("这是 PDF 文件，请上传 CSV 或 XLSX 表格")
    return _read_csv(data)


# ---------------------------------------------------------------- CSV


def _decode(data):
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise TabularError("文件以 UTF-16 标记开头，但内容无法按 UTF-16 解码") from exc
    if b"\x00" in data[:65536]:
        raise TabularError("文件内容不是文本表格（含二进制数据），请上传 CSV 或 XLSX")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise TabularError(
            "无法识别文件编码：既不是 UTF-8，也不是 GB18030/GBK；请在 Excel 中另存为"
            "“CSV UTF-8（逗号分隔）”或 XLSX"
        ) from exc


def _lazy_csv(data):
    """大的无引号 CSV（UTF-8 或 GB18030，行尾为换行或回车换行）：Table 留着字节（见 LAZY_MIN）；
    别的情况返回 None（照常整篇解码，出错时给出同样的说明）。

    开头一段（约 64 KB，切在换行处）须含中文（表头是中文的）才用它定编码；后面混有别的编码时，
    解码到那一块才报错（带行号）。引号、回车、换行的字节不会出现在 UTF-8 或 GB18030 的多字节字符里，
    所以能在字节上查引号、数回车、找换行。"""
    if len(data) < LAZY_MIN or b'"' in data:
        return None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    cut = data.rfind(b"\n", start, start + 65536)
    head = data[start:cut]
    if cut < 0 or head.isascii() or b"\x00" in head:
        return None
    for codec in ("utf-8", "gb18030"):
        try:
            sample = head.decode(codec)
            break
        except UnicodeDecodeError:
            continue
    else:
        return None
    if codec == "gb18030" and start:
        return None
    if _CONTROL.search(sample):
        return None
    returns = b"\r" in data and data.count(b"\r")  # 没有回车时只扫一遍（memchr），不逐个数
    if returns and returns != data.count(b"\r\n"):
        return None  # 有单独的回车：交给 csv 模块
    delimiter = _delimiter(sample)
    table = Table(
        format="csv",
        encoding="utf-8-sig" if start else codec,
        size=len(data),
        rows=None,
        delimiter=delimiter,
        blob=data,
        blob_start=start,
        codec=codec,
        crlf=bool(returns),
    )
    table.rows = table._blob_rows(start, len(data), 1)
    return table


def _read_csv(data):
    table = _lazy_csv(data)
    if table is not None:
        return table
    text, encoding = _decode(data)
    sample = text[:65536]
    if _CONTROL.search(sample):
        raise TabularError("文件内容不是文本表格（含控制字符或二进制数据），请上传 CSV 或 XLSX")
    delimiter = _delimiter(sample)
    lines = _plain_lines(text) if '"' not in text else None
    if lines is not None:
        # 没有引号：每行就是一条记录，直接按分隔符切分（比 csv 模块快几倍，逐行不经 Python 代码）
        del text
        return Table(
            format="csv",
            encoding=encoding,
            size=len(data),
            rows=zip(itertools.count(1), map(str.split, lines, itertools.repeat(delimiter))),
            lines=lines,
            delimiter=delimiter,
        )
    return Table(
        format="csv",
        encoding=encoding,
        size=len(data),
        rows=_quoted_rows(text, delimiter),
        delimiter=delimiter,
    )


def _delimiter(sample):
    """表头行里制表符比逗号多就按制表符分列（从 Excel 复制粘贴出的文本），否则按逗号。"""
    first_line = sample.split("\n", 1)[0]
    return "\t" if first_line.count("\t") > first_line.count(",") else ","


def _plain_lines(text):
    """没有引号的文本按行切开；有单独的回车（不在“回车换行”里）时返回 None，交给 csv 模块。

    Excel 等导出的 CSV 行尾是“回车换行”：直接按它切，不先整篇替换成换行（百万行省半秒）。"""
    if "\r" not in text:
        return text.split("\n")
    lines = text.split("\r\n")
    if text.count("\r") != len(lines) - 1:
        return None
    if text.count("\n") != len(lines) - 1:  # 两种行尾混用
        return text.replace("\r\n", "\n").split("\n")
    return lines


def _quoted_rows(text, delimiter):
    csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    number = 0
    try:
        for number, row in enumerate(reader, 1):  # noqa: B007 — 出错时要报行号
            yield number, row
    except csv.Error as exc:
        raise TabularError(f"第{number + 1}行附近 CSV 格式错误：{exc}", row=number + 1) from exc


# ---------------------------------------------------------------- XLSX


def check_zip(data):
    """打开前检查 zip：成员数、解压后总大小、压缩比；不解压任何内容。"""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise TabularError("XLSX 文件已损坏或不是有效的 XLSX（无法按 zip 打开）") from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > XLSX_MAX_MEMBERS:
            raise TabularError(f"XLSX 文件内含 {len(infos)} 个部件，超过上限，拒绝打开")
        names = {info.filename for info in infos}
        if "xl/workbook.xml" not in names and "[Content_Types].xml" not in names:
            raise TabularError("这是 zip 压缩包而不是 XLSX 表格，请上传 CSV 或 XLSX")
        total = 0
        for info in infos:
            total += info.file_size
            if info.file_size > XLSX_RATIO_MIN_SIZE and info.file_size > XLSX_MAX_RATIO * max(
                info.compress_size, 1
            ):
                ratio = info.file_size // max(info.compress_size, 1)
                raise TabularError(
                    f"XLSX 文件的压缩比异常（{info.filename} 压缩比约 {ratio}:1，疑似压缩炸弹），拒绝打开"
                )
        if total > XLSX_MAX_UNCOMPRESSED:
            raise TabularError(
                f"XLSX 文件解压后约 {human_size(total)}，超过上限 "
                f"{human_size(XLSX_MAX_UNCOMPRESSED)}；大批量数据请改用 CSV 导入"
            )
    return total


def defused_xml_active():
    """openpyxl 是否在用 defusedxml 解析 XML（防 XML 实体炸弹、外部实体）。"""
    from openpyxl import xml as openpyxl_xml

    return bool(getattr(openpyxl_xml, "DEFUSEDXML", False))


def _read_xlsx(data):
    check_zip(data)
    if not defused_xml_active():
        raise TabularError("服务器未启用 defusedxml，出于安全考虑拒绝读取 XLSX；请改用 CSV")
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl 对损坏文件抛出各种异常
        raise TabularError(f"XLSX 文件已损坏或无法读取（{type(exc).__name__}）") from exc
    if not book.worksheets:
        book.close()
        raise TabularError("XLSX 文件中没有工作表")
    return Table(
        format="xlsx",
        encoding="",
        size=len(data),
        rows=_xlsx_rows(book),
        pads_short_rows=True,
    )


def cell_text(value):
    """XLSX 单元格的值转为文本：日期写成 YYYY-MM-DD，整数值的小数去掉“.0”。"""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value)


def _xlsx_rows(book):
    """先看开头几行定出列数（表头及其上方的标题行），再按这个列数逐行读。

    不用工作表自己声明的尺寸，防止被撑大成几万列、上百万行的空单元格。
    """
    try:
        sheet = book.worksheets[0]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()
        width = 0
        filled_rows = 0
        for number, values in enumerate(
            sheet.iter_rows(min_row=1, min_col=1, max_col=XLSX_MAX_COLUMNS, values_only=True), 1
        ):
            filled = [i for i, v in enumerate(values) if v is not None and str(v).strip()]
            if filled:
                width = max(width, filled[-1] + 1)
                filled_rows += 1
            if filled_rows >= XLSX_WIDTH_ROWS or number >= XLSX_MAX_LEADING_BLANK_ROWS:
                break
        if not width:
            return
        rows = sheet.iter_rows(min_row=1, min_col=1, max_col=width, values_only=True)
        for number, values in enumerate(rows, 1):
            if number > XLSX_MAX_ROWS:
                raise TabularError(f"XLSX 工作表超过 {XLSX_MAX_ROWS} 行，拒绝读取", row=number)
            yield number, [cell_text(v) for v in values]
    except TabularError:
        raise
    except Exception as exc:
        raise TabularError(f"读取 XLSX 内容时出错（{type(exc).__name__}），文件可能已损坏") from exc
    finally:
        book.close()
