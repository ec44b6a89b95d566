"""抽中名单的 XLSX：入选名单与备选名单两张表（经 lib.exporters 写出，公式一律中和）。"""

from shuangsui.lib.exporters import Exporter, to_bytes

from .choices import TargetRole
from .services import batch_of, describe_inspectors, drawn_targets, inspector_names


class DrawnListExporter(Exporter):
    """一个抽取的入选或备选名单（按名次，即批次顺序）；show_credit 为假时不含信用分类。"""

    widths = {"C": 22, "D": 30}

    def __init__(self, draw, role, show_credit, names):
        self.draw = draw
        self.role = role
        self.show_credit = show_credit
        self.names = names
        self.sheet_title = "入选名单" if role == TargetRole.SELECTED else "备选名单"
        task = draw.task
        self.caption = f"{task.code} {task.name}（第{draw.number}次抽取，{self.sheet_title}）"
        self.columns = ["名次", "批次", "对象标识", "名称", "所属单位", "住所"]
        if show_credit:
            self.columns.append("层（信用分类）")
        self.columns += ["检查人员", "匹配标记", "键"]

    def rows(self):
        draw, role, task = self.draw, self.role, self.draw.task
        targets = drawn_targets(draw, role).select_related("target_object")
        for t in targets.iterator():
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
            if self.show_credit:
                row.append(t.stratum)
            row += [describe_inspectors(t.inspectors, self.names), "、".join(t.flags), t.key]
            yield row


def drawn_list_xlsx(draw, show_credit):
    """入选名单与备选名单两张表的 XLSX（bytes）。"""
    names = inspector_names(draw)
    sheets = [
        DrawnListExporter(draw, role, show_credit, names)
        for role in (TargetRole.SELECTED, TargetRole.RESERVE)
    ]
    return to_bytes(sheets, "xlsx")
