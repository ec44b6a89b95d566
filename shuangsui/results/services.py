"""检查结果：录入、提交、审核（通过/退回）、更正（新版本）、检查材料、完成与进度、期限。

规则（000 §四(三)(四)、§五(二)(三)；003 二(五)–(七)；004 关于B类企业）：
- 只有该对象当前有效指派的检查人员能录入；联合任务各部门的人员录入本部门的事项。
- 应当现场检查的事项不能以书面检查、网络监测等方式替代；实地检查时现场执法人员不少于 2 人
  （辅助人员、专家不计入；联合任务按一次上门计，不是每个部门各 2 人）。
- 结果代码分层：选了下级即含上级；“1 未发现问题”与任何其他代码互斥；登记状态代码 9–12
  与 1 互斥、彼此互斥，并与主体的登记状态核对（不符时须核实确认）。
- 审核：所长或任务的部门审核；参加检查（到场）或录入的人不能审核该结果。审核通过的版本不可改，
  更正是新版本并写明原因，旧版本留存。
- 检查对象的全部事项都有审核通过的结果时为“已检查”；任务的全部对象都已检查时任务“已完成”。
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, Q, prefetch_related_objects
from django.utils import timezone

from shuangsui.catalog import methods as check_methods
from shuangsui.catalog.models import ResultCode
from shuangsui.core import audit, scope, workdays
from shuangsui.core.choices import Role
from shuangsui.directory.choices import EntityStatus
from shuangsui.draws.choices import DrawStatus
from shuangsui.inspections.choices import InspectionStatus
from shuangsui.inspections.models import Assignment, Dispatch, Inspection
from shuangsui.inspectors.choices import InspectorKind
from shuangsui.plans import services as plans
from shuangsui.plans.choices import PublicationStart, TaskStatus

from . import files, signals
from .choices import NO_PROBLEM, STATUS_CODES, ResultStatus
from .models import Attachment, Result, join

MIN_VISIT_OFFICERS = 2
DUE_SOON_DAYS = 3

# ---------------------------------------------------------------- 事项与规则


def department_of(item):
    return item.department.code if item.department_id else ""


def items_of(inspection):
    return list(inspection.task.items.select_related("department").order_by("code"))


def requires_on_site(item):
    """应当现场检查的事项：核查方式含现场性质的（实地检查），且不含书面、非现场监测性质的。"""
    methods = item.method_list
    return check_methods.on_site(methods) and not check_methods.off_site(methods)


def written_first(inspection, item):
    """B类书面检查优先：任务勾选、对象为B类、事项允许书面检查且不是必须现场检查的事项。"""
    entity = inspection.entity
    if not (inspection.task.written_first_b and entity and entity.credit_class == "B"):
        return False
    methods = item.method_list
    return (not methods or check_methods.written(methods)) and not requires_on_site(item)


def rules(inspection):
    return plans.rules_for(inspection.station or inspection.task.unit)


def _joint_departments(inspection):
    info = Dispatch.objects.filter(draw_id=inspection.draw_id).first()
    return info.departments if info and info.is_joint else []


def _my_departments(user, inspection):
    """本人在该对象上各条有效指派的部门代码；不是组员时为空。"""
    if user is None or not user.is_authenticated:
        return []
    mine = Assignment.objects.filter(inspection=inspection, active=True, inspector__user=user)
    return list(mine.order_by().values_list("department", flat=True))


def enterable(user, inspection, items, team=None):
    """本人可以录入的事项（id 的集合）：当前有效指派的检查人员；联合任务只录本部门的事项。
    team：页面已取到的有效指派（连同人员）时从中找本人，不再查。"""
    if team is None:
        mine = _my_departments(user, inspection)
    else:
        mine = [a.department for a in team if a.inspector.user_id == user.pk]
    if not mine:
        return set()
    departments = _joint_departments(inspection)
    return {
        item.pk
        for item in items
        if department_of(item) not in departments or department_of(item) in mine
    }


def may_enter(user, inspection, item):
    return item.pk in enterable(user, inspection, [item])


def check_enter(user, inspection, item):
    if not may_enter(user, inspection, item):
        if not _my_departments(user, inspection):
            raise PermissionDenied("只有指派到该对象的检查人员可以录入检查结果")
        raise PermissionDenied(
            f"联合检查中各部门录入本部门的事项：“{item.name}”由{item.department}的检查人员录入"
        )
    if inspection.draw.status != DrawStatus.COMPLETED or inspection.status == (
        InspectionStatus.CANCELLED
    ):
        raise ValidationError("该检查对象已取消，不能录入结果")


def _reviewer_role(user, result):
    """审核人：本所所长（辖区内），或任务的部门、事项的部门。"""
    if not scope.in_scope(user, result.scope_path) and user.role != Role.JOINT_DEPT:
        return False
    if user.role == Role.STATION_HEAD:
        return scope.in_scope(user, result.scope_path)
    if user.role in (Role.BUSINESS, Role.JOINT_DEPT) and user.unit_id:
        task = result.inspection.task
        if result.item.department_id == user.unit_id:
            return True
        return task.departments.filter(pk=user.unit_id).exists()
    return False


def check_review(user, result):
    if not _reviewer_role(user, result):
        raise PermissionDenied("只有所长或任务的部门可以审核检查结果")
    if result.entered_by_id == user.pk or result.present.filter(user=user).exists():
        raise PermissionDenied("参加检查或录入该结果的人员不能审核该结果")


def may_review(user, result):
    try:
        check_review(user, result)
    except PermissionDenied:
        return False
    return result.status == ResultStatus.SUBMITTED


# ---------------------------------------------------------------- 查询


def _people_and_files():
    """结果的到场人员与材料（材料按上传顺序，不按默认排序去连接结果、检查对象与任务）。"""
    return ("present", Prefetch("attachments", queryset=Attachment.objects.order_by("id")))


def current_versions(inspection):
    """{事项 id: 现行版本}：只有结果本身（状态、检查日期、退回原因），检查对象页与期限用。"""
    return {r.item_id: r for r in inspection.results.filter(current=True).order_by()}


def current_results(inspection):
    """{事项 id: 现行版本}，连同事项、录入人、审核人、到场人员与材料。"""
    rows = inspection.results.filter(current=True).order_by()
    rows = rows.select_related("item", "entered_by", "reviewed_by")
    return {r.item_id: r for r in rows.prefetch_related(*_people_and_files())}


def with_people_and_files(result, item):
    """表单页的一条现行版本（取自 `current_versions`）：取到场人员与材料；事项已取到，
    录入人、审核人显示时再取。"""
    result.item = item
    prefetch_related_objects([result], *_people_and_files())
    return result


def ever_approved(results):
    """现行版本（`current_versions`）里是否有审核通过过的：本身已审核通过，或是更正后的版本
    （更正只能从审核通过的版本提出，旧版本留存）。后续处置只登记在审核通过的结果上。"""
    return any(r.status == ResultStatus.APPROVED or r.version > 1 for r in results.values())


def history(inspection, item, *, current=True):
    """该事项的各个版本，新的在前；current=False 时不含现行版本（表单页另外显示它）。"""
    rows = inspection.results.filter(item=item).order_by("-version")
    if not current:
        rows = rows.filter(current=False)
    rows = rows.select_related("entered_by", "reviewed_by")
    return list(rows.prefetch_related(*_people_and_files()))


def visible_results(user):
    """用户能看到的结果：与检查对象相同的可见范围。"""
    from shuangsui.inspections import services as inspections

    return Result.objects.filter(inspection__in=inspections.visible(user).values("pk"))


def review_queue(user):
    """待该用户审核的结果（所长：本所；部门：本部门的任务或事项）。"""
    if user.role == Role.STATION_HEAD:
        rows = Result.objects.filter(scope.under(scope.root_path(user) or "/none/"))
    elif user.role in (Role.BUSINESS, Role.JOINT_DEPT) and user.unit_id:
        rows = Result.objects.filter(
            Q(item__department_id=user.unit_id) | Q(inspection__task__departments=user.unit_id)
        ).distinct()
    else:
        return Result.objects.none()
    return (
        rows.filter(status=ResultStatus.SUBMITTED, current=True)
        .exclude(entered_by=user)
        .exclude(present__user=user)
        .select_related("inspection", "item", "entered_by", "inspection__task")
        .order_by("submitted_at")
    )


def entity_results(user, entity, year=None):
    """其他部门可参考的结果（部门间互认）：该主体本年度审核通过的现行结果。"""
    if not scope.can(user, "directory.view"):
        return Result.objects.none()
    year = year or timezone.localdate().year
    return (
        Result.objects.filter(
            inspection__entity=entity,
            status=ResultStatus.APPROVED,
            current=True,
            checked_to__year=year,
        )
        .select_related("item", "item__department")
        .order_by("-checked_to")
    )


# ---------------------------------------------------------------- 录入


def _clean_codes(codes):
    """代码去重、补上级，按代码表顺序返回；未知或停用的代码报错。"""
    if not codes:  # 没有选代码（如空白草稿）：不必读代码表
        return []
    table = {c.code: c for c in ResultCode.objects.filter(active=True).select_related("parent")}
    chosen = []
    unknown = [c for c in codes if c not in table]
    if unknown:
        raise ValidationError(f"未知或已停用的检查结果代码：{'、'.join(unknown)}")
    for code in codes:
        node = table[code]
        while node is not None:
            if node.code not in chosen:
                chosen.append(node.code)
            node = table.get(node.parent.code) if node.parent_id else None
    order = {c.code: (c.order, c.pk) for c in table.values()}
    return sorted(chosen, key=lambda c: order[c])


def _result_for_edit(user, inspection, item):
    """现行版本（草稿或已退回）或新的草稿；已提交、已审核的不能直接修改。"""
    check_enter(user, inspection, item)
    # 经由 inspection.results 取：结果直接用已锁的检查对象；不按默认排序连接（也就不锁）检查对象与任务
    current = inspection.results.select_for_update().filter(item=item, current=True)
    result = current.order_by().first()
    if result is None:
        return Result(
            inspection=inspection, item=item, department=department_of(item), entered_by=user
        )
    result.item = item  # 同一事项：留痕里的名称（str(result)）不再另查
    if result.status == ResultStatus.SUBMITTED:
        raise ValidationError("该结果已提交，正在审核，不能修改")
    if result.status == ResultStatus.APPROVED:
        raise ValidationError("已审核的检查结果不能修改；请提出更正（新版本）")
    return result


def save_draft(user, inspection, item, data):
    """保存草稿（不作规则检查，提交时检查）。data 见 `apply`。返回结果。"""
    with transaction.atomic():
        inspection = (
            Inspection.objects.select_for_update(of=("self",))
            .select_related("draw")
            .get(pk=inspection.pk)
        )
        result = _result_for_edit(user, inspection, item)
        before = _snapshot(result) if result.pk else None
        _apply(result, data, user)
        if inspection.status == InspectionStatus.PENDING:
            inspection.status = InspectionStatus.IN_PROGRESS
            inspection.save(update_fields=["status", "updated_at"])
        audit.log("result.saved", result, before=before, after=_snapshot(result))
        return result


def _apply(result, data, user):
    if "codes" in data:
        result.codes = join(_clean_codes(list(data.get("codes") or [])))
    for field in ("checked_from", "checked_to", "facts", "provisions", "status_confirmed"):
        if field in data:
            setattr(result, field, data[field] if data[field] is not None else "")
    if result.checked_from == "":
        result.checked_from = None
    if result.checked_to == "":
        result.checked_to = None
    if result.checked_from and not result.checked_to:
        result.checked_to = result.checked_from
    if "methods" in data:
        chosen = [str(m) for m in data["methods"] or []]
        bad = check_methods.refused(chosen, keep=result.method_list)
        if bad:
            raise ValidationError(bad)
        result.methods = join(check_methods.ordered(chosen)) if chosen else ""
    result.entered_by = user
    if result.status == ResultStatus.RETURNED:
        pass  # 退回的结果修改后仍为“已退回”，提交后回到待审核
    result.save()
    if "present" in data:
        ids = [int(i) for i in data["present"] or []]
        if ids:  # 到场人员须是检查组现有成员（没有勾选时不必查）
            team = set(
                Assignment.objects.filter(inspection=result.inspection, active=True).values_list(
                    "inspector_id", flat=True
                )
            )
            if any(i not in team for i in ids):
                raise ValidationError("到场人员须是该对象检查组的成员")
        result.present.set(ids)


def _snapshot(result):
    return {
        "version": result.version,
        "status": result.status,
        "checked_from": result.checked_from.isoformat() if result.checked_from else None,
        "checked_to": result.checked_to.isoformat() if result.checked_to else None,
        "methods": result.method_list,
        "codes": result.code_list,
        "facts": result.facts,
        "provisions": result.provisions,
        "present": sorted(result.present.values_list("badge_no", flat=True)) if result.pk else [],
    }


def problems(result):
    """提交前的规则检查：返回中文错误列表（空表示可以提交）。"""
    errors = []
    item, inspection = result.item, result.inspection
    today = timezone.localdate()
    methods = set(result.method_list)
    codes = result.code_list
    if not result.checked_from:
        errors.append("请填写检查日期")
    elif result.checked_to and result.checked_to < result.checked_from:
        errors.append("检查日期（止）不能早于检查日期（起）")
    elif (result.checked_to or result.checked_from) > today:
        errors.append("检查日期不能晚于今天")
    if not methods:
        errors.append("请选择核查方式")
    if requires_on_site(item) and not check_methods.on_site(methods):
        names = "”或“".join(check_methods.on_site_names()) or "实地检查"
        errors.append(
            f"“{item.name}”应当现场检查，不能以书面检查、网络监测等其他方式替代，请选择“{names}”"
        )
    if written_first(inspection, item) and not check_methods.written(methods):
        errors.append(
            "本任务对B类对象书面检查优先：请先开展书面检查（核查方式选“书面检查”），"
            "未发现问题的可不开展现场检查"
        )
    if check_methods.on_site(methods) and result.checked_from:
        n = len(visit_officers(result))
        if n < MIN_VISIT_OFFICERS:
            errors.append(
                f"实地检查时现场执法人员不得少于{MIN_VISIT_OFFICERS}人：本次到场执法人员{n}人"
                "（辅助检查人员、专家不计入）"
            )
    if not codes:
        errors.append("请选择检查结果")
    if NO_PROBLEM in codes and len(codes) > 1:
        errors.append("“1 未发现问题”不能与其他检查结果同时选择")
    status_codes = [c for c in codes if c in STATUS_CODES]
    if len(status_codes) > 1:
        errors.append("登记状态结果（9 已注销、10 被吊销、11 被撤销登记、12 已迁出）只能选一个")
    if len(status_codes) == 1 and not result.status_confirmed:
        wanted = STATUS_CODES[status_codes[0]]
        entity = inspection.entity
        actual = entity.status if entity else ""
        if not wanted or actual != wanted:
            label = dict(EntityStatus.choices).get(actual, "未知")
            name = ResultCode.objects.filter(code=status_codes[0]).values_list("name", flat=True)
            errors.append(
                f"所选“{status_codes[0]} {name.first() or ''}”与主体的登记状态“{label}”不符："
                "请核实后勾选“已核实登记状态”"
            )
    if codes and codes != [NO_PROBLEM] and not result.facts.strip():
        errors.append("发现问题或对象状态异常时须填写检查发现的事实")
    return errors


def visit_officers(result):
    """同一次上门（同一对象、同一检查日期、实地检查）到场的执法人员；联合任务各部门合计。"""
    same_visit = Result.objects.filter(
        check_methods.on_site_filter(),
        inspection=result.inspection,
        current=True,
        checked_from=result.checked_from,
    ).exclude(pk=result.pk)
    people = set(
        result.present.filter(kind=InspectorKind.OFFICER).values_list("pk", flat=True)
    ) | set(
        same_visit.filter(present__kind=InspectorKind.OFFICER).values_list("present", flat=True)
    )
    return people


def submit(user, inspection, item, data=None):
    """保存并提交：规则都满足时提交审核（地区规则不要求审核时直接通过）。"""
    with transaction.atomic():
        inspection = (
            Inspection.objects.select_for_update(of=("self",))
            .select_related("task", "draw", "entity", "station")
            .get(pk=inspection.pk)
        )
        result = _result_for_edit(user, inspection, item)
        before = _snapshot(result) if result.pk else None
        _apply(result, data or {}, user)
        errors = problems(result)
        if errors:
            raise ValidationError(errors)
        now = timezone.now()
        result.submitted_at = now
        if rules(inspection).review_required:
            result.status = ResultStatus.SUBMITTED
        else:
            result.status = ResultStatus.APPROVED
            result.reviewed_at = now
        result.save()
        if inspection.status == InspectionStatus.PENDING:
            inspection.status = InspectionStatus.IN_PROGRESS
            inspection.save(update_fields=["status", "updated_at"])
        audit.log("result.submitted", result, before=before, after=_snapshot(result))
        if result.status == ResultStatus.APPROVED:
            refresh(inspection)
            signals.result_approved.send(sender=Result, result=result, user=user)
        return result


def _locked_result(result):
    return Result.objects.select_for_update().select_related("inspection", "item").get(pk=result.pk)


def approve(user, result):
    with transaction.atomic():
        result = _locked_result(result)
        check_review(user, result)
        if result.status != ResultStatus.SUBMITTED or not result.current:
            raise ValidationError(f"该结果{result.get_status_display()}，不在待审核状态")
        result.status = ResultStatus.APPROVED
        result.reviewed_by = user
        result.reviewed_at = timezone.now()
        result.review_note = ""
        result.save()
        audit.log("result.approved", result, after={"version": result.version})
        refresh(result.inspection)
        signals.result_approved.send(sender=Result, result=result, user=user)
        return result


def return_result(user, result, reason):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("退回须写明原因")
    with transaction.atomic():
        result = _locked_result(result)
        check_review(user, result)
        if result.status != ResultStatus.SUBMITTED or not result.current:
            raise ValidationError(f"该结果{result.get_status_display()}，不在待审核状态")
        result.status = ResultStatus.RETURNED
        result.reviewed_by = user
        result.reviewed_at = timezone.now()
        result.review_note = reason
        result.save()
        audit.log("result.returned", result, after={"version": result.version, "reason": reason})
        return result


def correct(user, result, reason):
    """更正已审核的结果：新建下一版本（草稿，内容沿用），旧版本保留、不再是现行版本。"""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("更正须写明原因")
    with transaction.atomic():
        inspection = Inspection.objects.select_for_update(of=("self",)).get(pk=result.inspection_id)
        old = _locked_result(result)
        check_enter(user, inspection, old.item)
        if old.status != ResultStatus.APPROVED or not old.current:
            raise ValidationError("只有现行的已审核结果可以更正；未审核的结果可直接修改")
        old.current = False
        old.save(update_fields=["current"])
        new = Result.objects.create(
            inspection=inspection,
            item=old.item,
            department=old.department,
            version=old.version + 1,
            previous=old,
            correction_reason=reason,
            checked_from=old.checked_from,
            checked_to=old.checked_to,
            methods=old.methods,
            codes=old.codes,
            status_confirmed=old.status_confirmed,
            facts=old.facts,
            provisions=old.provisions,
            entered_by=user,
        )
        new.present.set(old.present.all())
        for a in old.attachments.all():
            Attachment.objects.create(
                result=new,
                kind=a.kind,
                name=a.name,
                content_type=a.content_type,
                size=a.size,
                sha256=a.sha256,
                path=a.path,
                thumbnail=a.thumbnail,
                uploaded_by=a.uploaded_by,
            )
        audit.log("result.corrected", new, after={"version": new.version, "reason": reason})
        refresh(inspection)
        return new


def attach(user, inspection, item, upload, kind):
    """上传检查材料到该事项的现行（可编辑）结果；没有时先建草稿。"""
    data, content_type, ext = files.read_upload(upload)
    sha = Attachment.digest(data)
    with transaction.atomic():
        inspection = Inspection.objects.select_for_update(of=("self",)).get(pk=inspection.pk)
        result = _result_for_edit(user, inspection, item)
        if result.pk is None:
            result.save()
        rel = files.store(data, sha, ext)
        thumb = files.make_thumbnail(data, sha, content_type)
        name = (getattr(upload, "name", "") or f"file.{ext}").rsplit("/", 1)[-1][:200]
        attachment = Attachment.objects.create(
            result=result,
            kind=kind,
            name=name,
            content_type=content_type,
            size=len(data),
            sha256=sha,
            path=rel,
            thumbnail=thumb,
            uploaded_by=user,
        )
        if inspection.status == InspectionStatus.PENDING:
            inspection.status = InspectionStatus.IN_PROGRESS
            inspection.save(update_fields=["status", "updated_at"])
        return attachment


def remove_attachment(user, attachment):
    with transaction.atomic():
        result = _locked_result(attachment.result)
        check_enter(user, result.inspection, result.item)
        if not result.editable:
            raise ValidationError("已提交或已审核的结果不能删除材料")
        audit.log("attachment.removed", attachment, before={"sha256": attachment.sha256})
        Attachment.objects.filter(pk=attachment.pk).delete()


# ---------------------------------------------------------------- 完成与进度


def refresh(inspection):
    """按结果更新检查对象的状态，并在任务的全部对象都已检查时把任务标为已完成。"""
    inspection = Inspection.objects.select_related("task").get(pk=inspection.pk)
    if inspection.status == InspectionStatus.CANCELLED:
        return inspection
    wanted = {i.pk for i in items_of(inspection)}
    approved = set(
        Result.objects.filter(
            inspection=inspection, current=True, status=ResultStatus.APPROVED
        ).values_list("item_id", flat=True)
    )
    started = Result.objects.filter(inspection=inspection).exists()
    if wanted and wanted <= approved:
        status = InspectionStatus.COMPLETED
    elif started:
        status = InspectionStatus.IN_PROGRESS
    else:
        status = InspectionStatus.PENDING
    if status != inspection.status:
        inspection.status = status
        inspection.save(update_fields=["status", "updated_at"])
        audit.log("inspection.status", inspection, after={"status": status})
    _refresh_task(inspection.task)
    return inspection


def _live_inspections(task):
    return Inspection.objects.filter(task=task, draw__status=DrawStatus.COMPLETED).exclude(
        status=InspectionStatus.CANCELLED
    )


def _refresh_task(task):
    from shuangsui.plans.models import Task

    task = Task.objects.select_for_update().get(pk=task.pk)
    live = _live_inspections(task)
    done = live.exists() and not live.exclude(status=InspectionStatus.COMPLETED).exists()
    if done and task.status != TaskStatus.COMPLETED:
        task.status = TaskStatus.COMPLETED
        task.completed_on = timezone.localdate()
        task.save(update_fields=["status", "completed_on", "updated"])
        audit.log("task.completed", task, after={"completed_on": task.completed_on.isoformat()})
    elif not done and task.status == TaskStatus.COMPLETED:
        task.status = TaskStatus.DRAWN
        task.completed_on = None
        task.save(update_fields=["status", "completed_on", "updated"])
        audit.log("task.reopened", task)


def progress(task, n_items=None):
    """任务进度：抽中（检查对象数）、已录入（全部事项已提交）、已审核（已检查），以及尚未完成的
    对象中逾期（overdue）与 3 日内到期（due_soon）的户数。检查对象的各数一次扫描数出（一个任务
    抽中上万户时，每数一个数都要扫一遍）。n_items：任务的事项数（调用方已取出事项时给出，不再另数）。"""
    live = _live_inspections(task)
    today = timezone.localdate()
    done = Q(status=InspectionStatus.COMPLETED)
    soon = today + timezone.timedelta(days=DUE_SOON_DAYS)
    counts = live.aggregate(
        drawn=Count("pk"),
        reviewed=Count("pk", filter=done),
        overdue=Count("pk", filter=~done & Q(deadline__lt=today)),
        due_soon=Count("pk", filter=~done & Q(deadline__gte=today, deadline__lte=soon)),
    )
    drawn, reviewed = counts["drawn"], counts["reviewed"]
    entered = 0
    if drawn:  # 没有有效的检查对象时也就没有已录入的，不必再查
        if n_items is None:
            n_items = task.items.count()
        submitted = (
            Result.objects.filter(
                inspection__in=live,
                current=True,
                status__in=[ResultStatus.SUBMITTED, ResultStatus.APPROVED],
            )
            .values("inspection_id")
            .order_by()
            .annotate(n=Count("id"))
        )
        entered = sum(1 for row in submitted if row["n"] >= n_items)
    return {
        "drawn": drawn,
        "entered": entered,
        "reviewed": reviewed,
        "completed": drawn > 0 and reviewed == drawn,
        "percent": round(100 * reviewed / drawn) if drawn else 0,
        "overdue": counts["overdue"],
        "due_soon": counts["due_soon"],
    }


def replaceable(inspection):
    """可以用备选替换：尚无审核通过的结果。"""
    return not Result.objects.filter(inspection=inspection, status=ResultStatus.APPROVED).exists()


# ---------------------------------------------------------------- 期限


def check_deadline_state(deadline, today=None, done=False):
    """“overdue”逾期、“soon”即将到期（3 日内）或空。"""
    if done or deadline is None:
        return ""
    today = today or timezone.localdate()
    if deadline < today:
        return "overdue"
    if (deadline - today).days <= DUE_SOON_DAYS:
        return "soon"
    return ""


def deadlines(inspection, results=None, calendar=None):
    """检查对象的各项期限：[(名称, 日期或 None, 说明)]。日历缺数据时日期为 None，说明写明年份。"""
    calendar = calendar or workdays.Calendar()
    region = rules(inspection)
    results = list((results or current_versions(inspection)).values())
    checked = [r.checked_to for r in results if r.checked_to]
    check_end = max(checked) if checked else None
    out = [("检查完成时限", inspection.deadline, "")]
    entry, why = workdays.safe_deadline(check_end, region.entry_days, True, calendar)
    out.append((f"结果录入期限（检查完毕后{region.entry_days}个工作日）", entry, why))
    if region.publication_start == PublicationStart.TASK_DONE:
        start = inspection.task.completed_on
        start_label = "任务完成后"
    else:
        start = check_end
        start_label = "检查结束之日起"
    unit = "个工作日" if region.publication_working else "日"
    publish, why = workdays.safe_deadline(
        start, region.publication_days, region.publication_working, calendar
    )
    if start is None and region.publication_start == PublicationStart.TASK_DONE:
        why = "任务完成后起算"
    out.append((f"公示期限（{start_label}{region.publication_days}{unit}）", publish, why))
    if region.review_required:
        submitted = [r.submitted_at for r in results if r.status == ResultStatus.SUBMITTED]
        if submitted:
            first = timezone.localtime(min(submitted)).date()
            review, why = workdays.safe_deadline(first, region.review_days, True, calendar)
            if review and publish and review > publish:
                review = publish  # 审核在公示期限之内完成，不延长公示期限
            out.append((f"审核期限（提交后{region.review_days}个工作日）", review, why))
    return out


def worklist_marks(rows):
    """工作清单用：rows 为 `inspections.services.worklist_rows` 的行；
    返回 {检查对象 id: {"returned": 退回数, "submitted": 待审核数, "state": 期限状态}}。"""
    ids = [row["pk"] for row in rows]
    out = {pk: {"returned": 0, "submitted": 0, "state": ""} for pk in ids}
    results = (
        Result.objects.filter(inspection_id__in=ids, current=True)
        .values_list("inspection_id", "status")
        .order_by()
    )
    for pk, status in results:
        if status == ResultStatus.RETURNED:
            out[pk]["returned"] += 1
        elif status == ResultStatus.SUBMITTED:
            out[pk]["submitted"] += 1
    today = timezone.localdate()
    for row in rows:
        out[row["pk"]]["state"] = check_deadline_state(
            row["deadline"], today, row["status"] == InspectionStatus.COMPLETED
        )
    return out
