"""检查对象各行的小片段（工作清单、匹配结果）：`{% load inspections %}`。

每行都要显示检查组成员与待处理问题；用 format_html 直接拼出片段，不为每行各渲染一个子模板。
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
def problem_badges(problems):
    """待处理问题（代码）的标记。"""
    return format_html_join(
        "",
        '<span class="badge credit-C problem">{}</span> ',
        ((p,) for p in problem_labels(problems)),
    )
