"""数值与日期的合理范围：模型字段的校验器、数据库检查约束与查询参数的解析共用一套界限。

年度与业务日期在 2000–2100 年之间；比例在 0–1 之间（即 0–100%）；户数、人数、批次不小于 0
且不超过它们所计的东西。模型用这里的校验器（页面表单、接口、导入与管理后台都经 full_clean），
数据库用 `check()` 生成的 CheckConstraint 兜底。
"""

import datetime
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

YEAR_MIN, YEAR_MAX = 2000, 2100
DATE_MIN, DATE_MAX = datetime.date(YEAR_MIN, 1, 1), datetime.date(YEAR_MAX, 12, 31)
# 成立日期等历史日期可早于 2000 年（与导入的 1900–2100 年一致）
HISTORIC_DATE_MIN = datetime.date(1900, 1, 1)
RATIO_MIN, RATIO_MAX = Decimal("0"), Decimal("1")
MAX_BATCHES = 100  # 一个计划或任务的批次
MAX_PER_TARGET = 10  # 每户（每部门）检查人员数
MAX_COUNT = 100_000_000  # 户数（比例基数、指定户数、备选户数）：全国市场主体也不到两亿
MAX_YEARLY_CAP = 366  # 一年内的检查次数上限
MAX_ID = 2**63 - 1  # 主键（BigAutoField）


def between(lo, hi, message):
    """[lo, hi] 的一对校验器，消息为中文（可用 %(show_value)s 引用填写的值；百分号写作 %%）。"""
    return [MinValueValidator(lo, message), MaxValueValidator(hi, message)]


def year(label="年度"):
    return between(YEAR_MIN, YEAR_MAX, f"{label}应在 {YEAR_MIN} 到 {YEAR_MAX} 年之间")


def date(label="日期"):
    return between(DATE_MIN, DATE_MAX, f"{label}应在 {YEAR_MIN} 年到 {YEAR_MAX} 年之间")


def historic_date(label="日期"):
    return between(
        HISTORIC_DATE_MIN, DATE_MAX, f"{label}应在 {HISTORIC_DATE_MIN.year} 年到 {YEAR_MAX} 年之间"
    )


def ratio(label="比例"):
    return between(RATIO_MIN, RATIO_MAX, f"{label}应在 0 到 1 之间（即 0 到 100%%）")


def count(label, lo=0, hi=MAX_COUNT):
    return between(lo, hi, f"{label}应在 {lo} 到 {hi} 之间")


def check(prefix, field, lo, hi, message, *, null=False):
    """字段值在 [lo, hi] 之间的数据库约束（可空字段允许 NULL），名称为 `<prefix>_<field>_range`。"""
    condition = Q(**{f"{field}__gte": lo, f"{field}__lte": hi})
    if null:
        condition |= Q(**{f"{field}__isnull": True})
    return models.CheckConstraint(
        condition=condition,
        name=f"{prefix}_{field}_range",
        violation_error_message=message,
    )


def year_check(prefix, field="year", label="年度"):
    return check(prefix, field, YEAR_MIN, YEAR_MAX, f"{label}应在 {YEAR_MIN} 到 {YEAR_MAX} 年之间")


def date_check(prefix, field, label, *, null=False):
    return check(
        prefix,
        field,
        DATE_MIN,
        DATE_MAX,
        f"{label}应在 {YEAR_MIN} 年到 {YEAR_MAX} 年之间",
        null=null,
    )


def ratio_check(prefix, field, label="比例", *, null=False):
    return check(
        prefix, field, RATIO_MIN, RATIO_MAX, f"{label}应在 0 到 1 之间（即 0 到 100%%）", null=null
    )


def count_check(prefix, field, label, lo=0, hi=MAX_COUNT, *, null=False):
    return check(prefix, field, lo, hi, f"{label}应在 {lo} 到 {hi} 之间", null=null)


def parse_int(text, lo, hi):
    """查询参数里的整数：只认 ASCII 数字（可带负号），不在 [lo, hi] 之内或无法识别时为 None。

    `"²".isdigit()` 为真而 `int("²")` 会出错；`"٣"`、全角数字、10**30 之类也都当作无效。
    """
    if not isinstance(text, str):
        return None
    text = text.strip()
    body = text[1:] if text.startswith("-") else text
    if not body or len(body) > 18 or not body.isascii() or not body.isdigit():
        return None
    value = int(text)
    return value if lo <= value <= hi else None


def parse_year(text):
    return parse_int(text, YEAR_MIN, YEAR_MAX)
