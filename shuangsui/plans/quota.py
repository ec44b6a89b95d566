"""基数比例配额按信用分类加权分配：总数 = 基数 × 比例，各类按“名单人数 × 权重”的比例分得户数。

纯函数，不读数据库。分配用最大余数法（余数相同按层标签顺序），各类户数之和恰好等于总数；
任何一类都不超过其人数，超出的部分按同一规则再分给其他类（“注水法”）。
总数超过权重大于 0 的各类人数之和时，这些类全部抽取，合计即为它们的人数之和。
"""

from decimal import Decimal
from fractions import Fraction


def weighted_split(total, sizes, weights):
    """把 total 户按 人数 × 权重 分给各层：返回 {层: 户数}（含 0 户的层）。

    sizes：层 → 人数；weights：层 → 权重（非负，Decimal/字符串/整数均可；缺省按 0）。
    """
    if total < 0:
        raise ValueError("总数不能为负数")
    quotas = {label: 0 for label in sizes}
    active = {
        label
        for label, n in sizes.items()
        if n > 0 and Fraction(Decimal(str(weights.get(label, 0)))) > 0
    }
    score = {label: sizes[label] * Fraction(Decimal(str(weights[label]))) for label in active}
    left = min(total, sum(sizes[label] for label in active))
    # 注水：按比例应得超过人数的层取满，剩下的户数在其余层之间重新按比例计算，直到没有层超出
    while active:
        pool = sum(score[label] for label in active)
        full = {label for label in active if left * score[label] / pool >= sizes[label]}
        if not full:
            break
        for label in full:
            quotas[label] = sizes[label]
            left -= sizes[label]
        active -= full
    if not active or not left:
        return quotas
    pool = sum(score[label] for label in active)
    exact = {label: left * score[label] / pool for label in active}
    for label in active:
        quotas[label] = int(exact[label])  # 向下取整（均为非负）
    rest = left - sum(quotas[label] for label in active)
    order = sorted(active, key=lambda label: (-(exact[label] - int(exact[label])), label))
    for label in order[:rest]:
        quotas[label] += 1
    return quotas


def base_total(base, ratio):
    """总数 = ceil(基数 × 比例)，精确计算（与抽取协议 quota_from_ratio 同一规则）。"""
    num, den = Decimal(str(ratio)).as_integer_ratio()
    return -((-int(base) * num) // den)


def _weight_text(value):
    return format(Decimal(str(value)).normalize(), "f")


def _class_name(label):
    return {"U": "未分类", "ALL": "全部"}.get(label, f"{label}类")


def split_base_ratio(base, ratio, strata, weights):
    """基数比例的配额：返回 (各层户数, 说明)。strata 为冻结（或预览）名单的各层人数；
    weights 为各层权重（不分层时传 None，即只有一层、全部给它）。"""
    labels = sorted(label for label, n in strata.items() if n > 0)
    sizes = {label: strata[label] for label in labels}
    want = base_total(base, ratio)
    percent = f"{(Decimal(str(ratio)) * 100).normalize():f}%"
    if weights is None:
        weights = dict.fromkeys(labels, 1)
        how = "按名单分配"
    else:
        shown = "、".join(f"{_class_name(k)} {_weight_text(weights.get(k, 0))}" for k in labels)
        how = f"按各类名单人数 × 权重分配（权重：{shown}）"
    quotas = weighted_split(want, sizes, weights)
    notes = [f"基数 {base} 户 × 比例 {percent} = {want} 户，{how}"]
    got = sum(quotas.values())
    if got < want:
        notes.append(f"{want} 户超过名单中可抽的 {got} 户（权重为 0 的类不抽），按全部抽取")
    full = [
        _class_name(k)
        for k in labels
        if quotas[k] == sizes[k] and Decimal(str(weights.get(k, 0))) > 0 and got == want
    ]
    if full and len(full) < len([k for k in labels if Decimal(str(weights.get(k, 0))) > 0]):
        notes.append(
            f"{'、'.join(full)}按权重应得的户数达到或超过名单人数，全部抽取；多出的户数按同一规则分给其他类"
        )
    return quotas, notes
