"""基数比例按信用分类加权分配（plans.quota.weighted_split）的性质测试。"""

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from shuangsui.plans.quota import weighted_split

LABELS = ["A", "B", "C", "D", "U"]

sizes_st = st.dictionaries(st.sampled_from(LABELS), st.integers(0, 5000), min_size=1)
weights_st = st.dictionaries(
    st.sampled_from(LABELS),
    st.sampled_from(["0", "0.5", "1", "1.5", "2", "3", "5", "10", "0.125"]),
)


def capacity(sizes, weights):
    return sum(n for label, n in sizes.items() if Fraction(weights.get(label, "0")) > 0)


@settings(deadline=None)  # 机器繁忙时单个例子可能超过默认的 200 ms
@given(sizes_st, weights_st, st.integers(0, 30000))
def test_it_sums_exactly_and_never_exceeds_a_class(sizes, weights, total):
    quotas = weighted_split(total, sizes, weights)
    assert set(quotas) == set(sizes)
    assert sum(quotas.values()) == min(total, capacity(sizes, weights))
    for label, k in quotas.items():
        assert 0 <= k <= sizes[label]
        if Fraction(weights.get(label, "0")) == 0:
            assert k == 0


@settings(deadline=None)  # 机器繁忙时单个例子可能超过默认的 200 ms
@given(sizes_st, weights_st, st.integers(0, 30000))
def test_it_is_proportional_within_rounding(sizes, weights, total):
    """没有取满的各类之间按 人数 × 权重 成比例，误差小于 1 户；取满的类其按比例应得不少于人数。"""
    quotas = weighted_split(total, sizes, weights)
    score = {
        label: n * Fraction(weights.get(label, "0"))
        for label, n in sizes.items()
        if n and Fraction(weights.get(label, "0")) > 0
    }
    free = {label for label in score if quotas[label] < sizes[label]}
    if not free:
        return
    left = sum(quotas[label] for label in free)
    pool = sum(score[label] for label in free)
    for label in free:
        assert abs(quotas[label] - left * score[label] / pool) < 1
    # 取满的类：按比例它至少应得它的人数（否则不该被取满）
    for label in set(score) - free:
        share = (left + sizes[label]) * score[label] / (pool + score[label])
        assert share >= sizes[label] - 1


def test_it_splits_seed_000_by_the_weights():
    """丰泽区：基数 × 3.5% = 70 户，B/C/D 各 700/200/100 户，权重 1/3/5。"""
    quotas = weighted_split(70, {"B": 700, "C": 200, "D": 100}, {"B": "1", "C": "3", "D": "5"})
    # 分值 700 : 600 : 500 → 70 × 7/18 = 27.2, 70 × 6/18 = 23.3, 70 × 5/18 = 19.4
    # 向下取整 27 + 23 + 19 = 69，余下 1 户给余数最大的 D
    assert quotas == {"B": 27, "C": 23, "D": 20}


def test_it_gives_a_full_class_all_and_the_excess_to_the_others():
    quotas = weighted_split(50, {"B": 1000, "D": 10}, {"B": "1", "D": "100"})
    # 按比例 D 应得 50 × 1000/2000 = 25 > 10 户：D 取满 10，其余 40 给 B
    assert quotas == {"B": 40, "D": 10}


def test_it_breaks_ties_by_label():
    assert weighted_split(1, {"C": 10, "B": 10}, {"B": "1", "C": "1"}) == {"B": 1, "C": 0}
