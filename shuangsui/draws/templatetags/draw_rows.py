"""任务页上入选、备选名单的表格行：`{% load draw_rows %}`。

一页 50 户，每行用模板逐格渲染要两三毫秒；用 format_html 直接拼出各行。每格带 data-label：
窄屏（手机）上表格显示为一户一张卡片（site.css 的 table.list.cards），格前写出列名。
"""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

UNMATCHED = mark_safe(' <span class="badge credit-C">人员不足，待直接指派</span>')
RELAXED = mark_safe(' <span class="badge">已放宽人均上限</span>')


def _uid(t):
    """对象标识：市场主体链到详情页，对象库的对象不链。"""
    if t["url"]:
        return format_html('<a href="{}"><code>{}</code></a>', t["url"], t["uid"])
    return format_html("<code>{}</code>", t["uid"])


def _batch(t, show_batches):
    return format_html('<td data-label="批次">第 {} 批</td>', t["batch"]) if show_batches else ""


def _flag(t):
    if t["unmatched"]:
        return UNMATCHED
    return RELAXED if t["flags"] else ""


@register.simple_tag
def selected_rows(rows, show_batches=False):
    """入选名单的行（`draws.views._selected_page` 的一页）：名次、批次、对象标识、名称、所属单位、
    层与检查人员。"""
    return format_html_join(
        "\n",
        '<tr><td data-label="名次">{}</td>{}<td data-label="对象标识">{}</td>'
        '<td data-label="名称">{}</td><td data-label="所属单位">{}</td>'
        '<td data-label="层">{}</td><td data-label="检查人员">{}{}</td></tr>',
        (
            (
                t["rank"],
                _batch(t, show_batches),
                _uid(t),
                t["name"],
                t["unit"],
                t["shown_stratum"],
                t["people"],
                _flag(t),
            )
            for t in rows
        ),
    )


@register.simple_tag
def reserve_rows(rows):
    """备选名单的行：名次、对象标识、名称与层。"""
    return format_html_join(
        "\n",
        '<tr><td data-label="名次">{}</td><td data-label="对象标识">{}</td>'
        '<td data-label="名称">{}</td><td data-label="层">{}</td></tr>',
        ((t["rank"], _uid(t), t["name"], t["shown_stratum"]) for t in rows),
    )
