"""告知与送达：抽查告知书（.docx 与打印页）、告知书的邮寄与退回后的第二次邮寄。"""

import copy
import io
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from docx import Document
from docx.enum.text import WD_BREAK

from shuangsui.core import audit, scope
from shuangsui.inspections import services as inspections
from shuangsui.inspections.models import Inspection

from . import signals
from .choices import MATERIALS, MailOutcome
from .models import Mailing, window

TEMPLATE_NAME = "notice-template.docx"
DEFAULT_TEMPLATE = Path(__file__).resolve().parent / "docx" / TEMPLATE_NAME


# ---------------------------------------------------------------- 告知书


def template_path():
    """管理员可以在数据目录放一份同名模板替换默认模板。"""
    custom = Path(settings.DATA_DIR) / TEMPLATE_NAME
    return custom if custom.is_file() else DEFAULT_TEMPLATE


def notice_context(inspection):
    task = inspection.task
    entity = inspection.entity
    team = [a for a in inspections.team(inspection) if a.inspector_id]
    station = inspection.station
    leader = next((a.inspector for a in team if a.counts_as_officer), None)
    return {
        "inspection": inspection,
        "task": task,
        "target_name": inspection.name or inspection.uid,
        "uid": inspection.uid,
        "address": entity.address if entity else "",
        "items": list(task.items.order_by("code")),
        "inspectors": [a.inspector for a in team],
        "materials": MATERIALS,
        "unit_name": (station.name if station else "") or task.unit.name,
        "contact": (
            f"{leader.name}（执法证号 {leader.badge_no}），{station.name if station else task.unit.name}"
            if leader
            else (station.name if station else task.unit.name)
        ),
        "date": timezone.localdate(),
    }


def _lines(ctx):
    """模板占位符 → 文字；值为列表的占位符各占一段。"""
    return {
        "{{对象名称}}": ctx["target_name"],
        "{{统一社会信用代码}}": ctx["uid"],
        "{{住所}}": ctx["address"] or "—",
        "{{任务编号}}": ctx["task"].code,
        "{{任务名称}}": ctx["task"].name,
        "{{检查事项}}": [
            f"{i + 1}. {item.name}（{item.code}）" for i, item in enumerate(ctx["items"])
        ]
        or ["—"],
        "{{检查人员}}": [f"{p.name}    执法证号：{p.badge_no}" for p in ctx["inspectors"]]
        or ["（检查人员尚未确定）"],
        "{{材料}}": [f"{i + 1}. {m}" for i, m in enumerate(ctx["materials"])],
        "{{联系人}}": ctx["contact"],
        "{{单位}}": ctx["unit_name"],
        "{{日期}}": f"{ctx['date'].year}年{ctx['date'].month}月{ctx['date'].day}日",
    }


def _fill(document, values):
    for paragraph in list(document.paragraphs):
        text = paragraph.text
        if "{{" not in text:
            continue
        key = text.strip()
        if isinstance(values.get(key), list):
            anchor = paragraph
            for line in values[key]:
                new = copy.deepcopy(paragraph._p)
                anchor._p.addnext(new)
                anchor = type(paragraph)(new, paragraph._parent)
                _set_text(anchor, line)
            paragraph._p.getparent().remove(paragraph._p)
            continue
        for placeholder, value in values.items():
            if not isinstance(value, list):
                text = text.replace(placeholder, value)
        _set_text(paragraph, text)


def _set_text(paragraph, text):
    runs = paragraph.runs
    if not runs:
        paragraph.add_run(text)
        return
    runs[0].text = text
    for run in runs[1:]:
        run._r.getparent().remove(run._r)


def render_notices(inspection_list):
    """把若干检查对象的告知书写进一个 .docx（对象之间分页），返回字节。"""
    path = template_path()
    master = None
    for inspection in inspection_list:
        document = Document(str(path))
        _fill(document, _lines(notice_context(inspection)))
        if master is None:
            master = document
            continue
        body = master.element.body
        breaker = master.add_paragraph().add_run()
        breaker.add_break(WD_BREAK.PAGE)
        sect = body.sectPr
        for element in list(document.element.body):
            if element.tag.endswith("}sectPr"):
                continue
            if sect is not None:
                sect.addprevious(element)
            else:
                body.append(element)
    if master is None:
        raise ValidationError("没有可生成告知书的检查对象")
    out = io.BytesIO()
    master.save(out)
    return out.getvalue()


def station_batch(user, task, station=None):
    """一个所（或整个任务）在用户辖区内的检查对象，按名次。"""
    rows = inspections.visible(user).filter(task=task)
    if station is not None:
        rows = rows.filter(station=station)
    return list(rows.order_by("station__code", "rank"))


# ---------------------------------------------------------------- 邮寄


def may_record(user, inspection):
    """检查人员（本人参与的）、所长（本所的）、本辖区的抽查操作人员可以登记邮寄。"""
    if not scope.capabilities(user) & {"work.own", "work.station", "draws.operate"}:
        return False
    return inspections.visible(user).filter(pk=inspection.pk).exists()


def _require(user, inspection):
    if not may_record(user, inspection):
        raise PermissionDenied("没有权限登记邮寄")


def mailings(inspection):
    return list(inspection.mailings.order_by("round", "sequence"))


def state(inspection):
    """当前一轮的情况：下一次邮寄是第几轮第几次、第二次寄出的窗口、是否因退回过晚需要重新开始。"""
    rows = mailings(inspection)
    result = {
        "mailings": rows,
        "round": 1,
        "sequence": 1,
        "window": None,
        "late": False,
        "blocked": "",
    }
    if not rows:
        return result
    current = max(m.round for m in rows)
    pair = {m.sequence: m for m in rows if m.round == current}
    first, second = pair.get(1), pair.get(2)
    result["round"] = current
    if second is not None:
        if second.outcome == MailOutcome.PENDING:
            result["blocked"] = "第二次邮寄尚未登记结果"
        elif second.outcome == MailOutcome.DELIVERED:
            result["blocked"] = "告知书已送达"
        else:
            result["blocked"] = "两次邮寄均被退回"
        result["sequence"] = None
        return result
    if first.outcome == MailOutcome.PENDING:
        result["blocked"] = "首次邮寄尚未登记结果"
        result["sequence"] = None
    elif first.outcome == MailOutcome.DELIVERED:
        result["blocked"] = "告知书已送达"
        result["sequence"] = None
    else:
        earliest, latest = window(first)
        result["window"] = (earliest, latest)
        if first.outcome_on > latest:
            result["late"] = True
            result["round"] = current + 1
            result["sequence"] = 1
        else:
            result["sequence"] = 2
    return result


def record_mailing(inspection, user, *, method, sent_on, tracking_no):
    """登记一次邮寄：首次、退回后的第二次（须在窗口内），或首次退回过晚后重新开始的新一轮首次。"""
    _require(user, inspection)
    with transaction.atomic():
        Inspection.objects.select_for_update().filter(pk=inspection.pk).first()
        now = state(inspection)
        if now["sequence"] is None:
            raise ValidationError(f"不能再登记邮寄：{now['blocked']}")
        mailing = Mailing(
            inspection=inspection,
            round=now["round"],
            sequence=now["sequence"],
            method=method,
            sent_on=sent_on,
            tracking_no=(tracking_no or "").strip(),
            created_by=user,
        )
        mailing.full_clean()
        mailing.save()
        action = "mailing.restarted" if now["late"] else "mailing.sent"
        audit.log(
            action,
            mailing,
            actor=user,
            after={
                "round": mailing.round,
                "sequence": mailing.sequence,
                "method": mailing.method,
                "sent_on": mailing.sent_on,
                "tracking_no": mailing.tracking_no,
            },
        )
    return mailing


def record_outcome(mailing, user, *, outcome, outcome_on, return_reason=""):
    inspection = mailing.inspection
    _require(user, inspection)
    with transaction.atomic():
        Inspection.objects.select_for_update().filter(pk=inspection.pk).first()
        mailing = Mailing.objects.select_for_update().get(pk=mailing.pk)
        if mailing.outcome != MailOutcome.PENDING:
            raise ValidationError("这次邮寄的结果已经登记过")
        before = {"outcome": mailing.outcome}
        mailing.outcome = outcome
        mailing.outcome_on = outcome_on
        mailing.return_reason = (return_reason or "").strip()
        mailing.full_clean()
        mailing.save()
        audit.log(
            "mailing.outcome",
            mailing,
            actor=user,
            before=before,
            after={
                "outcome": mailing.outcome,
                "outcome_on": mailing.outcome_on,
                "return_reason": mailing.return_reason,
            },
        )
        signals.mailing_outcome_recorded.send(sender=Mailing, mailing=mailing, user=user)
    return mailing


def returned_twice(inspection):
    """同一轮（有效的一对）中首次、第二次邮寄都被退回。"""
    rows = Mailing.objects.filter(inspection=inspection, outcome=MailOutcome.RETURNED)
    seen = {}
    for rnd, seq in rows.values_list("round", "sequence"):
        seen.setdefault(rnd, set()).add(seq)
    return any(s >= {1, 2} for s in seen.values())


def notices_for_task(task_code, station_code=""):
    """命令行用：按任务编号（和所代码）取全部检查对象，返回 (.docx 字节, 份数)。"""
    from shuangsui.core.models import OrgUnit
    from shuangsui.plans.models import Task

    tasks = list(Task.objects.filter(code=task_code)[:2])
    if not tasks:
        raise ValidationError(f"没有任务编号为 {task_code} 的任务")
    if len(tasks) > 1:
        raise ValidationError(f"任务编号 {task_code} 不唯一")
    rows = Inspection.objects.filter(task=tasks[0])
    if station_code:
        station = OrgUnit.objects.filter(code=station_code).first()
        if station is None:
            raise ValidationError(f"没有代码为 {station_code} 的所")
        rows = rows.filter(station=station)
    rows = list(rows.select_related("task", "station", "entity").order_by("station__code", "rank"))
    return render_notices(rows), len(rows)
