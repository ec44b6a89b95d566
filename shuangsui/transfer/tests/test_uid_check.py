"""导入用的快速校验位判断（int(…, 34) 模 31）与国标的逐位加权和给出同样的结论。"""

import random

from django.test import SimpleTestCase

from shuangsui.directory import uscc
from shuangsui.transfer.importers import entities


class UidCheckTests(SimpleTestCase):
    def test_the_fast_check_digit_agrees_with_the_standard(self):
        rng = random.Random(7)
        chars = uscc.ALPHABET + "IOSVZaz_ +-٣\t!é３"
        valid = 0
        for _ in range(50_000):
            if rng.random() < 0.5:
                code = uscc.make("".join(rng.choice(uscc.ALPHABET) for _ in range(17)))
                if rng.random() < 0.5:
                    i = rng.randrange(18)
                    code = code[:i] + rng.choice(chars) + code[i + 1 :]
            else:
                code = "".join(rng.choice(chars) for _ in range(rng.choice([17, 18, 18, 19])))
            self.assertEqual(entities.uid_valid(code), not uscc.problem(code), code)
            valid += entities.uid_valid(code)
        self.assertGreater(valid, 10_000)

    def test_lower_case_spaces_and_signs_are_not_digits(self):
        code = uscc.make("91350503MA0000001")
        self.assertTrue(entities.uid_valid(code))
        for bad in (code.lower(), " " + code[1:], "+" + code[1:], code[:5] + "_" + code[6:]):
            self.assertFalse(entities.uid_valid(bad), bad)
