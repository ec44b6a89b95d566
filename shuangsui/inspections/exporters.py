"""检查组名单的 XLSX：检查前向被检查对象“两单”告知——检查事项清单与检查人员名单。

三张表各一个导出器，经 lib.exporters 写出（只写模式，5 万户也只占少量内存；公式一律中和）。
"""

from collections import defaultdict

from shuangsui.lib.exporters import XLSX_TYPE as XLSX_TYPE  # 视图用
from shuangsui.lib.exporters import Exporter, to_bytes

from .models import Assignment, Inspection


def _members(draw):
    """{检查对象 id: [有效指派]}，一次查询取出整个抽取。"""
    out = defaultdict(list)
    rows = (
        Assignment.objects.filter(inspection__draw=draw, active=True)
        .select_related("inspector", "inspector__unit", "inspector__department")
        .order_by("inspection_id", "-counts_as_officer", "department", "position", "id")
    )
    for a in rows.iterator(chunk_size=5000):
        out[a.inspection_id].append(a)
    return out


def _who(a):
    return f"{a.inspector.name}（{a.inspector.badge_no}）"


class GroupListExporter(Exporter):
    """检查组与对象（含执法证号）。"""

    sheet_title = "检查组名单"
    columns = [
        "检查组",
        "名次",
        "对象标识",
        "名称",
        "住所（经营场所）",
        "法定代表人（负责人）",
        "联系电话",
        "所属单位",
        "执法人员（执法证号）",
        "辅助人员、专家",
        "完成时限",
        "待处理",
    ]
    widths = {"C": 22, "D": 30, "E": 36, "I": 44, "J": 24}

    def __init__(self, draw, inspections, members):
        task = draw.task
        self.caption = f"{task.code} {task.name} 检查组名单（第{draw.number}次抽取）"
        self.inspections = inspections
        self.members = members

    def rows(self):
        for i in self.inspections:
            people = self.members.get(i.pk, [])
            entity = i.entity
            yield [
                i.group.name if i.group else "未组成检查组",
                i.rank,
                i.uid,
                i.name,
                entity.address if entity else "",
                entity.legal_rep if entity else "",
                entity.phone if entity else "",
                i.station.name if i.station else "",
                "、".join(_who(a) for a in people if a.counts_as_officer),
                "、".join(_who(a) for a in people if not a.counts_as_officer),
                i.deadline.isoformat(),
                "；".join(i.problem_labels),
            ]


class GroupPeopleExporter(Exporter):
    """检查人员名单（每个检查组的成员）。"""

    sheet_title = "检查人员名单"
    columns = [
        "检查组",
        "姓名",
        "执法证号/人员编号",
        "人员类别",
        "所在单位",
        "所属部门",
        "计入执法人员",
        "来源",
    ]
    widths = {"B": 12, "C": 20, "E": 24, "F": 20}

    def __init__(self, draw, inspections, members):
        self.caption = f"{draw.task.code} 检查人员名单"
        self.inspections = inspections
        self.members = members

    def rows(self):
        seen = set()
        for i in self.inspections:
            label = i.group.name if i.group else f"第{i.rank}名 {i.name}"
            for a in self.members.get(i.pk, []):
                key = (label, a.inspector_id)
                if key in seen:
                    continue
                seen.add(key)
                p = a.inspector
                yield [
                    label,
                    p.name,
                    p.badge_no,
                    p.get_kind_display(),
                    p.unit.name,
                    p.department.name if p.department_id else "",
                    "是" if a.counts_as_officer else "否",
                    a.get_source_display(),
                ]


class TaskItemsExporter(Exporter):
    """检查事项清单。"""

    sheet_title = "检查事项清单"
    columns = ["编号", "抽查事项", "检查要点（抽查子项）", "检查方式", "抽查依据", "抽查主体"]
    widths = {"B": 28, "C": 36, "D": 24, "E": 40}

    def __init__(self, task):
        self.caption = f"{task.code} 检查事项清单"
        self.task = task

    def rows(self):
        for item in self.task.items.select_related("department").order_by("code"):
            yield [
                item.code,
                item.name,
                "\n".join(item.sub_item_list),
                "、".join(item.method_labels),
                item.legal_basis,
                item.subject or (item.department.name if item.department else ""),
            ]


def groups_xlsx(draw):
    """三张表：检查组与对象（含执法证号）、检查人员名单、检查事项清单（XLSX 的 bytes）。"""
    members = _members(draw)
    inspections = list(
        Inspection.objects.filter(draw=draw)
        .select_related("group", "entity", "station", "target_object")
        .order_by("group__number", "rank")
    )
    sheets = [
        GroupListExporter(draw, inspections, members),
        GroupPeopleExporter(draw, inspections, members),
        TaskItemsExporter(draw.task),
    ]
    return to_bytes(sheets, "xlsx")
