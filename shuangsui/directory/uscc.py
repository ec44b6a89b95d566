"""统一社会信用代码（GB 32100-2015）的规范化与校验。

第 1 位登记管理部门码、第 2 位机构类别码可以是字母（如 A、N、Y），`stdnum.cn.uscc`
只接受数字开头，这里按国标本身校验：18 位取自 31 个字符（不含 I、O、Z、S、V），
第 18 位为校验码。
"""

import unicodedata

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUES = {c: i for i, c in enumerate(ALPHABET)}
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def normalise(raw):
    """全角转半角（NFKC）、去空白、转大写。"""
    if raw is None:
        return ""
    return unicodedata.normalize("NFKC", str(raw)).strip().replace(" ", "").upper()


def check_char(first17):
    total = sum(VALUES[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def problem(code):
    """返回代码的问题（中文），合法时返回空字符串。代码应已规范化。"""
    if not code:
        return "统一社会信用代码不能为空"
    if len(code) != 18:
        return f"统一社会信用代码应为 18 位，实际 {len(code)} 位"
    bad = sorted({c for c in code if c not in VALUES})
    if bad:
        return f"统一社会信用代码含非法字符：{''.join(bad)}"
    if check_char(code[:17]) != code[17]:
        return f"统一社会信用代码校验位错误（应为 {check_char(code[:17])}）"
    return ""


def is_valid(code):
    return not problem(code)


def make(first17):
    """由前 17 位生成完整代码（演示数据、测试用）。"""
    return first17 + check_char(first17)
