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


# 大文件（LAZY_MIN 以上）不整篇解码：按字节留着，取行、分段时才解码。这里把门槛调低来测。
BIG_ROWS = [["代码", "名称"]] + [[f"A{i}", f"甲乙{i}" * (i % 3)] for i in range(2000)]


def lazy(monkeypatch, rows=BIG_ROWS, newline="\n", encoding="utf-8", title=""):
    from shuangsui.lib import tabular

    monkeypatch.setattr(tabular, "LAZY_MIN", 1000)
    monkeypatch.setattr(tabular, "LAZY_PIECE", 700)  # 多块
    text = title + newline.join(",".join(r) for r in rows) + newline
    if newline == "mixed":
        text = title + "".join(
            ",".join(r) + ("\r\n" if i % 2 else "\n") for i, r in enumerate(rows)
        )
    return read_table(None, "x.csv", data=text.encode(encoding))


def numbered(rows):
    return [(n, cells) for n, cells in rows if cells != [""]]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "mixed"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_big_file_rows_and_parts_equal_the_whole_file_split(monkeypatch, newline, encoding):
    table = lazy(monkeypatch, newline=newline, encoding=encoding)
    assert table.blob is not None and table.lines is None
    assert table.encoding == encoding
    whole = numbered(table.rows)
    assert [cells for _, cells in whole] == BIG_ROWS
    assert [n for n, _ in whole] == list(range(1, len(BIG_ROWS) + 1))
    for parts in (1, 2, 3, 7):
        table = lazy(monkeypatch, newline=newline, encoding=encoding)
        header = table.take_header()
        assert header == (1, ["代码", "名称"])
        ranges = table.partition(parts)
        assert len(ranges) == parts
        got = [row for part in ranges for row in numbered(table.rows_between(*part))]
        assert got == whole[1:]


def test_big_file_parts_after_title_rows(monkeypatch):
    table = lazy(monkeypatch, title="\n,\n")  # 表头上方的空行
    assert table.take_header() == (3, ["代码", "名称"])
    got = [row for part in table.partition(3) for row in numbered(table.rows_between(*part))]
    assert got == [(n + 3, cells) for n, cells in enumerate(BIG_ROWS[1:], 1)]


def test_big_file_with_another_encoding_later_names_the_row(monkeypatch):
    from shuangsui.lib import tabular

    monkeypatch.setattr(tabular, "LAZY_MIN", 1000)
    monkeypatch.setattr(tabular, "LAZY_PIECE", 700)
    # 开头 64 KB 以内都是 UTF-8（由它定编码），第 9002 行混入 GBK
    good = "\n".join(["代码,名称"] + [f"A{i},甲乙{i}" for i in range(9000)]).encode()
    bad = "\nB1,混入的GBK\n".encode("gbk")
    table = read_table(None, "x.csv", data=good + bad + b"B2,x\n" * 100)
    assert table.blob is not None
    table.take_header()
    with pytest.raises(tabular.TabularError) as caught:
        for _ in table.rows_between(*table.partition(2)[-1]):
            pass
    assert caught.value.row == 9002
    assert "第9002行" in caught.value.message and "UTF-8" in caught.value.message


@pytest.mark.parametrize(
    "data",
    [
        "代码,名称\rA1,甲\r".encode() * 200,  # 单独的回车
        ('代码,名称\nA1,"甲"\n' * 200).encode(),  # 有引号
        b"code,name\nA1,B\n" * 200,  # 开头没有中文，定不了编码
    ],
    ids=["lone-CR", "quotes", "ascii-head"],
)
def test_big_files_the_lazy_path_does_not_take(monkeypatch, data):
    from shuangsui.lib import tabular

    monkeypatch.setattr(tabular, "LAZY_MIN", 1000)
    assert read_table(None, "x.csv", data=data).blob is None
