"""平台写出的每一份表格（CSV、XLSX）都经过这里：导出器给出表头和逐行数据，这里写成文件。

CSV 为 UTF-8 带 BOM（Excel 直接打开）；XLSX 每个导出器一张工作表（可带一行加粗的标题）。
页面下载与命令行用同一个导出器。所有文本单元格都做“公式中和”（防 CSV/公式注入）：以
= + - @ 制表符、回车、换行开头的文本，或去掉开头空格后以 = + - @（含全角 ＝＋－＠）开头的
文本，前面加一个单引号，表格软件就不会把它当公式执行。数字（int、float、Decimal）照写为数字；
纯数字的文本（如“-5”）不是公式，也照写。导入时会去掉这个单引号，导出的文件可以原样再导入。
别的模块不要自己建 openpyxl 的 Workbook 或 csv.writer 写输出（有测试检查）。
"""

import csv
import io
import json
import os
import re
import tempfile
from decimal import Decimal

_FORMULA_START = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")  # 含全角 ＝＋－＠
_CONTROL_START = frozenset("\t\r\n")
_LEADING_SPACE = " \u3000\xa0"
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
NUMBER_TYPES = (int, float, Decimal)
CSV_BATCH = 2000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def formula_like(text):
    """表格软件可能把这段文本当公式（或 DDE 命令）执行吗？"""
    if not text:
        return False
    if text[0] in _CONTROL_START:
        return True
    rest = text.lstrip(_LEADING_SPACE)
    return bool(rest) and rest[0] in _FORMULA_START and not _PLAIN_NUMBER.fullmatch(rest)


def neutralise(value):
    """单元格文本；可能被当作公式的前面加单引号。数字写成数字的文本，不加。"""
    if value is None:
        return ""
    if isinstance(value, NUMBER_TYPES) and not isinstance(value, bool):
        return str(value)
    text = value if isinstance(value, str) else str(value)
    return "'" + text if formula_like(text) else text


def unneutralise(text):
    """导入时的逆操作：去掉导出时加在公式字符前面的单引号。"""
    if len(text) > 1 and text[0] == "'" and formula_like(text[1:]):
        return text[1:]
    return text


class Exporter:
    """导出器基类：子类给出 `columns`（中文表头）并实现 `rows()`（逐行的值列表）。"""

    columns: list = []
    sheet_title = "导出"
    filename_stem = "export"
    # XLSX：表头上方加粗的一行标题（如“任务编号 名称（第1次抽取）”），有标题时表头也加粗
    caption = ""
    widths: dict = {}  # XLSX：列宽，如 {"C": 22}；未给的列按表头长度
    # 表头之前的几行（如标题、填报单位、期间、填报人、日期）；第一行加粗
    preamble: list = []
    # 两行表头：[(分组名, 跨几列)]，覆盖全部列；分组名为空的列上下两行合并。
    # XLSX 合并单元格，CSV 分组名写在该组第一列
    header_groups: list = []

    def header(self):
        return list(self.columns)

    def rows(self):  # pragma: no cover - 子类实现
        raise NotImplementedError

    def __iter__(self):
        yield self.header()
        yield from self.rows()


def format_for(filename, default="csv"):
    """按文件名后缀决定格式：.xlsx → xlsx，.csv → csv，.json → json。"""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        return "xlsx"
    if name.endswith(".json"):
        return "json"
    if name.endswith(".csv"):
        return "csv"
    return default


class _Echo:
    def write(self, value):
        return value


def _lead_rows(exporter):
    """CSV 表头之前的行：表头前的说明，以及分组表头（分组名在该组第一列）。"""
    rows = [[line] for line in getattr(exporter, "preamble", [])]
    groups = getattr(exporter, "header_groups", [])
    if groups:
        row = []
        for title, span in groups:
            row += [title or ""] + [""] * (span - 1)
        rows.append(row)
    return rows


def iter_csv(exporter):
    """逐块给出 CSV 的字节（先是 UTF-8 BOM）。"""
    writer = csv.writer(_Echo())
    yield "\ufeff".encode()
    batch = [writer.writerow([neutralise(v) for v in row]) for row in _lead_rows(exporter)]
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
    batch = [writer.writerow([neutralise(v) for v in row]) for row in _lead_rows(exporter)]
    for row in exporter:
        count += 1
        batch.append(writer.writerow([neutralise(v) for v in row]))
        if len(batch) >= CSV_BATCH:
            fh.write("".join(batch).encode("utf-8"))
            batch = []
    if batch:
        fh.write("".join(batch).encode("utf-8"))
    return max(count, 0)


def write_xlsx(exporters, fh):
    """用 openpyxl 的只写模式写入二进制文件对象，每个导出器一张工作表；返回数据行数（合计）。"""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.cell_range import CellRange

    if isinstance(exporters, Exporter):
        exporters = [exporters]
    book = Workbook(write_only=True)
    bold = Font(bold=True)

    def cell(value):
        if isinstance(value, NUMBER_TYPES) and not isinstance(value, bool):
            return value  # 数字照写（如名次、错误报告的行号）
        text = "" if value is None else value if isinstance(value, str) else str(value)
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", text))

    def strong(sheet, value):
        out = WriteOnlyCell(sheet, value=cell(value))
        out.font = bold
        return out

    count = 0
    for exporter in exporters:
        sheet = book.create_sheet(exporter.sheet_title[:31] or "Sheet1")
        header = exporter.header()
        widths = {
            get_column_letter(i): max(12, min(40, len(str(title)) * 3))
            for i, title in enumerate(header, 1)
        }
        widths.update(exporter.widths)
        for letter, width in widths.items():  # 只写模式：列宽须在写第一行之前设定
            sheet.column_dimensions[letter].width = width
        rows = iter(exporter)
        next(rows)  # 表头（同 header()）
        for i, line in enumerate(exporter.preamble):
            sheet.append([strong(sheet, line) if i == 0 else cell(line)])
        if exporter.header_groups:
            _grouped_header(sheet, exporter, header, strong, CellRange, Alignment)
        elif exporter.caption:
            sheet.append([strong(sheet, exporter.caption)])
            sheet.append([strong(sheet, v) for v in header])
        else:
            sheet.append([cell(v) for v in header])
        for row in rows:
            count += 1
            sheet.append([cell(v) for v in row])
    book.save(fh)
    return count


def _grouped_header(sheet, exporter, header, strong, CellRange, Alignment):
    """两行表头：分组名跨列合并；不属分组的列上下合并（只写模式：合并范围在保存时写出）。"""
    first = len(exporter.preamble) + 1
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    top, col = [], 1
    for title, span in exporter.header_groups:
        for offset in range(span):
            value = (title or header[col - 1]) if offset == 0 else None
            top.append(strong(sheet, value))
            top[-1].alignment = center
        if title and span > 1:
            sheet.merged_cells.add(
                CellRange(min_col=col, max_col=col + span - 1, min_row=first, max_row=first)
            )
        elif not title:
            sheet.merged_cells.add(
                CellRange(min_col=col, max_col=col + span - 1, min_row=first, max_row=first + 1)
            )
        col += span
    sheet.append(top)
    bottom, col = [], 1
    for title, span in exporter.header_groups:
        for offset in range(span):
            bottom.append(strong(sheet, header[col - 1 + offset] if title else None))
            bottom[-1].alignment = center
        col += span
    sheet.append(bottom)


def iter_json(exporter, counter=None):
    """逐块给出 JSON 的字节：{"layout": …, "rows": [{键: 值}, …]}；键为导出器的 `keys`（没有时用表头）。

    值照原样（数字是数字、空是 null），不做公式中和——那是表格软件的事。`counter` 为列表时，
    `counter[0]` 累计写出的行数。"""
    keys = list(getattr(exporter, "keys", None) or exporter.header())
    layout = json.dumps(getattr(exporter, "layout", ""))
    yield ('{"layout": ' + layout + ', "rows": [\n').encode()
    rows = iter(exporter)
    next(rows)  # 表头
    batch, count = [], 0
    for row in rows:
        record = json.dumps(dict(zip(keys, row, strict=True)), ensure_ascii=False)
        batch.append(("" if count == 0 else ",\n") + record)
        count += 1
        if counter is not None:
            counter[0] = count
        if len(batch) >= CSV_BATCH:
            yield "".join(batch).encode("utf-8")
            batch = []
    batch.append("\n]}\n")
    yield "".join(batch).encode("utf-8")


def write_json(exporter, fh):
    """写入二进制文件对象，返回数据行数。"""
    counter = [0]
    for chunk in iter_json(exporter, counter):
        fh.write(chunk)
    return counter[0]


def write(exporter, fh, fmt):
    if fmt == "xlsx":
        return write_xlsx(exporter, fh)
    if fmt == "json":
        return write_json(exporter, fh)
    return write_csv(exporter, fh)


def write_path(exporter, path):
    """写到文件（格式按后缀），返回数据行数。先写同目录的临时文件再改名：中途退出（kill -9、
    断电）时要么没有文件、要么是旧文件，从不留下半截的表。"""
    path = str(path)
    partial = f"{path}.{os.getpid()}.partial"
    try:
        with open(partial, "wb") as fh:
            count = write(exporter, fh, format_for(path))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return count


def to_bytes(exporter, fmt):
    """写成 bytes；XLSX 时 `exporter` 也可以是几个导出器的列表（每个一张工作表）。"""
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
            content_type=XLSX_TYPE,
        )
    if fmt == "json":
        response = StreamingHttpResponse(iter_json(exporter), content_type="application/json")
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response
    response = StreamingHttpResponse(iter_csv(exporter), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
