"""tools/verify_draw.py 把文件分成多段、由多个进程检查（VERIFY_DRAW_PART_BYTES 强制分段）：
结论与只分一段时相同，错误的行号与逐行解析（protocol.parse_population）相同，段的交界处也一样。"""

import importlib.util
import os
import random
import re
import subprocess
import sys

import pytest

from shuangsui.draws import protocol as p

from .test_verify_tool import TOOL

SPEC = importlib.util.spec_from_file_location("verify_draw_tool", TOOL)
tool = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(tool)

ENTROPY = ["operator=o-1", "witness=w-2", "beacon=b-3"]
COMMITMENTS = [
    {"label": "operator", "commitment": p.commitment("operator", "o-1")},
    {"label": "witness", "commitment": p.commitment("witness", "w-2")},
]
PART_BYTES = 2000  # 约 95 行一段


def population(n=3000, seed=11):
    rnd = random.Random(seed)
    uids = sorted(
        {"9135" + "".join(rnd.choices("0123456789ABCDEFGHJKLMNPQRTUWXY", k=14)) for _ in range(n)}
    )
    rows = [(u, rnd.choice("ABCD")) for u in uids]
    rows += [(f"Z:{i}", "U") for i in range(1, 200)]  # 不等宽的行
    return p.population_csv(rows)


def record_for(data, **kw):
    return p.make_record(
        "T-PARTS",
        data,
        {"A": 20, "B": 60, "C": 3, "D": 0, "U": 2},
        reserves={"B": 7},
        commitments=COMMITMENTS,
        entropy=ENTROPY,
        created_at="2026-12-02T09:00:00+08:00",
        **kw,
    )


def resealed(rec, data):
    """population 改了以后重算摘要与种子，只留下文件本身的问题。"""
    rec = dict(rec, population=dict(rec["population"], digest=p.digest(data)))
    rec["seed"] = p.compute_seed(rec["task_code"], p.digest(data), rec["entropy"]).hex()
    return rec


def run(tmp_path, record, data, part_bytes=PART_BYTES, name="r"):
    rec_path, pop_path = tmp_path / f"{name}.json", tmp_path / f"{name}.csv"
    rec_path.write_bytes(p.record_json(record))
    pop_path.write_bytes(data)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONIOENCODING"] = "utf-8"
    env["VERIFY_DRAW_PART_BYTES"] = str(part_bytes or 10**12)  # None：一段，逐行顺序检查
    res = subprocess.run(
        [sys.executable, "-I", str(TOOL), str(rec_path), str(pop_path)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=120,
    )
    return res.returncode, res.stdout + res.stderr


def part_starts(tmp_path, data, part_bytes=PART_BYTES):
    """工具切分的各段起点（文件的行号），用来把错误放在段的交界处。"""
    path = tmp_path / "split.csv"
    path.write_bytes(data)
    cuts = tool.split_file(path, len(data), -(-len(data) // part_bytes))
    return [data.count(b"\n", 0, a) + 1 for a, _ in cuts]


def line_of(message):
    return int(re.search(r"第 (\d+) 行", message).group(1))


def test_many_parts_verify_like_one(tmp_path):
    data = population()
    rec = record_for(data)
    starts = part_starts(tmp_path, data)
    assert len(starts) > 20
    code, out = run(tmp_path, rec, data)
    assert code == 0, out
    assert (code, out) == run(tmp_path, rec, data, part_bytes=None, name="one")
    assert "入选 selected: 85" in out and "备选 reserves: 7" in out


@pytest.mark.parametrize("where", ["boundary", "inside", "last line"])
@pytest.mark.parametrize("kind", ["swap", "duplicate", "malformed"])
def test_population_errors_are_reported_at_the_right_line(tmp_path, where, kind):
    data = population()
    lines = data.split(b"\n")
    starts = part_starts(tmp_path, data)
    target = {"boundary": starts[7], "inside": starts[7] + 40, "last line": len(lines) - 1}[where]
    i = target - 1  # lines 的下标
    if kind == "swap":
        lines[i - 1], lines[i] = lines[i], lines[i - 1]
    elif kind == "duplicate":
        lines[i] = lines[i - 1]
    else:
        lines[i] = lines[i].replace(b",", b",,")
    bad = b"\n".join(lines)
    expected = line_of(_error(bad))
    assert expected == target
    rec = resealed(record_for(data), bad)
    code, out = run(tmp_path, rec, bad)
    assert code == 1, out
    assert f"line {target}" in out and out.startswith("核验失败 / INVALID")
    assert ("malformed" in out) == (kind == "malformed")
    assert run(tmp_path, rec, bad, part_bytes=None, name="one") == (code, out)
    assert f"第 {target} 行" in p.verify_record(rec, bad, processes=2, parallel_min=0)[0]


def _error(data):
    try:
        p.parse_population(data)
    except p.ProtocolError as exc:
        return str(exc)
    raise AssertionError("文件应当不合规")


def test_whole_file_problems_in_a_later_part_come_first(tmp_path):
    """逐行检查之前先查整个文件的编码：后面某段的 CR 先于前面某行的格式错误报告。"""
    data = population()
    lines = data.split(b"\n")
    lines[5] = lines[5] + b",X"
    lines[-30] = lines[-30] + b"\r"
    bad = b"\n".join(lines)
    rec = resealed(record_for(data), bad)
    code, out = run(tmp_path, rec, bad)
    assert code == 1 and "quote or a CR" in out, out
    assert run(tmp_path, rec, bad, part_bytes=None, name="one") == (code, out)
    lines[-30] = lines[-30][:-1] + b"\xff"
    bad = b"\n".join(lines)
    code, out = run(tmp_path, resealed(record_for(data), bad), bad, name="u")
    assert code == 1 and "not valid UTF-8" in out, out


def test_public_form_in_many_parts(tmp_path):
    data = population()
    public, public_pop = p.public_form(record_for(data), data)
    code, out = run(tmp_path, public, public_pop, part_bytes=1500)
    assert code == 0 and "public check" in out, out
    lines = public_pop.split(b"\n")
    lines[2000], lines[2001] = lines[2001], lines[2000]
    bad = b"\n".join(lines)
    public_bad = dict(public, public_population={"digest": p.digest(bad), "count": len(lines) - 2})
    code, out = run(tmp_path, public_bad, bad, part_bytes=1500, name="bad")
    assert code == 1 and "line 2002" in out, out
