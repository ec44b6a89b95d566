"""导入抽查事项清单：量小，逐行经模型的 full_clean，一个事务里写入。"""

import re
import time
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from shuangsui.catalog import methods as check_methods
from shuangsui.catalog.models import InspectionItem, join_tags, split_tags
from shuangsui.core import scope
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

_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%")
_NUMBER = re.compile(r"^(?:不超过|不高于|不大于|最高|最多|≤|<=|<)?\s*(\d+(?:\.\d+)?)$")
NO_CAP = {"", "不设上限", "不设", "无上限", "不限", "无", "/", "-", "—", "不设比例上限"}


def parse_ratio(text):
    """抽查比例文本 → 比例上限（Decimal，0–1）或 None（不设上限）；无法识别时抛出 ValueError。"""
    compact = "".join(text.split())
    if compact in NO_CAP:
        return None
    match = _PERCENT.search(compact)
    if match:
        value = Decimal(match.group(1)) / 100
    else:
        match = _NUMBER.match(compact)
        if not match:
            raise ValueError("抽查比例无法识别（如“5%”“不超过5%”；重点事项填“不设上限”或留空）")
        value = Decimal(match.group(1))
        if value > 1:
            value = value / 100
    if not Decimal(0) <= value <= Decimal(1):
        raise ValueError("抽查比例应在 0% 到 100% 之间")
    quantised = value.quantize(Decimal("0.0001"))
    if quantised != value:
        raise ValueError("抽查比例最多精确到 0.01%")
    return quantised


def import_items(source, filename="", *, user=None, mode="insert", unit=None):
    """导入抽查事项清单；制定单位默认为导入人的县（区）局（或 --unit）。返回 ImportResult。"""
    started = time.perf_counter()
    spec = specs.ITEM
    check_mode(mode)
    target = resolve_target(spec, user, unit)
    if target.default_unit is None and user is not None:
        target.default_unit = scope.root_unit(user)
    data, table, digest = open_table(source, filename)
    _, pos, labels, width, ignored = read_header(spec, table, target, unit_key="")
    del data
    units = UnitIndex(target.scope_path)
    default = units.by_id.get(target.default_unit.id) if target.default_unit else None
    if "unit" not in pos and default is None:
        raise failed("没有指定制定单位：请在文件中加“制定单位”列，或在命令行用 --unit / --user")
    rowset = RowCollector(labels)
    check_methods.clear()  # 导入按代码表的当前内容校验
    method_table = specs.check_methods_table()
    method_names = "、".join(check_methods.active_names())
    parsed = []
    seen = {}
    try:
        for n, c in clean_rows(
            table.rows, width, table.pads_short_rows, rowset.errors, rowset.counter
        ):
            ok = True
            values = {}
            home = home_unit(
                c, pos, n, rowset, units, default, values, "制定单位", "制定单位不能是部门/股室"
            )
            ok = home is not BAD
            home = None if home is BAD else home
            code = code_cell(c, pos, "code").replace(" ", "")
            if not code:
                rowset.bad(n, "code", "", "编号不能为空")
                ok = False
            elif home is not None:
                first = seen.get((home.id, code))
                if first:
                    rowset.bad(n, "code", code, f"与第{first}行的编号重复")
                    ok = False
                else:
                    seen[(home.id, code)] = n
            values["code"] = code
            name = text_cell(c, pos, "name")
            if not name:
                rowset.bad(n, "name", "", "抽查事项名称不能为空")
                ok = False
            values["name"] = name
            for key in ("sub_items", "legal_basis", "frequency", "note"):
                if key in pos:
                    values[key] = text_cell(c, pos, key)
            if "subject" in pos:
                text = text_cell(c, pos, "subject")
                values["subject"] = text
                values["department_id"] = None
                if text and home is not None:
                    dept, _ = units.resolve(text, within=home.county_path)
                    if dept is not None and dept.is_department:
                        values["department_id"] = dept.id
            if "object_type" in pos:
                values["object_type"] = (
                    "、".join(split_tags(text_cell(c, pos, "object_type"))) or "企业"
                )
            if "methods" in pos:
                codes = []
                for part in split_list(code_cell(c, pos, "methods")):
                    method = lookup_code(method_table, part)
                    if method is None:
                        rowset.bad(
                            n,
                            "methods",
                            part,
                            f"未知的抽查方式或已停用（可填：{method_names}，或它们的代码）",
                        )
                        ok = False
                    elif method not in codes:
                        codes.append(method)
                values["methods"] = ",".join(codes)
            if "inspector_requirements" in pos:
                values["inspector_requirements"] = join_tags(
                    split_tags(code_cell(c, pos, "inspector_requirements"))
                )
            ratio_text = code_cell(c, pos, "ratio")
            cap = None
            if "ratio" in pos:
                try:
                    cap = parse_ratio(ratio_text)
                except ValueError as exc:
                    cap = exc
            kind_text = code_cell(c, pos, "kind")
            if kind_text:
                kind = lookup_code(specs.ITEM_KINDS, kind_text)
                if kind is None:
                    rowset.bad(n, "kind", kind_text, "未知的事项类别（可填：重点、一般）")
                    ok = False
            elif "ratio" in pos:
                kind = "general" if isinstance(cap, Decimal) else "key"
            else:
                kind = None
            if kind == "general":
                if isinstance(cap, ValueError):
                    rowset.bad(n, "ratio", ratio_text, str(cap))
                    ok = False
                elif cap is None:
                    rowset.bad(
                        n, "ratio", ratio_text, "一般检查事项须填写抽查比例上限（如“5%”“不超过5%”）"
                    )
                    ok = False
            elif kind == "key":
                cap = None  # 重点事项不设上限；文字照录
            if kind is not None:
                values["kind"] = kind
            if "ratio" in pos:
                values["ratio_cap"] = cap if isinstance(cap, Decimal) else None
                values["ratio_text"] = ratio_text
            parsed.append((n, ok, values))
    except TabularError as exc:
        raise failed(exc.message, exc.row) from exc
    if not rowset.counter[0]:
        raise failed("文件只有表头，没有数据行")

    unit_ids = {values["unit_id"] for _, _, values in parsed if "unit_id" in values}
    codes = sorted({c for _, c in seen})
    existing = {}
    for i in range(0, len(codes), 1000):
        existing.update(
            ((item.unit_id, item.code), item)
            for item in InspectionItem.objects.filter(
                unit_id__in=unit_ids, code__in=codes[i : i + 1000]
            ).select_related("unit", "department")
        )
    org = org_units(parsed, ("unit_id", "department_id"))
    field_to_key = {
        "ratio_cap": "ratio",
        "ratio_text": "ratio",
        "department": "subject",
        "unit": "unit",
        "inspector_requirements": "inspector_requirements",
    }
    creates, updates = [], []
    for n, ok, values in parsed:
        current = existing.get((values.get("unit_id"), values["code"]))
        if current is not None and mode == "insert":
            rowset.bad(
                n,
                "code",
                values["code"],
                "本单位的抽查事项清单中已有该编号（要更新请选择“新增并更新已有”）",
            )
            ok = False
        # 事项归制定单位和抽查主体部门（InspectionItem.change_refused）：别人不能改
        if ok and current is not None:
            refused = current.change_refused(user)
            if refused:
                rowset.bad(n, "code", values["code"], refused)
                ok = False
        if not ok:
            continue
        obj = current if current is not None else InspectionItem()
        assign(obj, values, org)
        refused = obj.change_refused(user)
        if refused:  # 新增的事项、或改了抽查主体之后，也须仍归导入人所在的单位或部门
            key = "subject" if "subject" in pos else "code"
            rowset.bad(n, key, values.get(key, ""), refused)
            continue
        try:
            obj.full_clean(
                exclude=["unit", "department"], validate_unique=False, validate_constraints=False
            )
        except ValidationError as exc:
            rowset.model_errors(n, exc, field_to_key)
            continue
        (updates if current is not None else creates).append((obj, values))
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
    now = timezone.now()
    with transaction.atomic():
        InspectionItem.objects.bulk_create([obj for obj, _ in creates], batch_size=500)
        if updates:
            fields = sorted({k for _, values in updates for k in values} | {"updated"})
            fields = [f.removesuffix("_id") for f in fields]
            for obj, _ in updates:
                obj.updated = now
            InspectionItem.objects.bulk_update([obj for obj, _ in updates], fields, batch_size=500)
        log_import(spec, target, result)
    result.seconds = time.perf_counter() - started
    return result
