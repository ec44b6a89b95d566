"""检查实施：派发（检查组、检查对象、指派）、直接指派、跨区域匹配、重新匹配、额外成员、
工作清单与工作量。

规则（规范第 5 节及其补充）：
- 派发在抽取完成的同一事务里进行（`receivers.py` 接收 `draws.signals.draw_completed` 后调用
  `dispatch`），成员相同的对象归入同一检查组，按组内第一个对象的名次编号。
- 现场检查（检查方式含“实地检查”）每户至少两名执法人员；辅助人员与专家只作额外成员，
  永不计入。人员不足的对象在页面上标出，须经记录的直接指派（谁决定、为什么）或跨区域匹配补足。
- 重新匹配与跨区域匹配都用冻结的人员库快照和同样的资格规则（资质、区域、申报回避、轮换），
  减去被调出的人、当前组员、此后在名录库中不在岗或已删除的人；按
  `protocol.inspector_key(seed, uid, id)` 排序，优先选在本次抽取中有效指派数未达 cap 的人——
  结果由种子决定，可复核。
- 每个写操作一个事务，先锁本次抽取的派发行、再锁检查对象行，写一条点分名的审计事件
  （before/after）。
  服务内用 bulk_create / update 写行，只记这些语义事件，不重复记模型的自动留痕。
"""

import os
from collections import Counter, defaultdict

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from shuangsui.catalog import methods as check_methods
from shuangsui.core import audit, scope
from shuangsui.core.choices import UnitLevel
from shuangsui.core.models import OrgUnit
from shuangsui.core.signals import own_event
from shuangsui.draws import protocol
from shuangsui.draws import services as draws
from shuangsui.draws.choices import DrawStatus, TargetRole
from shuangsui.inspectors import eligibility
from shuangsui.inspectors.choices import InspectorKind
from shuangsui.inspectors.models import Inspector
from shuangsui.plans.models import Task

from .choices import AssignmentSource, InspectionStatus, Problem
from .models import Assignment, Dispatch, Inspection, InspectionGroup

MIN_ON_SITE_OFFICERS = 2
_BATCH = 5000
_SEPARATORS = ",，、;；\n\r\t "


# ---------------------------------------------------------------- 规则


def rotation_enabled():
    """轮换回避（上次检查过该对象的执法人员本次不再匹配）；设置 INSPECTION_ROTATION=False 可关闭。"""
    value = getattr(settings, "INSPECTION_ROTATION", None)
    if value is None:
        value = os.environ.get("INSPECTION_ROTATION", "1").strip().lower() not in ("0", "false")
    return bool(value)


def is_on_site(task):
    return check_methods.on_site(task.method_list)


def min_officers(task):
    """每户至少几名执法人员：现场检查两名，其他方式一名。"""
    return MIN_ON_SITE_OFFICERS if is_on_site(task) else 1


def required_tags(task, department=""):
    """检查人员须具备的资质标签；联合任务按该部门的事项（没有时为全部事项）。"""
    items = list(task.items.select_related("department"))
    if department:
        items = [i for i in items if i.department and i.department.code == department] or items
    return sorted({t for item in items for t in item.requirement_tags})


def previous_officers(task, uids):
    """轮换回避：对名单中的每个对象，其最近一次（已完成、未作废的）其他抽取中有效指派的
    执法人员证号。冻结名单时算出，存入检查人员库快照，此后不再变化。"""
    if not rotation_enabled():
        return {}
    wanted = set(uids)
    latest = {}  # uid → ((完成时间, 抽取 id), [证号])
    rows = (
        Assignment.objects.filter(
            scope.under(task.unit.county.path, "inspection__scope_path"),
            active=True,
            counts_as_officer=True,
            inspection__draw__status=DrawStatus.COMPLETED,
        )
        .exclude(inspection__task=task)
        .values_list(
            "inspection__uid",
            "inspection__draw__completed_at",
            "inspection__draw_id",
            "inspector__badge_no",
        )
    )
    for uid, at, draw_id, badge in rows.iterator(chunk_size=20000):
        if uid not in wanted:
            continue
        key = (at, draw_id)
        seen = latest.get(uid)
        if seen is None or key > seen[0]:
            latest[uid] = (key, [badge])
        elif key == seen[0]:
            seen[1].append(badge)
    return {uid: sorted(set(latest[uid][1])) for uid in sorted(latest)}


def county_neighbours(county):
    """同一县（区）的各所互为相邻：{所代码: [其他所代码]}。"""
    codes = sorted(
        OrgUnit.objects.filter(parent=county, level=UnitLevel.STATION).values_list(
            "code", flat=True
        )
    )
    return {code: [c for c in codes if c != code] for code in codes}


def pool_extras(task, uids):
    """冻结时与人员库一起保存的匹配参数：轮换（previous）与相邻所（neighbours）。"""
    neighbours = county_neighbours(task.unit.county) if task.allow_neighbouring else {}
    return {"previous": previous_officers(task, uids), "neighbours": neighbours}


# ---------------------------------------------------------------- 派发


def _team_of(assigned):
    """DrawnTarget.inspectors → [(证号, 部门代码)]；联合任务为 [{department, inspectors}]。"""
    team = []
    for entry in assigned or []:
        if isinstance(entry, dict):
            team += [(i, entry["department"]) for i in entry["inspectors"]]
        else:
            team.append((entry, ""))
    return team


def _common_path(paths):
    parts = [p.strip("/").split("/") for p in paths if p]
    if not parts:
        return ""
    common = parts[0]
    for other in parts[1:]:
        n = 0
        while n < len(common) and n < len(other) and common[n] == other[n]:
            n += 1
        common = common[:n]
    return "/".join(common) + "/" if common else ""


def _problems(dispatch, match_flags, officers):
    """officers: 有效的执法人员指派 [(证号, 部门)]，返回问题代码列表。"""
    out = []
    if len(officers) < dispatch.min_officers:
        out.append(Problem.OFFICERS_SHORT)
    if dispatch.is_joint:
        counts = Counter(d for _, d in officers)
        if any(counts[d] == 0 for d in dispatch.departments):
            out.append(Problem.DEPARTMENT_MISSING)
        if any(counts[d] < dispatch.per_target for d in dispatch.departments):
            out.append(Problem.TEAM_SHORT)
    elif len(officers) < dispatch.per_target:
        out.append(Problem.TEAM_SHORT)
    if out and any(f == "unmatched" or f.endswith(":unmatched") for f in match_flags):
        out.insert(0, Problem.UNMATCHED)
    return [str(p) for p in out]


def _station_of(target):
    if target.entity_id:
        return target.entity.unit
    obj = target.target_object
    if obj is not None and obj.entity_id:
        return obj.entity.unit
    return None


def _match_section_info(section, task):
    """记录的 inspectors 一节 → (每户人数, 联合部门列表, caps)。"""
    if not section:
        return task.inspectors_per_target, [], {}
    if isinstance(section, dict):
        return section["per_target"], [], {"": section["cap"]}
    return (
        section[0]["per_target"],
        [s["department"] for s in section],
        {s["department"]: s["cap"] for s in section},
    )


def match_explanations(draw, uids):
    """匹配标记的文字说明：{uid: [说明…]}，只含 uids 中带“已放宽人均上限”或“合格人员不足”的对象。"""
    wanted = set(uids)
    if not wanted:
        return {}
    return explain_flags(draws.load_record(draw).get("inspectors"), wanted)


def explain_flags(section, wanted):
    """按记录的 inspectors 一节依名次重放匹配（与协议第 5 节相同的计数），说明 wanted 中各户
    的匹配标记：匹配到该户时尚未达到人均上限的合格人员有几名、缺几名。"""
    if not section:
        return {}
    sections = [section] if isinstance(section, dict) else section
    out = defaultdict(list)
    for part in sections:
        dept = f"{part['department']}：" if part.get("department") else ""
        n, cap, eligible = part["per_target"], part["cap"], part["eligible"]
        load = Counter()
        for entry in part["assignments"]:
            uid, flags = entry["uid"], entry.get("flags", [])
            if uid in wanted and flags:
                ids = eligible.get(uid, [])
                if "unmatched" in flags:
                    out[uid].append(
                        f"{dept}本户的合格人员只有 {len(ids)} 名，少于每户所需的 {n} 名，"
                        "须跨区域匹配或直接指派补足。"
                    )
                elif "cap_relaxed" in flags:
                    under = sum(1 for i in ids if load[i] < cap)
                    out[uid].append(
                        f"{dept}本户的合格人员 {len(ids)} 名，匹配到本户时尚未达到人均上限"
                        f"（{cap} 户）的只有 {under} 名，少于每户所需的 {n} 名；"
                        f"其余 {n - under} 名从已达上限的合格人员中按同一随机顺序补足，"
                        "这些人员的户数因此超过上限。"
                    )
            load.update(entry["inspectors"])
    return dict(out)


def dispatch(draw, user, *, record=None):
    """把一次完成的抽取派发为检查组、检查对象与指派（抽取完成的同一事务里调用）。

    record 为刚算出的抽取记录（不给时从记录文件读取）。返回 Dispatch。
    """
    with transaction.atomic():
        if Dispatch.objects.filter(draw=draw).exists():
            raise ValidationError("本次抽取已派发")
        if draw.status != DrawStatus.COMPLETED:
            raise ValidationError("抽取尚未完成，不能派发")
        task = draw.task
        if record is None:
            record = draws.load_record(draw)
        per_target, departments, caps = _match_section_info(record.get("inspectors"), task)
        now = timezone.now()
        info = Dispatch.objects.create(
            draw=draw,
            task=task,
            per_target=per_target,
            min_officers=min_officers(task),
            departments=departments,
            caps=caps,
            dispatched_at=now,
            dispatched_by=user,
        )
        targets = list(
            draw.targets.filter(role=TargetRole.SELECTED)
            .select_related("entity__unit", "target_object__entity__unit", "target_object__library")
            .order_by("rank")
        )
        badges = sorted({b for t in targets for b, _ in _team_of(t.inspectors)})
        people = {}
        for i in range(0, len(badges), _BATCH):
            for person in Inspector.objects.filter(
                badge_no__in=badges[i : i + _BATCH]
            ).select_related("department"):
                people[person.badge_no] = person
        missing = [b for b in badges if b not in people]
        plan = []
        groups = {}
        for t in targets:
            team = [(b, d) for b, d in _team_of(t.inspectors) if b in people]
            station = _station_of(t)
            path = station.path if station else draw.scope_path
            key = ",".join(sorted({b for b, _ in team}))
            if key and key not in groups:
                n = len(groups) + 1
                groups[key] = (n, [])
            if key:
                groups[key][1].append(path)
            plan.append((t, station, path, team, key))
        group_rows = [
            InspectionGroup(
                draw=draw,
                task=task,
                number=n,
                name=f"第{n}检查组",
                member_key=key,
                scope_path=_common_path(paths),
            )
            for key, (n, paths) in groups.items()
        ]
        InspectionGroup.objects.bulk_create(group_rows, batch_size=_BATCH)
        by_key = {g.member_key: g for g in group_rows}
        inspections = []
        short = []
        for t, station, path, team, key in plan:
            officers = [(b, d) for b, d in team if people[b].counts_as_officer]
            problems = _problems(info, t.flags, officers)
            if problems:
                short.append(t.uid)
            obj = t.target_object
            inspections.append(
                Inspection(
                    drawn_target=t,
                    task=task,
                    draw=draw,
                    entity=t.entity if t.entity_id else (obj.entity if obj else None),
                    target_object=obj,
                    uid=t.uid,
                    name=t.entity.name if t.entity_id else (obj.name if obj else ""),
                    station=station,
                    scope_path=path,
                    group=by_key.get(key),
                    rank=t.rank,
                    deadline=task.deadline,
                    status=InspectionStatus.PENDING,
                    match_flags=list(t.flags),
                    problems=problems,
                    needs_action=bool(problems),
                )
            )
        Inspection.objects.bulk_create(inspections, batch_size=_BATCH)
        rows = []
        for inspection, (_t, _station, path, team, _key) in zip(inspections, plan, strict=True):
            for position, (badge, dept) in enumerate(team):
                person = people[badge]
                rows.append(
                    Assignment(
                        inspection=inspection,
                        inspector=person,
                        scope_path=path,
                        department=dept or (person.department.code if person.department_id else ""),
                        counts_as_officer=person.counts_as_officer,
                        source=AssignmentSource.MATCHED,
                        position=position,
                        active=True,
                        assigned_at=now,
                        decided_by=None,
                        reason="按抽取协议随机匹配",
                    )
                )
        Assignment.objects.bulk_create(rows, batch_size=_BATCH)
        audit.log(
            "inspection.dispatched",
            draw,
            after={
                "inspections": len(inspections),
                "groups": len(group_rows),
                "assignments": len(rows),
                "needs_action": len(short),
                "needs_action_uids": short[:200],
                "missing_inspectors": missing,
                "caps": caps,
                "min_officers": info.min_officers,
            },
        )
        return info


# ---------------------------------------------------------------- 查询与权限


def _base():
    return Inspection.objects.select_related(
        "task", "draw", "group", "station", "entity", "target_object"
    )


def visible(user):
    """用户可见的检查对象：检查人员看自己有有效指派的；所长看本所的；其他按辖区（draws.view）。"""
    caps = scope.capabilities(user)
    if not caps:
        return Inspection.objects.none()
    where = Q(pk__in=[])
    if "work.station" in caps or "draws.view" in caps:
        where |= scope.under(scope.root_path(user))
    if "work.own" in caps:
        mine = Assignment.objects.filter(active=True, inspector__user=user).values("inspection_id")
        where |= Q(pk__in=mine)
    return _base().filter(where)


def cancel_for_void(draw, user):
    """抽取作废后，其检查对象随之取消（记录保留，可查）；返回取消的户数。"""
    pending = Inspection.objects.filter(
        draw=draw, status__in=[InspectionStatus.PENDING, InspectionStatus.IN_PROGRESS]
    )
    return pending.update(status=InspectionStatus.CANCELLED, needs_action=False)


def worklist(user):
    """“我的检查任务”：有效抽取中未完成（待检查、检查中）的检查对象，按完成时限、任务、名次。"""
    return (
        visible(user)
        .filter(
            draw__status=DrawStatus.COMPLETED,
            status__in=[InspectionStatus.PENDING, InspectionStatus.IN_PROGRESS],
        )
        .order_by("deadline", "task_id", "rank")
    )


def get_inspection(user, pk):
    try:
        # get 不按默认排序（抽取、任务）连接，取一行只查检查对象及其关联
        return visible(user).get(pk=pk)
    except Inspection.DoesNotExist:
        pass
    found = Inspection.objects.filter(pk=pk).values_list("scope_path", flat=True).first()
    caps = scope.capabilities(user)
    mine_only = "work.own" in caps and not ({"work.station", "draws.view"} & caps)
    reason = (
        "这户不是指派给您的检查对象"
        if found is not None and mine_only and found.startswith(scope.root_unit(user).county.path)
        else None
    )
    scope.refuse_existing(found is not None, user, reason=reason)


def may_operate(user, inspection):
    return scope.can(user, "draws.operate") and scope.in_scope(user, inspection.scope_path)


def may_reassign(user, inspection):
    if not scope.in_scope(user, inspection.scope_path):
        return False
    return scope.can(user, "draws.operate") or scope.can(user, "work.station")


def team(inspection, active=True):
    return (
        inspection.assignments.filter(active=active)
        .select_related(
            "inspector", "inspector__unit", "inspector__department", "decided_by", "ended_by"
        )
        .order_by("-counts_as_officer", "department", "position", "id")
    )


def worklist_rows(ids):
    """工作清单一页的行，按 ids（`worklist` 分页所得）的顺序：每行一个字典，只有页面显示的字段
    （检查组、所只要名称，主体只要住所、负责人与电话）。"""
    statuses = dict(InspectionStatus.choices)
    rows = Inspection.objects.filter(pk__in=ids).values(
        "pk",
        "uid",
        "name",
        "deadline",
        "status",
        "problems",
        "task_id",
        "entity_id",
        group_name=F("group__name"),
        station_name=F("station__name"),
        address=F("entity__address"),
        legal_rep=F("entity__legal_rep"),
        phone=F("entity__phone"),
    )
    by_pk = {
        row["pk"]: dict(row, status_label=statuses.get(row["status"], row["status"]))
        for row in rows
    }
    return [by_pk[pk] for pk in ids]


def task_sheets(task_ids):
    """{任务 id: 任务的“检查事项清单”}：编号、名称、检查方式与各事项的检查要点。
    一页多半同属一两个任务：每个任务只算一次，各行共用。"""
    items = defaultdict(list)
    links = (
        Task.items.through.objects.filter(task_id__in=task_ids)
        .select_related("inspectionitem")
        .only(
            "task_id", "inspectionitem__code", "inspectionitem__name", "inspectionitem__sub_items"
        )
        .order_by("inspectionitem__code")
    )
    for link in links:
        item = link.inspectionitem
        items[link.task_id].append(
            {"code": item.code, "name": item.name, "points": "、".join(item.sub_item_list)}
        )
    return {
        task.pk: {
            "code": task.code,
            "name": task.name,
            "methods": "、".join(task.method_labels),
            "items": items[task.pk],
        }
        for task in Task.objects.filter(pk__in=task_ids).only("code", "name", "methods")
    }


def members_by_inspection(ids):
    """{检查对象 id: [有效指派]}（执法人员在前，按部门、顺序）：页面显示的字段，每人一个字典
    （部门、是否计入执法人员、来源，与人员的姓名、执法证号、类别）。"""
    out = defaultdict(list)
    rows = (
        Assignment.objects.filter(inspection_id__in=ids, active=True)
        .order_by("inspection_id", "-counts_as_officer", "department", "position", "id")
        .values(
            "inspection_id",
            "department",
            "counts_as_officer",
            "source",
            name=F("inspector__name"),
            badge_no=F("inspector__badge_no"),
            kind=F("inspector__kind"),
        )
    )
    for a in rows:
        out[a["inspection_id"]].append(a)
    return out


# ---------------------------------------------------------------- 调整


def _lock(inspection):
    """先锁本次抽取的派发行（同一抽取的调整依次进行，检查组的新建与合并不会相撞），
    再锁检查对象行；返回 (派发, 检查对象)。"""
    info = Dispatch.objects.select_for_update().filter(draw_id=inspection.draw_id).first()
    if info is None:  # pragma: no cover - 派发与抽取同一事务完成
        raise ValidationError("本次抽取尚未派发")
    locked = (
        Inspection.objects.select_for_update(of=("self",))
        .select_related("draw", "task", "station", "group")
        .get(pk=inspection.pk)
    )
    return info, locked


def _check_open(inspection):
    if inspection.draw.status != DrawStatus.COMPLETED:
        raise ValidationError("本次抽取已作废，不能调整检查人员")
    if inspection.status not in (InspectionStatus.PENDING, InspectionStatus.IN_PROGRESS):
        raise ValidationError(f"检查对象{inspection.get_status_display()}，不能调整检查人员")


def _active(inspection):
    return list(
        Assignment.objects.select_for_update(of=("self",))
        .filter(inspection=inspection, active=True)
        .select_related("inspector")
        .order_by("position", "id")
    )


def _officers(rows):
    return [(a.inspector.badge_no, a.department) for a in rows if a.counts_as_officer]


def _describe(rows):
    return [
        {"badge_no": a.inspector.badge_no, "name": a.inspector.name, "department": a.department}
        for a in rows
    ]


def _refresh(inspection, info):
    """按当前的有效指派重算问题并调整检查组（成员相同的对象在同一组）。"""
    rows = _active(inspection)
    officers = _officers(rows)
    problems = _problems(info, inspection.match_flags, officers)
    key = ",".join(sorted({b for b, _ in officers}))
    group = inspection.group
    old = group
    created = False
    if not key:
        group = None
    elif group is None or group.member_key != key:
        group = InspectionGroup.objects.filter(draw_id=inspection.draw_id, member_key=key).first()
        if group is None:
            n = (
                InspectionGroup.objects.filter(draw_id=inspection.draw_id).aggregate(
                    n=Max("number")
                )["n"]
                or 0
            ) + 1
            with own_event(InspectionGroup):  # 组的增删记在调用方的事件里（group 一项）
                group = InspectionGroup.objects.create(
                    draw_id=inspection.draw_id,
                    task_id=inspection.task_id,
                    number=n,
                    name=f"第{n}检查组",
                    member_key=key,
                    scope_path=inspection.scope_path,
                )
            created = True
        else:
            path = _common_path([group.scope_path, inspection.scope_path])
            if path != group.scope_path:
                InspectionGroup.objects.filter(pk=group.pk).update(scope_path=path)
    Inspection.objects.filter(pk=inspection.pk).update(
        group=group, problems=problems, needs_action=bool(problems), updated_at=timezone.now()
    )
    inspection.group, inspection.problems, inspection.needs_action = group, problems, bool(problems)
    removed = old is not None and old != group and not old.inspections.exists()
    if removed:
        with own_event(InspectionGroup):
            old.delete()  # 空组不再保留
    inspection.group_change = (
        {
            "from": old.name if old else None,
            "to": group.name if group else None,
            "created": created,
            "removed_empty": removed,
        }
        if old != group
        else None
    )
    return rows


def _end(rows, user, reason, now):
    Assignment.objects.filter(pk__in=[a.pk for a in rows]).update(
        active=False, ended_at=now, ended_by=user, end_reason=reason
    )


def _add(inspection, people, user, source, reason, now, departments=None, officer=True):
    start = (inspection.assignments.aggregate(n=Max("position"))["n"] or 0) + 1
    rows = []
    for k, person in enumerate(people):
        dept = (departments or {}).get(person.badge_no) or (
            person.department.code if person.department_id else ""
        )
        rows.append(
            Assignment(
                inspection=inspection,
                inspector=person,
                scope_path=inspection.scope_path,
                department=dept,
                counts_as_officer=officer and person.counts_as_officer,
                source=source,
                position=start + k,
                active=True,
                assigned_at=now,
                decided_by=user,
                reason=reason,
            )
        )
    try:
        with transaction.atomic():
            Assignment.objects.bulk_create(rows)
    except IntegrityError as exc:
        raise ValidationError("该检查人员已在本检查对象的检查组中") from exc
    return rows


def _pool(draw):
    return draws.read_pool(draw)


def _candidates(inspection, info, department, *, neighbours, exclude):
    """从冻结的人员库按同样的规则重新匹配：合格者减去 exclude、减去名录库中现已不在岗或
    已删除的人，按 ikey 排序，本次抽取有效指派数未达 cap 的在前。返回 Inspector 列表。"""
    pool = _pool(inspection.draw)
    station = inspection.station.code if inspection.station_id else ""
    target = {"uid": inspection.uid, "station": station}
    lists = eligibility.eligible_lists(
        [target],
        pool["inspectors"],
        required_tags(inspection.task, department if info.is_joint else ""),
        department=department if info.is_joint else "",
        neighbours=neighbours,
        previous=pool["previous"],
    )
    ids = [i for i in lists[inspection.uid] if i not in exclude]
    people = {
        p.badge_no: p
        for p in Inspector.objects.filter(badge_no__in=ids, on_duty=True).select_related(
            "department"
        )
    }
    ids = [i for i in ids if i in people]
    load = dict(
        Assignment.objects.filter(
            inspection__draw_id=inspection.draw_id, active=True, inspector__badge_no__in=ids
        )
        .values_list("inspector__badge_no")
        .annotate(n=Count("id"))
        .values_list("inspector__badge_no", "n")
    )
    seed = inspection.draw.seed
    order = sorted(ids, key=lambda i: (protocol.inspector_key(seed, inspection.uid, i), i))
    cap = info.cap_for(department)
    below = [i for i in order if load.get(i, 0) < cap]
    above = [i for i in order if load.get(i, 0) >= cap]
    return [people[i] for i in below + above]


def _lookup(user, badges):
    """按执法证号找辖区内的检查人员；不存在或不在辖区内时拒绝。"""
    found = {
        p.badge_no: p
        for p in scope.scoped(Inspector.objects.select_related("department", "unit"), user).filter(
            badge_no__in=badges
        )
    }
    unknown = [b for b in badges if b not in found]
    if unknown:
        raise ValidationError(f"检查人员不存在或不在您的辖区内：{'、'.join(unknown)}")
    return [found[b] for b in badges]


def parse_badges(text):
    if isinstance(text, (list, tuple)):
        parts = [str(t) for t in text]
    else:
        text = text or ""
        for sep in _SEPARATORS:
            text = text.replace(sep, ",")
        parts = text.split(",")
    seen = []
    for p in parts:
        p = p.strip()
        if p and p not in seen:
            seen.append(p)
    return seen


def _check_person(person, inspection, required):
    if not person.on_duty:
        raise ValidationError(f"{person}不在岗")
    conflicts = set(person.conflicts.values_list("uid", flat=True))
    if inspection.uid in conflicts:
        raise ValidationError(f"{person}对该对象申报了回避")
    missing = [t for t in required if t not in person.qualification_list]
    if missing:
        raise ValidationError(f"{person}缺少资质：{'、'.join(missing)}")


def assign_directly(inspection, user, inspector_ids, reason):
    """直接指派（人员不足等情况）：检查组的执法人员改为 inspector_ids（执法证号），写明原因。

    被替换的执法人员的指派结束（保留记录）；额外成员不变。指派后执法人员少于要求的人数
    （现场检查两名）、联合任务缺少参与部门、或有人不在辖区、不在岗、申报回避、缺少资质时拒绝。
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("直接指派须写明原因")
    badges = parse_badges(inspector_ids)
    with transaction.atomic():
        scope.check_write(user, "draws.operate", inspection.scope_path)
        info, inspection = _lock(inspection)
        _check_open(inspection)
        people = _lookup(user, badges)
        not_officers = [p for p in people if not p.counts_as_officer]
        if not_officers:
            raise ValidationError(
                f"{'、'.join(map(str, not_officers))}不是执法人员（辅助人员、专家请作为额外成员加入）"
            )
        if len(people) < info.min_officers:
            raise ValidationError(f"每个检查对象至少须有 {info.min_officers} 名执法人员")
        depts = {p.badge_no: (p.department.code if p.department_id else "") for p in people}
        if info.is_joint:
            lacking = [d for d in info.departments if d not in depts.values()]
            if lacking:
                raise ValidationError(f"联合检查须有各参与部门的人员，缺少：{'、'.join(lacking)}")
        for p in people:
            _check_person(
                p,
                inspection,
                required_tags(inspection.task, depts[p.badge_no] if info.is_joint else ""),
            )
        rows = _active(inspection)
        before = _describe(rows)
        keep = {
            a.inspector.badge_no
            for a in rows
            if a.counts_as_officer and a.inspector.badge_no in badges
        }
        ended = [a for a in rows if a.counts_as_officer and a.inspector.badge_no not in badges]
        now = timezone.now()
        _end(ended, user, f"直接指派替换：{reason}", now)
        added = [p for p in people if p.badge_no not in keep]
        _add(inspection, added, user, AssignmentSource.DIRECT, reason, now, departments=depts)
        rows = _refresh(inspection, info)
        audit.log(
            "assignment.direct",
            inspection,
            before={"team": before},
            after={
                "team": _describe(rows),
                "reason": reason,
                "decided_by": user.username,
                "problems": inspection.problems,
                "group": inspection.group_change,
            },
        )
        return inspection


def _shortage(info, rows):
    """还缺的执法人员：[(部门, 人数)]；单部门任务部门为空。"""
    officers = _officers(rows)
    if info.is_joint:
        counts = Counter(d for _, d in officers)
        need = [(d, max(info.per_target, 1) - counts[d]) for d in info.departments]
        need = [(d, n) for d, n in need if n > 0]
        total = len(officers) + sum(n for _, n in need)
        if total < info.min_officers and info.departments:
            first = need[0][0] if need else info.departments[0]
            need.append((first, info.min_officers - total))
        return need
    n = max(info.per_target, info.min_officers) - len(officers)
    return [("", n)] if n > 0 else []


def match_cross_region(inspection, user):
    """跨区域匹配：人员不足的对象从同县（区）其他所的人员中按同样规则补足，记入留痕。"""
    with transaction.atomic():
        scope.check_write(user, "draws.operate", inspection.scope_path)
        info, inspection = _lock(inspection)
        _check_open(inspection)
        if inspection.station_id is None:
            raise ValidationError("该对象没有所属的所，不能跨区域匹配，请直接指派")
        rows = _active(inspection)
        need = _shortage(info, rows)
        if not need:
            raise ValidationError("检查人员已足，无需跨区域匹配")
        neighbours = county_neighbours(inspection.station.county)
        exclude = {a.inspector.badge_no for a in rows}
        exclude |= set(
            inspection.assignments.filter(active=False).values_list(
                "inspector__badge_no", flat=True
            )
        )
        chosen, depts = [], {}
        for dept, n in need:
            picks = _candidates(inspection, info, dept, neighbours=neighbours, exclude=exclude)[:n]
            for p in picks:
                exclude.add(p.badge_no)
                depts[p.badge_no] = dept
            chosen += picks
        if not chosen:
            raise ValidationError("同县（区）其他所也没有符合条件的检查人员，请直接指派")
        before = _describe(rows)
        now = timezone.now()
        reason = "人员不足，按同样规则从同县（区）其他所的人员中匹配"
        _add(
            inspection, chosen, user, AssignmentSource.CROSS_REGION, reason, now, departments=depts
        )
        rows = _refresh(inspection, info)
        audit.log(
            "assignment.cross_region",
            inspection,
            before={"team": before},
            after={
                "team": _describe(rows),
                "added": [p.badge_no for p in chosen],
                "decided_by": user.username,
                "problems": inspection.problems,
                "group": inspection.group_change,
            },
        )
        return inspection


def reassign(inspection, user, inspector, reason):
    """调整（如因病）：结束该人员的指派并写明原因，从冻结的人员库按同样规则重新匹配一人
    （减去被调出的人和本对象此前调出的人、当前组员、现已不在岗的人），按 ikey 确定。

    额外成员调出后不补。找不到合格人员时只调出，对象标为人员不足，待直接指派或跨区域匹配。
    返回新指派的检查人员（没有时为 None）。
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("调整检查人员须写明原因")
    with transaction.atomic():
        if not may_reassign(user, inspection):
            raise PermissionDenied("没有权限调整该对象的检查人员")
        info, inspection = _lock(inspection)
        _check_open(inspection)
        rows = _active(inspection)
        leaving = [a for a in rows if a.inspector_id == inspector.pk]
        if not leaving:
            raise ValidationError(f"{inspector}不在该对象的检查组中")
        old = leaving[0]
        before = _describe(rows)
        now = timezone.now()
        _end([old], user, reason, now)
        replacement = None
        if old.counts_as_officer:
            exclude = {a.inspector.badge_no for a in rows}
            exclude |= set(
                inspection.assignments.filter(active=False).values_list(
                    "inspector__badge_no", flat=True
                )
            )
            pool = _pool(inspection.draw)
            picks = _candidates(
                inspection,
                info,
                old.department if info.is_joint else "",
                neighbours=pool["neighbours"],
                exclude=exclude,
            )
            if picks:
                replacement = picks[0]
                _add(
                    inspection,
                    [replacement],
                    user,
                    AssignmentSource.REASSIGNED,
                    f"替换{old.inspector.name}（{old.inspector.badge_no}）：{reason}",
                    now,
                    departments={replacement.badge_no: old.department},
                )
        rows = _refresh(inspection, info)
        audit.log(
            "assignment.reassigned",
            inspection,
            before={"team": before},
            after={
                "team": _describe(rows),
                "removed": old.inspector.badge_no,
                "replacement": replacement.badge_no if replacement else None,
                "reason": reason,
                "decided_by": user.username,
                "problems": inspection.problems,
                "group": inspection.group_change,
            },
        )
        return replacement


def add_extra(inspection, user, inspector, reason=""):
    """加入辅助检查人员或专家（额外成员，永不计入执法人员）。"""
    with transaction.atomic():
        scope.check_write(user, "draws.operate", inspection.scope_path)
        info, inspection = _lock(inspection)
        _check_open(inspection)
        if inspector.kind == InspectorKind.OFFICER:
            raise ValidationError("执法人员请通过直接指派加入；额外成员只能是辅助检查人员或专家")
        person = _lookup(user, [inspector.badge_no])[0]
        _check_person(person, inspection, [])
        reason = (reason or "").strip() or f"加入{person.get_kind_display()}"
        rows = _add(
            inspection,
            [person],
            user,
            AssignmentSource.EXTRA,
            reason,
            timezone.now(),
            officer=False,
        )
        audit.log(
            "assignment.extra",
            inspection,
            after={"added": person.badge_no, "kind": person.kind, "decided_by": user.username},
        )
        return rows[0]


# ---------------------------------------------------------------- 工作量


def workload(draw=None, user=None):
    """每名检查人员的有效指派数：给出 draw 时为本次抽取，否则为用户辖区内所有有效抽取中
    尚未完成的。返回 [{inspector, total, officer, extra}]，按数量降序。"""
    rows = Assignment.objects.filter(active=True)
    if draw is not None:
        rows = rows.filter(inspection__draw=draw)
    else:
        rows = scope.scoped(rows, user).filter(
            inspection__draw__status=DrawStatus.COMPLETED,
            inspection__status__in=[InspectionStatus.PENDING, InspectionStatus.IN_PROGRESS],
        )
    counts = (
        rows.values("inspector_id")
        .annotate(
            total=Count("id"),
            officer=Count("id", filter=Q(counts_as_officer=True)),
            extra=Count("id", filter=Q(counts_as_officer=False)),
        )
        .order_by()
    )
    counts = {c["inspector_id"]: c for c in counts}
    people = Inspector.objects.filter(pk__in=list(counts)).select_related("unit", "department")
    out = [{"inspector": p, **counts[p.pk]} for p in people]
    out.sort(key=lambda r: (-r["total"], r["inspector"].badge_no))
    return out


# ---------------------------------------------------------------- 备选替换


def next_reserve(inspection):
    """同一层中尚未启用的下一名备选（按名次）。"""
    used = Inspection.objects.filter(draw_id=inspection.draw_id).values("drawn_target_id")
    return (
        inspection.draw.targets.filter(
            role=TargetRole.RESERVE, stratum=inspection.drawn_target.stratum
        )
        .exclude(pk__in=used)
        .select_related("entity__unit", "target_object__entity__unit")
        .order_by("rank")
        .first()
    )


def replace_with_reserve(inspection, user, reason):
    """对象本不应抽中（查实不在任务的抽查范围内）时，由同一层的下一名备选替换。

    只为此一种情形：注销、吊销、迁出等是检查结果（代码 9–12），不是替换的理由。
    原对象取消（保留，记替换原因与替换为谁），备选成为新的检查对象，检查人员按调整的同一规则
    从冻结的人员库匹配；抽取记录不变。返回新的检查对象。
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("用备选替换须写明原对象不在抽查范围内的理由")
    with transaction.atomic():
        if not may_reassign(user, inspection):
            raise PermissionDenied("没有权限替换该检查对象")
        info, inspection = _lock(inspection)
        _check_open(inspection)
        if inspection.role == TargetRole.RESERVE and inspection.replaced_by_id:
            raise ValidationError("该对象已被替换")
        reserve = next_reserve(inspection)
        stratum = inspection.drawn_target.stratum
        if reserve is None:
            raise ValidationError(f"“{stratum}”层没有剩余的备选对象，不能替换")
        station = _station_of(reserve)
        obj = reserve.target_object
        new = Inspection.objects.create(
            drawn_target=reserve,
            task=inspection.task,
            draw=inspection.draw,
            entity=reserve.entity if reserve.entity_id else (obj.entity if obj else None),
            target_object=obj,
            uid=reserve.uid,
            name=reserve.entity.name if reserve.entity_id else (obj.name if obj else ""),
            station=station,
            scope_path=station.path if station else inspection.draw.scope_path,
            rank=reserve.rank,
            role=TargetRole.RESERVE,
            deadline=inspection.deadline,
            status=InspectionStatus.PENDING,
        )
        now = timezone.now()
        pool = _pool(inspection.draw)
        departments = info.departments if info.is_joint else [""]
        per_department = max(info.per_target, info.min_officers if not info.is_joint else 1)
        picked, depts = [], {}
        for dept in departments:
            picks = _candidates(
                new,
                info,
                dept,
                neighbours=pool["neighbours"],
                exclude={p.badge_no for p in picked},
            )[:per_department]
            picked += picks
            depts.update({p.badge_no: dept for p in picks if dept})
        note = f"备选第{reserve.rank}名替换第{inspection.rank}名：{reason}"
        if picked:
            _add(new, picked, user, AssignmentSource.REASSIGNED, note, now, departments=depts)
        _refresh(new, info)
        _end(_active(inspection), user, note, now)
        Inspection.objects.filter(pk=inspection.pk).update(
            status=InspectionStatus.CANCELLED,
            needs_action=False,
            replaced_by=new,
            replacement_reason=reason,
            updated_at=now,
        )
        audit.log(
            "inspection.replaced",
            inspection,
            before={"uid": inspection.uid, "rank": inspection.rank, "stratum": stratum},
            after={
                "reserve_uid": new.uid,
                "reserve_rank": reserve.rank,
                "team": [p.badge_no for p in picked],
                "reason": reason,
                "decided_by": user.username,
            },
        )
        return new
