"""导出：一个导出器给出表头和逐行数据，写成 CSV（UTF-8 带 BOM，Excel 直接打开）或 XLSX。

页面下载与命令行用同一个导出器。所有单元格都做“公式中和”：以 = + - @ 制表符或回车开头的
文本前面加一个单引号，表格软件就不会把它当公式执行（CSV 注入）。导入时会去掉这个单引号，
所以导出的文件可以原样再导入。
"""

import csv
import io
import tempfile

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_BATCH = 2000


def neutralise(value):
    """单元格文本；以公式字符开头的前面加单引号。"""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


def unneutralise(text):
    """导入时的逆操作：去掉导出时加在公式字符前面的单引号。"""
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@\t\r":
        return text[1:]
    return text


class Exporter:
    """导出器基类：子类给出 `columns`（中文表头）并实现 `rows()`（逐行的值列表）。"""

    columns: list = []
    sheet_title = "导出"
    filename_stem = "export"

    def header(self):
        return list(self.columns)

    def rows(self):  # pragma: no cover - 子类实现
        raise NotImplementedError

    def __iter__(self):
        yield self.header()
        yield from self.rows()


def format_for(filename, default="csv"):
    """按文件名后缀决定格式：.xlsx → xlsx，.csv → csv。"""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        return "xlsx"
    if name.endswith(".csv"):
        return "csv"
    return default


class _Echo:
    def write(self, value):
        return value


def iter_csv(exporter):
    """逐块给出 CSV 的字节（先是 UTF-8 BOM）。"""
    writer = csv.writer(_Echo())
    yield "\ufeff".encode()
    batch = []
    for row in exporter:
        batch.append(writer.writerow([neutralise(v) for v in row]))
        if len(batch) >= CSV_BATCH:
            yield "".join(batch).encode("utf-8")
            batch = []
    if batch:
        yield "".join(batch).encode("utf-8")


def write_csv(exporter, fh):
    """写入二进制文件对象，返回数据行数。"""
    count = -1
    writer = csv.writer(_Echo())
    fh.write("\ufeff".encode())
    batch = []
    for row in exporter:
        count += 1
        batch.append(writer.writerow([neutralise(v) for v in row]))
        if len(batch) >= CSV_BATCH:
            fh.write("".join(batch).encode("utf-8"))
            batch = []
    if batch:
        fh.write("".join(batch).encode("utf-8"))
    return max(count, 0)


def write_xlsx(exporter, fh):
    """用 openpyxl 的只写模式写入二进制文件对象，返回数据行数。"""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(exporter.sheet_title[:31] or "Sheet1")
    header = exporter.header()
    for i, title in enumerate(header, 1):
        sheet.column_dimensions[get_column_letter(i)].width = max(12, min(40, len(title) * 3))

    def cell(value):
        if type(value) in (int, float):  # 数字照写（如错误报告的行号）
            return value
        return ILLEGAL_CHARACTERS_RE.sub("", neutralise(value))

    count = -1
    for row in exporter:
        count += 1
        sheet.append([cell(v) for v in row])
    book.save(fh)
    return max(count, 0)


def write(exporter, fh, fmt):
    if fmt == "xlsx":
        return write_xlsx(exporter, fh)
    return write_csv(exporter, fh)


def write_path(exporter, path):
    """写到文件（格式按后缀），返回数据行数。"""
    with open(path, "wb") as fh:
        return write(exporter, fh, format_for(str(path)))


def to_bytes(exporter, fmt):
    buffer = io.BytesIO()
    write(exporter, buffer, fmt)
    return buffer.getvalue()


def http_response(exporter, fmt, filename):
    """页面下载：CSV 边查边发（百万行也不占内存）；XLSX 先写入临时文件再发送。"""
    from django.http import FileResponse, StreamingHttpResponse
    from django.utils.http import content_disposition_header

    if fmt == "xlsx":
        spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)
        write_xlsx(exporter, spool)
        spool.seek(0)
        return FileResponse(
            spool,
            as_attachment=True,
            filename=filename,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response = StreamingHttpResponse(iter_csv(exporter), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
