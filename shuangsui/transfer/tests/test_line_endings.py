"""无引号 CSV 的行尾：换行、回车换行、两者混用都按行切开；单独的回车交给 csv 模块。"""

import pytest

from shuangsui.lib.tabular import read_table

ROWS = [["代码", "名称"], ["A1", "甲"], ["A2", "乙"]]


@pytest.mark.parametrize(
    "data",
    [
        b"\xe4\xbb\xa3\xe7\xa0\x81,\xe5\x90\x8d\xe7\xa7\xb0\nA1,\xe7\x94\xb2\nA2,\xe4\xb9\x99\n",
        b"\xe4\xbb\xa3\xe7\xa0\x81,\xe5\x90\x8d\xe7\xa7\xb0\r\nA1,\xe7\x94\xb2\r\nA2,\xe4\xb9\x99\r\n",
        b"\xe4\xbb\xa3\xe7\xa0\x81,\xe5\x90\x8d\xe7\xa7\xb0\r\nA1,\xe7\x94\xb2\nA2,\xe4\xb9\x99\r\n",
    ],
    ids=["LF", "CRLF", "mixed"],
)
def test_plain_lines(data):
    table = read_table(None, "x.csv", data=data)
    assert table.can_partition()
    assert [cells for _, cells in table.rows if cells != [""]] == ROWS


def test_lone_carriage_return_goes_to_csv_module():
    data = "代码,名称\rA1,甲\rA2,乙\r".encode()
    table = read_table(None, "x.csv", data=data)
    assert not table.can_partition()
    assert [cells for _, cells in table.rows] == ROWS


def test_file_over_the_limit(tmp_path):
    from shuangsui.lib.tabular import TabularError, read_bytes

    path = tmp_path / "big.csv"
    path.write_bytes(b"x" * 101)
    assert read_bytes(path, max_bytes=101) == b"x" * 101
    with pytest.raises(TabularError, match="文件过大"):
        read_bytes(path, max_bytes=100)
