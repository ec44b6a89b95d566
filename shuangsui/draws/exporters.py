"""抽中名单的 XLSX 导出（openpyxl）。"""

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from .choices import TargetRole
from .services import batch_of, describe_inspectors, drawn_targets, inspector_names


def drawn_list_xlsx(draw, show_credit):
    """入选名单（按名次，即批次顺序）与备选名单两张表；show_credit 为假时不含信用分类。"""
    task = draw.task
    names = inspector_names(draw)
    wb = Workbook()
    sheets = [(wb.active, "入选名单", TargetRole.SELECTED), (None, "备选名单", TargetRole.RESERVE)]
    for sheet, title, role in sheets:
        ws = sheet or wb.create_sheet()
        ws.title = title
        header = ["名次", "批次", "对象标识", "名称", "所属单位", "住所"]
        if show_credit:
            header.append("层（信用分类）")
        header += ["检查人员", "匹配标记", "键"]
        ws.append([f"{task.code} {task.name}（第{draw.number}次抽取，{title}）"])
        ws["A1"].font = Font(bold=True)
        ws.append(header)
        for t in drawn_targets(draw, role).select_related("target_object").iterator():
            entity = t.entity
            obj = t.target_object
            row = [
                t.rank,
                batch_of(t.rank, draw.selected_count, task.batches)
                if role == TargetRole.SELECTED
                else "",
                t.uid,
                entity.name if entity else (obj.name if obj else ""),
                entity.unit.name if entity else "",
                entity.address if entity else "",
            ]
            if show_credit:
                row.append(t.stratum)
            row += [describe_inspectors(t.inspectors, names), "、".join(t.flags), t.key]
            ws.append(row)
        ws.column_dimensions["C"].width = 22
        ws.column_dimensions["D"].width = 30
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
