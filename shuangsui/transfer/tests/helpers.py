"""测试用的表格文件（都在内存里生成）。"""

import csv
import io
import zipfile

import openpyxl

from shuangsui.directory import uscc
from shuangsui.transfer import specs

ENTITY_HEADER = specs.ENTITY.headers
INSPECTOR_HEADER = specs.INSPECTOR.headers
ITEM_HEADER = specs.ITEM.headers


def uid(body):
    """由前 17 位生成合法代码。"""
    return uscc.make(body)


def bad_check_digit(code):
    right = code[17]
    wrong = next(c for c in uscc.ALPHABET if c != right)
    return code[:17] + wrong


def csv_bytes(rows, header=None, encoding="utf-8", delimiter=","):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, header=None):
    book = openpyxl.Workbook()
    sheet = book.active
    if header is not None:
        sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_rows(data):
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def csv_rows(data):
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def zip_bomb_xlsx(size=8 * 1024 * 1024):
    """结构像 XLSX、工作表解压后很大但压缩后极小的文件。"""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        )
        archive.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
        body = b'<?xml version="1.0"?><worksheet><sheetData>' + b" " * size
        archive.writestr("xl/worksheets/sheet1.xml", body + b"</sheetData></worksheet>")
    return out.getvalue()


def replace_in_xlsx(data, member, new_content):
    """把 XLSX 中的一个部件换成给定内容（用于构造恶意 XML）。"""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            content = new_content if info.filename == member else source.read(info.filename)
            archive.writestr(info.filename, content)
    return out.getvalue()


def entity_structure():
    """directory_entity 上的索引、约束（含别的表引用它的外键）、触发器、列默认值与主键序列的批量（SQL 文本，排好序）：
    大批量导入前后应相同。"""
    from django.db import connection

    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT indexdef FROM pg_indexes WHERE tablename = 'directory_entity' "
                "UNION ALL SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = 'directory_entity'::regclass "
                # 别的表引用主体的外键（空表上大批量新增时连主键一起先去掉、写完加回）
                "UNION ALL SELECT conrelid::regclass::text || ' ' || pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE confrelid = 'directory_entity'::regclass "
                "UNION ALL SELECT column_name || ' DEFAULT ' || column_default "
                "FROM information_schema.columns WHERE table_name = 'directory_entity' "
                "AND column_default IS NOT NULL "
                # 主键序列的预取批量（大批量导入时临时调大，写完恢复）
                "UNION ALL SELECT 'id sequence cache ' || seqcache FROM pg_sequence "
                "WHERE seqrelid = pg_get_serial_sequence('directory_entity', 'id')::regclass"
            )
        else:
            cur.execute(
                "SELECT sql FROM sqlite_master WHERE tbl_name = 'directory_entity' "
                "AND sql IS NOT NULL"
            )
        return sorted(r[0] for r in cur.fetchall())
