from hypothesis import given
from hypothesis import strategies as st

from shuangsui.directory import uscc


def test_it_accepts_real_shaped_codes_and_letter_prefixes():
    assert uscc.is_valid("91350100M000100Y43")
    for prefix in ("A1", "N2", "Y1", "91", "92", "93"):
        code = uscc.make(prefix + "350503MA2XYW123")
        assert uscc.is_valid(code), code


def test_it_names_the_problem():
    good = uscc.make("9135050312345678X")
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    assert "校验位错误" in uscc.problem(wrong)
    assert "18 位" in uscc.problem(good[:17])
    assert "非法字符" in uscc.problem(good[:16] + "I" + good[17])
    assert "不能为空" in uscc.problem("")


def test_it_normalises_full_width_and_case():
    good = uscc.make("9135050312345678X")
    full = "".join(chr(ord(c) + 0xFEE0) for c in good.lower())
    assert uscc.normalise(" " + full + " ") == good


@given(st.text(alphabet=uscc.ALPHABET, min_size=17, max_size=17))
def test_every_single_character_change_is_caught(first17):
    code = uscc.make(first17)
    assert uscc.is_valid(code)
    for pos in range(18):
        for c in uscc.ALPHABET[:5]:
            if c != code[pos]:
                assert not uscc.is_valid(code[:pos] + c + code[pos + 1 :])
