"""导入导出中的组织单元：按代码或名称找单位（限定辖区），以及导出时写单位的哪个名字。

组织单元表很小，一次读入内存；查找不再访问数据库（并行校验的子进程里也能用）。
"""

import unicodedata
from collections import Counter
from dataclasses import dataclass

from shuangsui.core.choices import UnitLevel
from shuangsui.core.models import OrgUnit


def key(text):
    return "".join(unicodedata.normalize("NFKC", str(text or "")).split()).lower()


@dataclass(frozen=True)
class Unit:
    id: int
    code: str
    name: str
    short_name: str
    level: str
    path: str
    county_path: str

    @property
    def is_department(self):
        return self.level == UnitLevel.DEPARTMENT


def _county_paths(rows):
    by_id = {r["id"]: r for r in rows}
    result = {}
    for row in rows:
        unit = row
        while unit["level"] in (UnitLevel.STATION, UnitLevel.DEPARTMENT) and unit["parent_id"]:
            parent = by_id.get(unit["parent_id"])
            if parent is None:
                break
            unit = parent
        result[row["id"]] = unit["path"]
    return result


class UnitIndex:
    """全部组织单元；`resolve` 只在 `scope_path` 之下找（空串表示全库，即系统身份）。"""

    def __init__(self, scope_path=""):
        rows = list(
            OrgUnit.objects.values("id", "code", "name", "short_name", "level", "path", "parent_id")
        )
        counties = _county_paths(rows)
        self.scope_path = scope_path or ""
        self.units = [
            Unit(
                r["id"],
                r["code"],
                r["name"],
                r["short_name"] or "",
                r["level"],
                r["path"],
                counties[r["id"]],
            )
            for r in rows
        ]
        self.by_id = {u.id: u for u in self.units}
        self.by_code = {key(u.code): u for u in self.units}
        self.by_name = {}
        for u in self.units:
            for text in {key(u.name), key(u.short_name)} - {""}:
                self.by_name.setdefault(text, []).append(u)
        # 导出用：全库名称（含简称）唯一的单位写名称，否则写代码
        counts = Counter()
        for u in self.units:
            for text in {key(u.name), key(u.short_name)} - {""}:
                counts[text] += 1
        self._name_counts = counts
        self._county_counts = {}

    def in_scope(self, unit):
        return unit.path.startswith(self.scope_path)

    def resolve(self, text, *, within="", what="单位"):
        """按代码或名称（全称或简称）找单位。返回 (Unit, None) 或 (None, 中文原因)。

        `within` 给出时只在该路径之下按名称找（如部门只在本县（区）内找）；代码总是全库唯一。
        """
        k = key(text)
        unit = self.by_code.get(k)
        if unit is not None:
            if not self.in_scope(unit):
                return None, f"{what}“{text}”不在您的辖区内"
            if within and not unit.path.startswith(within):
                return None, f"{what}“{text}”不在本县（区）内"
            return unit, None
        candidates = self.by_name.get(k, [])
        if not candidates:
            return None, f"找不到{what}“{text}”（请填写组织单元代码或全称）"
        inside = [u for u in candidates if self.in_scope(u)]
        if within:
            inside = [u for u in inside if u.path.startswith(within)]
        if len(inside) == 1:
            return inside[0], None
        if len(inside) > 1:
            codes = "、".join(u.code for u in inside[:5])
            return None, f"{what}名称“{text}”对应多个单位（{codes}），请改填单位代码"
        if within and any(self.in_scope(u) for u in candidates):
            return None, f"{what}“{text}”不在本县（区）内"
        return None, f"{what}“{text}”不在您的辖区内"

    def label(self, unit_id):
        """导出时的单位写法：名称全库唯一时写名称，否则写代码（保证能原样再导入）。"""
        unit = self.by_id.get(unit_id)
        if unit is None:
            return ""
        return unit.name if self._name_counts[key(unit.name)] == 1 else unit.code

    def label_in_county(self, unit_id, county_path):
        """部门、负责区域按本县（区）解析：名称在本县（区）内唯一时写名称，否则写代码。"""
        unit = self.by_id.get(unit_id)
        if unit is None:
            return ""
        counts = self._county_counts.get(county_path)
        if counts is None:
            counts = Counter()
            for u in self.units:
                if u.path.startswith(county_path):
                    for text in {key(u.name), key(u.short_name)} - {""}:
                        counts[text] += 1
            self._county_counts[county_path] = counts
        if unit.path.startswith(county_path) and counts[key(unit.name)] == 1:
            return unit.name
        return unit.code

    def label_by_code(self, code, county_path):
        unit = self.by_code.get(key(code))
        return self.label_in_county(unit.id, county_path) if unit else code
