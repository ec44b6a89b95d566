"""检查人员的匹配资格（规范第 5 节的输入）：纯函数，作用于冻结的人员库快照。

人员库在抽取前与检查对象名单一起冻结（`pool_snapshot`），此后名录库的改动不影响本次匹配；
资格名单只是“冻结的人员库 + 抽中的对象”的函数，任何人可据公开的名单复核匹配。
"""

from bisect import bisect_left

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
                "conflicts": sorted(c.uid for c in i.conflicts.all()),  # 可预取
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


def _base_ok(person, required, department):
    """与对象无关的条件：执法人员、在岗、（联合任务）属于该部门、具备全部资质。"""
    if person["kind"] != InspectorKind.OFFICER or not person["on_duty"]:
        return False
    if department and person["department"] != department:
        return False
    quals = person["qualifications"]
    return all(t in quals for t in required)


def eligible_lists(targets, pool, required, *, department="", neighbours=None, previous=None):
    """每个对象的合格执法人员证号列表（按证号排序）。

    targets: [{"uid", "station"}]；required: 资质标签；neighbours: {所代码: [相邻所代码]}，
    只在任务允许邻近区域时给出；previous: {uid: [上次检查该对象的证号]}。

    结果与逐人调用 `why_not` 相同；为了 5 万对象 × 2 千人员也能很快算完，先把与对象无关的
    条件过一遍，按负责的所建索引，同一个所（连同相邻所）的名单只排序一次，再按对象去掉
    申报回避与轮换回避的人。
    """
    neighbours = neighbours or {}
    previous = previous or {}
    required = list(required)
    by_station = {}  # 所代码 → 负责该所的合格人员
    conflicts = {}  # 对象 uid → 申报回避的人员
    for p in pool:
        if not _base_ok(p, required, department):
            continue
        for code in set(p["regions"]) or {p["unit"]}:
            by_station.setdefault(code, []).append(p["id"])
        for uid in p["conflicts"]:
            conflicts.setdefault(uid, set()).add(p["id"])
    per_station = {}
    result = {}
    for target in targets:
        station = target["station"]
        base = per_station.get(station)
        if base is None:
            ids = set(by_station.get(station, ()))
            for code in neighbours.get(station, ()):
                ids.update(by_station.get(code, ()))
            base = per_station[station] = sorted(ids)
        uid = target["uid"]
        drop = conflicts.get(uid)
        last = previous.get(uid)
        ids = list(base)
        for i in set(drop or ()) | set(last or ()):  # 通常只有几人：在有序列表里二分删除
            k = bisect_left(ids, i)
            if k < len(ids) and ids[k] == i:
                del ids[k]
        result[uid] = ids
    return result
