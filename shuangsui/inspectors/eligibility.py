"""检查人员的匹配资格（规范第 5 节的输入）：纯函数，作用于冻结的人员库快照。

人员库在抽取前与检查对象名单一起冻结（`pool_snapshot`），此后名录库的改动不影响本次匹配；
资格名单只是“冻结的人员库 + 抽中的对象”的函数，任何人可据公开的名单复核匹配。
"""

from .choices import InspectorKind


def pool_snapshot(inspectors):
    """把检查人员（模型或字典）冻结为可序列化的列表，按证号排序。"""
    rows = []
    for i in inspectors:
        rows.append(
            {
                "id": i.badge_no,
                "name": i.name,
                "kind": i.kind,
                "unit": i.unit.code,
                "department": i.department.code if i.department_id else "",
                "qualifications": sorted(i.qualification_list),
                "regions": sorted(i.region_list),
                "on_duty": bool(i.on_duty),
                "conflicts": sorted(i.conflicts.values_list("uid", flat=True)),
            }
        )
    rows.sort(key=lambda r: r["id"])
    return rows


def covers(person, station_code, neighbours=()):
    """此人是否负责该所（负责区域为空时即所在单位）；允许邻近区域时也接受相邻的所。"""
    regions = set(person["regions"]) or {person["unit"]}
    if station_code in regions:
        return True
    return any(code in regions for code in neighbours)


def why_not(person, target, required, *, department="", neighbours=(), previous=()):
    """此人不能检查该对象的原因（中文）；可以时返回空字符串。"""
    if person["kind"] != InspectorKind.OFFICER:
        return "辅助人员或专家只作额外成员，不计入执法人员"
    if not person["on_duty"]:
        return "不在岗"
    if department and person["department"] != department:
        return "不属于该部门"
    missing = [t for t in required if t not in person["qualifications"]]
    if missing:
        return f"缺少资质：{'、'.join(missing)}"
    if not covers(person, target["station"], neighbours):
        return "不负责该区域"
    if target["uid"] in person["conflicts"]:
        return "申报回避"
    if person["id"] in previous:
        return "上次检查过该对象（轮换回避）"
    return ""


def eligible_lists(targets, pool, required, *, department="", neighbours=None, previous=None):
    """每个对象的合格执法人员证号列表（按证号排序）。

    targets: [{"uid", "station"}]；required: 资质标签；neighbours: {所代码: [相邻所代码]}，
    只在任务允许邻近区域时给出；previous: {uid: [上次检查该对象的证号]}。
    """
    neighbours = neighbours or {}
    previous = previous or {}
    result = {}
    for target in targets:
        near = neighbours.get(target["station"], ())
        result[target["uid"]] = sorted(
            p["id"]
            for p in pool
            if not why_not(
                p,
                target,
                required,
                department=department,
                neighbours=near,
                previous=previous.get(target["uid"], ()),
            )
        )
    return result
