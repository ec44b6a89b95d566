"""导入检查人员（含申报回避的市场主体）：量小，逐行经模型的 full_clean，一个事务里写入。"""

import time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from shuangsui.catalog.models import join_tags, split_tags
from shuangsui.core import scope
from shuangsui.directory import uscc
from shuangsui.directory.models import Entity
from shuangsui.inspectors.models import Inspector
from shuangsui.lib.tabular import TabularError

from .. import specs
from ..units import UnitIndex
from .core import (
    BAD,
    ImportFailed,
    ImportResult,
    RowCollector,
    assign,
    check_mode,
    clean_rows,
    code_cell,
    failed,
    home_unit,
    log_import,
    lookup_code,
    open_table,
    org_units,
    read_header,
    resolve_target,
    split_list,
    text_cell,
)


def import_inspectors(source, filename="", *, user=None, mode="insert", unit=None):
    """导入检查人员（含申报回避的市场主体）；返回 ImportResult。"""
    started = time.perf_counter()
    spec = specs.INSPECTOR
    check_mode(mode)
    target = resolve_target(spec, user, unit)
    data, table, digest = open_table(source, filename)
    _, pos, labels, width, ignored = read_header(spec, table, target)
    del data
    units = UnitIndex(target.scope_path)
    default = units.by_id.get(target.default_unit.id) if target.default_unit else None
    if default is not None and default.is_department:
        raise failed("导入单位不能是部门/股室（检查人员属于局或所，部门填在“所属部门”列）")
    # 归属：指定了导入单位（--unit、页面所选单位）时只导入、只更新该单位之内的检查人员；
    # 否则为导入人的辖区（与名录库导入一样）
    own = default.path if default is not None else target.scope_path
    own_name = f"导入单位“{default.name}”" if default is not None else "您的辖区"
    rowset = RowCollector(labels)
    parsed = []
    seen = {}
    try:
        for n, c in clean_rows(
            table.rows, width, table.pads_short_rows, rowset.errors, rowset.counter
        ):
            ok = True
            values = {}
            badge = code_cell(c, pos, "badge_no").replace(" ", "")
            if not badge:
                rowset.bad(n, "badge_no", "", "执法证号不能为空")
                ok = False
            elif badge in seen:
                rowset.bad(n, "badge_no", badge, f"与第{seen[badge]}行的执法证号重复")
                ok = False
            else:
                seen[badge] = n
            values["badge_no"] = badge
            name = text_cell(c, pos, "name")
            if not name:
                rowset.bad(n, "name", "", "姓名不能为空")
                ok = False
            values["name"] = name
            home = home_unit(
                c,
                pos,
                n,
                rowset,
                units,
                default,
                values,
                "所在单位",
                "所在单位不能是部门/股室（部门请填在“所属部门”列）",
            )
            ok = ok and home is not BAD
            home = None if home is BAD else home
            if home is not None and own and not home.path.startswith(own):
                rowset.bad(
                    n,
                    "unit",
                    code_cell(c, pos, "unit"),
                    f"所在单位“{home.name}”不在{own_name}之内：只能导入本单位的检查人员",
                )
                ok = False
                home = None
            county = home.county_path if home is not None else target.scope_path
            if "department" in pos:
                text = code_cell(c, pos, "department")
                values["department_id"] = None
                if text:
                    dept, reason = units.resolve(text, within=county, what="所属部门")
                    if dept is not None and not dept.is_department:
                        dept, reason = None, "所属部门必须是部门/股室"
                    if dept is None:
                        rowset.bad(n, "department", text, reason)
                        ok = False
                    else:
                        values["department_id"] = dept.id
            if "kind" in pos:
                text = code_cell(c, pos, "kind")
                kind = lookup_code(specs.INSPECTOR_KINDS, text) if text else "officer"
                if kind is None:
                    rowset.bad(
                        n, "kind", text, "未知的人员类别（可填：执法人员、辅助检查人员、专家）"
                    )
                    ok = False
                values["kind"] = kind
            for key in ("qualifications", "expertise"):
                if key in pos:
                    values[key] = join_tags(split_tags(code_cell(c, pos, key)))
            if "regions" in pos:
                codes = []
                for part in split_list(code_cell(c, pos, "regions")):
                    region, reason = units.resolve(part, within=county, what="负责区域")
                    if region is None:
                        rowset.bad(n, "regions", part, reason)
                        ok = False
                    else:
                        codes.append(region.code)
                values["regions"] = join_tags(codes)
            if "on_duty" in pos:
                text = code_cell(c, pos, "on_duty")
                duty = specs.YES_NO.get(specs.norm_key(text)) if text else True
                if duty is None:
                    rowset.bad(n, "on_duty", text, "在岗应填“是”或“否”")
                    ok = False
                values["on_duty"] = duty
            if "phone" in pos:
                values["phone"] = code_cell(c, pos, "phone")
            conflicts = None
            if "conflicts" in pos:
                conflicts = []
                for part in split_list(code_cell(c, pos, "conflicts")):
                    code = uscc.normalise(part)
                    problem = uscc.problem(code)
                    if problem:
                        rowset.bad(n, "conflicts", part, problem)
                        ok = False
                    else:
                        conflicts.append(code)
            parsed.append((n, ok, values, conflicts))
    except TabularError as exc:
        raise failed(exc.message, exc.row) from exc
    if not rowset.counter[0]:
        raise failed("文件只有表头，没有数据行")

    # 申报回避的市场主体：须在本辖区名录库中
    wanted = {code for _, _, _, conflicts in parsed if conflicts for code in conflicts}
    entity_ids = {}
    entities = Entity.objects.all()
    if target.scope_path:
        entities = entities.filter(scope.under(target.scope_path))
    wanted_list = sorted(wanted)
    for i in range(0, len(wanted_list), 500):
        entity_ids.update(
            entities.filter(uid__in=wanted_list[i : i + 500]).values_list("uid", "id")
        )
    existing = {}
    badges = list(seen)
    for i in range(0, len(badges), 1000):
        existing.update(
            (p.badge_no, p) for p in Inspector.objects.filter(badge_no__in=badges[i : i + 1000])
        )
    org = org_units(parsed, ("unit_id", "department_id"))
    field_to_key = {"unit": "unit", "department": "department", "badge_no": "badge_no"}
    creates, updates = [], []
    for n, ok, values, conflicts in parsed:
        if conflicts:
            missing = [code for code in conflicts if code not in entity_ids]
            if missing:
                rowset.bad(
                    n, "conflicts", "、".join(missing), "申报回避的市场主体不在本辖区名录库中"
                )
                ok = False
        current = existing.get(values["badge_no"])
        if current is not None:
            if mode == "insert":
                rowset.bad(
                    n,
                    "badge_no",
                    values["badge_no"],
                    "检查人员名录中已有该执法证号（要更新请选择“新增并更新已有”）",
                )
                ok = False
            elif target.scope_path and not current.scope_path.startswith(target.scope_path):
                rowset.bad(
                    n, "badge_no", values["badge_no"], "该执法证号的检查人员属于其他辖区，不能更新"
                )
                ok = False
            elif own and not current.scope_path.startswith(own):
                rowset.bad(
                    n,
                    "badge_no",
                    values["badge_no"],
                    f"该执法证号的检查人员属于“{current.unit.name}”，不在{own_name}之内，不能更新",
                )
                ok = False
        if not ok:
            continue
        obj = current if current is not None else Inspector()
        assign(obj, values, org)
        try:
            obj.full_clean(
                exclude=["user", "unit", "department", "conflicts"],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as exc:
            rowset.model_errors(n, exc, field_to_key)
            continue
        ids = [entity_ids[code] for code in conflicts] if conflicts is not None else None
        (updates if current is not None else creates).append((obj, ids, values))
    if rowset.counter[1]:
        raise ImportFailed(rowset.errors, rowset.counter[1], rowset.counter[0])

    result = ImportResult(
        kind=spec.kind,
        filename=filename,
        mode=mode,
        rows=rowset.counter[0],
        created=len(creates),
        updated=len(updates),
        sha256=digest,
        ignored_columns=ignored,
    )
    through = Inspector.conflicts.through
    now = timezone.now()
    with transaction.atomic():
        made = Inspector.objects.bulk_create([obj for obj, _, _ in creates], batch_size=1000)
        if updates:
            fields = sorted({k for _, _, values in updates for k in values} | {"updated"})
            fields = [f.removesuffix("_id") for f in fields]
            for obj, _, _ in updates:
                obj.updated = now
            Inspector.objects.bulk_update([obj for obj, _, _ in updates], fields, batch_size=500)
        links = []
        replaced = []
        for obj, (_, ids, _) in zip(made, creates, strict=True):
            links += [through(inspector_id=obj.pk, entity_id=e) for e in ids or []]
        for obj, ids, _ in updates:
            if ids is not None:
                replaced.append(obj.pk)
                links += [through(inspector_id=obj.pk, entity_id=e) for e in ids]
        if replaced:
            through.objects.filter(inspector_id__in=replaced).delete()
        through.objects.bulk_create(links, batch_size=2000, ignore_conflicts=True)
        log_import(spec, target, result)
    result.seconds = time.perf_counter() - started
    return result
