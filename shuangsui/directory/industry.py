"""国民经济行业分类（GB/T 4754-2017）的门类与大类：代码 → 名称。表在 data/gbt4754_2017.csv。

名录中的行业代码写作门类字母加大类两位数，如“F52”（零售业）；也可只有门类“F”，或带中类、小类
的更长代码（如“F5211”，按其大类显示名称）。
"""

import csv
import functools
import re
from pathlib import Path

TABLE = Path(__file__).resolve().parent / "data" / "gbt4754_2017.csv"
_CODE = re.compile(r"^([A-T])(\d{2})?(\d{1,2})?$")


@functools.cache
def _table():
    sections, divisions, section_of = {}, {}, {}
    current = None
    with TABLE.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            code, name = row["code"], row["name"]
            if code.isalpha():
                current = code
                sections[code] = name
            else:
                divisions[code] = name
                section_of[code] = current
    return sections, divisions, section_of


def sections():
    """[(门类字母, 名称)]，按字母顺序。"""
    return sorted(_table()[0].items())


def divisions(section=None):
    """[(“F51”这样的代码, 名称)]；给出门类时只列该门类的大类。"""
    _, names, section_of = _table()
    return [
        (f"{section_of[code]}{code}", name)
        for code, name in sorted(names.items())
        if section is None or section_of[code] == section
    ]


def is_valid(code):
    """代码是否为 GB/T 4754-2017 中存在的门类、大类（或其下更细的代码，大类须存在）。"""
    found = _CODE.match((code or "").strip().upper())
    if not found:
        return False
    letter, division, _ = found.groups()
    sections_, _, section_of = _table()
    if division is None:
        return letter in sections_
    return section_of.get(division) == letter


def name_of(code):
    """代码 → 名称：大类有名称时用大类，否则用门类；不认识的代码返回空字符串。"""
    found = _CODE.match((code or "").strip().upper())
    if not found:
        return ""
    letter, division, _ = found.groups()
    sections_, names, section_of = _table()
    if division is not None and section_of.get(division) == letter:
        return names[division]
    if division is None:
        return sections_.get(letter, "")
    return ""


def label(code):
    """页面上显示的“代码 名称”，如“F52 零售业”；不认识的代码照原样显示并注明。"""
    code = (code or "").strip()
    if not code:
        return ""
    name = name_of(code)
    return f"{code} {name}" if name else f"{code}（不在 GB/T 4754-2017 中）"
