"""“两张清单”与“一书一函”（004 (六)(十一)）：随行政处罚决定生成的 .docx。

- 两张清单：行政处罚告知单 + 整改辅导单（“既按规定开行政处罚单，又针对问题开整改辅导单”）；
- 一书一函：行政处罚（含信息公示）告知书 + 信用修复提示函（“一书一函同达”）。
两份都以立案调查措施上的行政处罚决定书文号为准；版式沿用告知书（A4、三号仿宋、标题二号宋体）。
"""

import io

from django.core.exceptions import ValidationError
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.shared import Cm, Pt

from shuangsui.notices.template_docx import FANGSONG, SONGTI
from shuangsui.notices.template_docx import _font as set_font

from .choices import ORDER_CORRECTION
from .models import FollowUp

SHORT = {"lists": "两张清单", "letters": "一书一函"}
KINDS = {
    "lists": "两张清单（行政处罚告知单、整改辅导单）",
    "letters": "一书一函（行政处罚告知书、信用修复提示函）",
}


def _cn_date(d):
    return f"{d.year}年{d.month}月{d.day}日" if d else "____年__月__日"


class _Writer:
    def __init__(self):
        self.document = Document()
        section = self.document.sections[0]
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
        section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
        normal = self.document.styles["Normal"]
        set_font(normal, FANGSONG, 16)
        normal.paragraph_format.line_spacing = Pt(28)

    def para(self, text, *, title=False, align=None, indent=True, bold=False, size=None):
        p = self.document.add_paragraph()
        if title:
            align = WD_ALIGN_PARAGRAPH.CENTER
        if align is not None:
            p.alignment = align
        elif indent:
            p.paragraph_format.first_line_indent = Pt(32)
        run = p.add_run(text)
        run.bold = bold or title
        if title:
            set_font(run, SONGTI, 22)
        elif size:
            set_font(run, FANGSONG, size)
        return p

    def page_break(self):
        self.document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def bytes(self):
        out = io.BytesIO()
        self.document.save(out)
        return out.getvalue()


def _facts(followup):
    inspection = followup.inspection
    result = followup.result
    task = inspection.task
    unit = inspection.station.name if inspection.station_id else task.unit.name
    return {
        "unit": unit,
        "name": inspection.name or inspection.uid,
        "uid": inspection.uid,
        "task": f"{task.code}（{task.name}）",
        "item": f"{result.item.code} {result.item.name}",
        "facts": result.facts or "—",
        "provisions": result.provisions or "—",
        "codes": "、".join(result.code_labels) or "—",
        "checked": _cn_date(result.checked_to or result.checked_from),
        "decision_no": followup.decision_no,
        "decision_on": _cn_date(followup.decision_on or followup.closed_on or followup.decided_on),
    }


def _header(w, f, title):
    w.para(f["unit"], align=WD_ALIGN_PARAGRAPH.CENTER)
    w.para(title, title=True)
    w.para(f"行政处罚决定书文号：{f['decision_no']}", align=WD_ALIGN_PARAGRAPH.RIGHT, size=12)
    w.para(f"{f['name']}（统一社会信用代码：{f['uid']}）：", indent=False)


def _footer(w, f):
    w.para(f["unit"], align=WD_ALIGN_PARAGRAPH.RIGHT)
    w.para(f["decision_on"], align=WD_ALIGN_PARAGRAPH.RIGHT)


def _orders(followup):
    """同一对象上的责令改正（期限、复查），写进整改辅导单。"""
    return [
        o
        for o in FollowUp.objects.filter(
            inspection=followup.inspection, measure__code=ORDER_CORRECTION
        )
        .prefetch_related("rechecks")
        .order_by("decided_on", "id")
    ]


def render(followup, kind):
    """生成 `kind`（lists 两张清单 / letters 一书一函）的 .docx 字节。"""
    if kind not in KINDS:
        raise ValidationError("没有这种文书")
    if not followup.is_case or not followup.decision_no.strip():
        raise ValidationError(
            "须先在立案调查措施上登记行政处罚决定书文号，才能生成“两张清单”“一书一函”"
        )
    f = _facts(followup)
    w = _Writer()
    if kind == "lists":
        _header(w, f, "行政处罚告知单")
        w.para(
            f"我局在“双随机、一公开”抽查（抽查任务 {f['task']}）中，于{f['checked']}对你单位"
            f"“{f['item']}”进行了检查，检查结果为：{f['codes']}。"
        )
        w.para(f"检查发现的事实：{f['facts']}")
        w.para(f"适用条款：{f['provisions']}")
        w.para(
            f"我局已依法立案调查并作出行政处罚决定（{f['decision_no']}），"
            "请按行政处罚决定书载明的内容和期限履行。对决定不服的，可以依法申请行政复议或者提起行政诉讼。"
        )
        _footer(w, f)
        w.page_break()
        _header(w, f, "整改辅导单")
        w.para("针对本次抽查发现的问题，为帮助你单位尽快整改、合规经营，现提出以下整改指导意见：")
        w.para(f"一、存在的问题：{f['facts']}")
        orders = _orders(followup)
        if orders:
            for o in orders:
                line = f"二、整改要求：{o.details or '按检查发现的问题逐项整改'}，于{_cn_date(o.due_on)}前改正完毕"
                recheck = next(iter(o.rechecks.all()), None)
                if recheck:
                    line += (
                        f"（{_cn_date(recheck.checked_on)}复查：{recheck.get_outcome_display()}）"
                    )
                w.para(line + "。")
        else:
            w.para("二、整改要求：对照适用条款逐项整改，整改完成后向我局报告。")
        w.para(
            "三、辅导方式：我局可提供法律法规解读、整改方法指导；整改中有疑问的，请与承办人员联系。"
        )
        _footer(w, f)
    else:
        _header(w, f, "行政处罚（含信息公示）告知书")
        w.para(
            f"你单位在“双随机、一公开”抽查（抽查任务 {f['task']}，检查事项 {f['item']}）中被发现："
            f"{f['facts']}。我局已依法作出行政处罚决定（{f['decision_no']}）。"
        )
        w.para(
            "根据《企业信息公示暂行条例》等规定，该行政处罚信息将通过国家企业信用信息公示系统"
            "记于你单位名下并向社会公示。"
        )
        _footer(w, f)
        w.page_break()
        _header(w, f, "信用修复提示函")
        w.para(
            f"你单位因行政处罚（{f['decision_no']}）被公示。为支持你单位重塑信用，现将信用修复事项提示如下："
        )
        w.para(
            "一、履行行政处罚决定书确定的义务、纠正违法行为，并达到规定的最短公示期限后，可以申请信用修复。"
        )
        w.para("二、申请可通过国家企业信用信息公示系统在网上提交（“网上办”），也可到我局窗口办理。")
        w.para("三、申请材料：信用修复申请书、守信承诺书、履行行政处罚决定的材料。")
        w.para(
            "四、信用修复后，我局将按规定停止公示相关行政处罚信息，并相应调整你单位的信用风险分类。"
        )
        _footer(w, f)
    return w.bytes()


def filename(followup, kind):
    stem = {"lists": "penalty-lists", "letters": "penalty-letters"}[kind]
    return f"{stem}-{followup.inspection.uid}-{followup.pk}.docx"
