"""生成默认的告知书模板（notices/docx/notice-template.docx）。

管理员可以复制这份模板，在 Word 里改版式与文字，放到数据目录下同名替换。占位符 `{{…}}`
原样保留；单独成段的 {{检查事项}}、{{检查人员}}、{{材料}} 每项展开为一段，沿用该段的格式。
重新生成：`python -m shuangsui.notices.template_docx`。
"""

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

FANGSONG = "仿宋_GB2312"
SONGTI = "宋体"


def _font(run_or_style, name, size):
    font = run_or_style.font
    font.name = name
    font.size = Pt(size)
    rpr = run_or_style.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(rfonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia"):
        rfonts.set(qn(attr), name)


def build(path):
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = document.styles["Normal"]
    _font(normal, FANGSONG, 16)  # 三号仿宋
    normal.paragraph_format.line_spacing = Pt(28)

    def para(text, *, bold=False, align=None, indent=True, size=None, font=None):
        p = document.add_paragraph()
        if align is not None:
            p.alignment = align
        if indent and align is None:
            p.paragraph_format.first_line_indent = Pt(32)
        run = p.add_run(text)
        run.bold = bold
        if font or size:
            _font(run, font or FANGSONG, size or 16)
        return p

    para("{{单位}}", align=WD_ALIGN_PARAGRAPH.CENTER, size=16)
    para("抽查告知书", align=WD_ALIGN_PARAGRAPH.CENTER, font=SONGTI, size=22, bold=True)
    para("任务编号：{{任务编号}}", align=WD_ALIGN_PARAGRAPH.RIGHT, size=12)
    para("{{对象名称}}（统一社会信用代码：{{统一社会信用代码}}）：", indent=False)
    para(
        "根据“双随机、一公开”监管工作安排，你单位被随机抽取为“{{任务名称}}”的检查对象。"
        "我局将依法对你单位进行检查，现将有关事项告知如下："
    )
    para("一、检查事项清单", font=SONGTI, bold=True)
    para("{{检查事项}}")
    para("二、检查人员名单", font=SONGTI, bold=True)
    para("{{检查人员}}")
    para("三、需准备的材料", font=SONGTI, bold=True)
    para("{{材料}}")
    para("四、联系人", font=SONGTI, bold=True)
    para("{{联系人}}")
    para(
        "请你单位予以配合，如实提供有关材料和情况。拒绝、阻碍检查的，将依法处理；"
        "检查人员与你单位有利害关系的，你单位可以申请回避。"
    )
    para("{{单位}}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    para("{{日期}}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    document.save(str(path))


if __name__ == "__main__":
    build(Path(__file__).resolve().parent / "docx" / "notice-template.docx")
