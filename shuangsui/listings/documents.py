"""经营异常名录审批表（.docx，python-docx）：检查情况与适用条款取自检查结果，
承办、提醒、所长审核、局审批各栏写明谁、何时、意见；A4，仿宋/宋体（沿用告知书模板的字体设置）。"""

import io

from django.utils import timezone
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm

from shuangsui.notices.template_docx import FANGSONG, SONGTI, _font


def _when(value):
    if value is None:
        return ""
    if hasattr(value, "hour"):
        value = timezone.localtime(value)
        return f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}"
    return f"{value.year}年{value.month}月{value.day}日"


def _who(user):
    return user.display_name if user is not None else "系统"


def _opinion(obj, *, by, at, note, empty):
    if at is None:
        return empty
    return f"{note or '同意'}\n{_who(by)}    {_when(at)}"


def rows(listing):
    """审批表的栏目：[(栏目, 内容)]，页面的打印视图也用它。"""
    entity = listing.entity
    reminders = [
        f"{_when(r.contacted_at)} {r.get_method_display()}提醒 {r.person}（{r.number}）："
        f"{r.get_outcome_display()}；提醒人 {_who(r.recorded_by)}"
        for r in listing.reminders.all()
    ]
    rejected = (
        f"不予批准：{listing.reject_reason}\n{_who(listing.rejected_by)}    {_when(listing.rejected_at)}"
        if listing.rejected_at
        else ""
    )
    out = [
        ("主体名称", entity.name),
        ("统一社会信用代码", entity.uid),
        ("主体类型", entity.get_entity_type_display()),
        ("住所（经营场所）", entity.address or "—"),
        ("法定代表人（负责人）", entity.legal_rep or "—"),
        ("承办单位", listing.station.name),
        ("列入事由", listing.get_cause_display()),
        ("处理", listing.get_mark_display()),
        ("提请依据", listing.source),
        ("检查情况", listing.facts or "—"),
        ("适用条款", listing.provisions or "—"),
    ]
    if listing.listed_on:
        out.append(("列入日期", _when(listing.listed_on)))
    if listing.removed_on:
        out.append(("移出日期", f"{_when(listing.removed_on)}（{listing.removed_reason}）"))
    if listing.cause == "unreachable":
        out.append(("列异前提醒", "\n".join(reminders) or "（尚未提醒）"))
    out += [
        ("承办人", f"{_who(listing.proposed_by)}    {_when(listing.proposed_at)}"),
        (
            "市场监管所负责人审核意见",
            _opinion(
                listing,
                by=listing.reviewed_by,
                at=listing.reviewed_at,
                note=listing.review_note,
                empty=rejected if listing.rejected_at and not listing.reviewed_at else "",
            ),
        ),
        (
            "区局审批意见",
            _opinion(
                listing,
                by=listing.approved_by,
                at=listing.approved_at,
                note=listing.approval_note,
                empty=rejected if listing.reviewed_at else "",
            ),
        ),
    ]
    return out


def approval_form(listing):
    """返回 .docx 字节。"""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.5)
    section.left_margin, section.right_margin = Cm(2.6), Cm(2.6)
    _font(document.styles["Normal"], FANGSONG, 12)

    def para(text, size, font=FANGSONG, bold=False, align=WD_ALIGN_PARAGRAPH.CENTER):
        p = document.add_paragraph()
        p.alignment = align
        run = p.add_run(text)
        run.bold = bold
        _font(run, font, size)
        return p

    para(listing.station.county.name, 14)
    para(listing.form_title, 22, font=SONGTI, bold=True)
    para(f"编号：{listing.station.code}-{listing.pk:06d}", 10.5, align=WD_ALIGN_PARAGRAPH.RIGHT)
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in rows(listing):
        cells = table.add_row().cells
        cells[0].width, cells[1].width = Cm(4.2), Cm(11.6)
        cells[0].text, cells[1].text = label, value
        for cell in cells:
            for p in cell.paragraphs:
                for run in p.runs:
                    _font(run, FANGSONG, 12)
        for run in cells[0].paragraphs[0].runs:
            run.bold = True
    para(
        f"打印时间：{_when(timezone.now())}    状态：{listing.state_label}",
        10.5,
        align=WD_ALIGN_PARAGRAPH.LEFT,
    )
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
