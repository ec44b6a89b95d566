"""检查对象各行的小片段（工作清单、匹配结果）：`{% load inspections %}`。

每行都要显示检查组成员与待处理问题；用 format_html 直接拼出片段，不为每行各渲染一个子模板。
工作清单的一行（一张卡片）整行这样拼出：一页 20 行逐格用模板渲染，占了整页一半的 CPU。
"""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from shuangsui.inspections.choices import AssignmentSource, problem_labels
from shuangsui.inspectors.choices import InspectorKind

register = template.Library()

KINDS = dict(InspectorKind.choices)
SOURCES = dict(AssignmentSource.choices)


def _member(a, joint):
    """一名检查人员：姓名（执法证号），联合检查注部门；不计入执法人员的注类别；非随机匹配的注来源。"""
    notes = []
    if a["department"] and joint:
        notes.append(format_html(' <small class="muted">{}</small>', a["department"]))
    if not a["counts_as_officer"]:
        notes.append(
            format_html(
                ' <small class="muted">{}，不计入执法人员</small>', KINDS.get(a["kind"], a["kind"])
            )
        )
    if a["source"] != AssignmentSource.MATCHED:
        notes.append(
            format_html(' <small class="badge">{}</small>', SOURCES.get(a["source"], a["source"]))
        )
    return format_html(
        '<span class="member{}" data-badge="{}">{}（{}）{}</span>',
        "" if a["counts_as_officer"] else " extra",
        a["badge_no"],
        a["name"],
        a["badge_no"],
        mark_safe("".join(notes)),  # 各段已由 format_html 转义
    )


@register.simple_tag
def team_members(team, joint=False):
    """检查组成员（`services.members_by_inspection` 的一项），以“、”分隔；没有人时为“—”。"""
    if not team:
        return mark_safe('<span class="muted">—</span>')
    return format_html_join("、", "{}", ((_member(a, joint),) for a in team))


@register.simple_tag
def sheet_items(sheet):
    """任务的检查事项（编号、名称：检查要点），每项一个 <li>。`sheet` 为 `services.task_sheets`
    的一项：同一任务的各行共用它，片段只拼一次，存在其中。"""
    html = sheet.get("items_html")
    if html is None:
        html = sheet["items_html"] = format_html_join(
            "",
            "<li><code>{}</code> {}{}</li>",
            (
                (item["code"], item["name"], f"：{item['points']}" if item["points"] else "")
                for item in sheet["items"]
            ),
        )
    return html


@register.simple_tag
def problem_badges(problems):
    """待处理问题（代码）的标记。"""
    return format_html_join(
        "",
        '<span class="badge credit-C problem">{}</span> ',
        ((p,) for p in problem_labels(problems)),
    )


# ---------------------------------------------------------------- 工作清单的一行

DUE_NOTES = {
    "overdue": mark_safe(' <span class="due-overdue">已逾期</span>'),
    "soon": mark_safe(' <span class="due-soon">即将到期</span>'),
}


def _due(i, mark):
    return format_html(
        '<td class="deadline nowrap" data-label="完成时限"><span class="due-date due-{}">{}</span>'
        "{}</td>",
        mark["state"] or "ok",
        i["deadline"].isoformat() if i["deadline"] else "",
        DUE_NOTES.get(mark["state"], ""),
    )


def _task(task):
    methods = ""
    if task["methods"]:
        methods = format_html('<br><small class="muted">检查方式：{}</small>', task["methods"])
    return format_html(
        '<td data-label="抽查任务"><code class="nowrap">{}</code><br>{}{}</td>',
        task["code"],
        task["name"],
        methods,
    )


def _target(i):
    station = ""
    if i["station_name"]:
        station = format_html('<br><small class="muted">{}</small>', i["station_name"])
    return format_html(
        '<td data-label="检查对象"><a href="{}" class="inspection-link">{}</a><br><code>{}</code>'
        '{}<br><a class="button primary result-link" href="{}">录入检查结果</a></td>',
        i["detail_url"],
        i["name"] or i["uid"],
        i["uid"],
        station,
        i["result_url"],
    )


def _contact(i):
    """住所、负责人与电话（对象库的对象没有，格子留空）。"""
    if not i["entity_id"]:
        return mark_safe('<td data-label="住所与联系"></td>')
    phone = format_html('<a class="tel" href="tel:{}">{}</a>', i["phone"], i["phone"])
    return format_html(
        '<td data-label="住所与联系">{}<br><small class="muted">负责人</small> {}<br>'
        '<small class="muted">电话</small> {}</td>',
        i["address"] or "—",
        i["legal_rep"] or "—",
        phone if i["phone"] else "—",
    )


def _state(i, mark):
    returned = submitted = ""
    if mark["returned"]:
        returned = format_html(
            ' <span class="returned work-returned">已退回 {} 项</span>', mark["returned"]
        )
    if mark["submitted"]:
        submitted = format_html(' <small class="muted">待审核 {} 项</small>', mark["submitted"])
    return format_html(
        '<td class="nowrap" data-label="状态"><span class="status status-{}">{}</span>{}{} {}</td>',
        i["status"],
        i["status_label"],
        returned,
        submitted,
        problem_badges(i["problems"]),
    )


@register.simple_tag
def worklist_row(i, task, team, mark):
    """工作清单的一行：i 为 `services.worklist_rows` 的一行（另有 detail_url、result_url），task 为
    `services.task_sheets` 的一项，team 为检查组成员，mark 为 `results.services.worklist_marks` 的一项。"""
    cells = [
        _due(i, mark),
        _task(task),
        format_html('<td class="nowrap" data-label="检查组">{}</td>', i["group_name"] or "—"),
        _target(i),
        _contact(i),
        format_html('<td data-label="检查事项"><ul class="items">{}</ul></td>', sheet_items(task)),
        format_html('<td data-label="检查人员">{}</td>', team_members(team)),
        _state(i, mark),
    ]
    return format_html(
        '<tr data-uid="{}" id="work-{}">\n{}\n</tr>',
        i["uid"],
        i["pk"],
        mark_safe("\n".join(cells)),  # 各格已由 format_html 转义
    )
