"""管理命令 draw-file / verify-draw 的测试（不访问数据库）。"""

import json
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from shuangsui.draws import protocol as p

from ._cases import POPULATION, RECORD_BYTES, public_tampers, tampered, vector_record


def vector_args(tmp_path, *extra):
    rec = vector_record()
    pop = tmp_path / "population.csv"
    pop.write_bytes(POPULATION)
    eligible = tmp_path / "eligible.json"
    eligible.write_text(json.dumps(rec["inspectors"]["eligible"], ensure_ascii=False), "utf-8")
    return [
        "--population", str(pop),
        "--task-code", rec["task_code"],
        "--quota", "B=3",
        "--quota", "D=2",
        "--ratio", "C=0.2",
        "--reserve", "B=2",
        "--entropy", rec["entropy"][0],
        "--entropy", rec["entropy"][1],
        "--public", rec["entropy"][2],
        "--eligible", str(eligible),
        "--per-target", "2",
        "--out", str(tmp_path / "record.json"),
        *extra,
    ]  # fmt: skip


def run(name, *args):
    out = StringIO()
    call_command(name, *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_draw_file_reproduces_the_vector(tmp_path):
    out = run("draw-file", *vector_args(tmp_path, "--created-at", "2024-05-10T09:30:00+08:00"))
    assert "60 个候选中入选 7 个、备选 2 个" in out and "a82788e2d9d3b86a" in out
    assert (tmp_path / "record.json").read_bytes() == RECORD_BYTES + b"\n"


def test_draw_file_stamps_beijing_time(tmp_path):
    run("draw-file", *vector_args(tmp_path))
    rec = json.loads((tmp_path / "record.json").read_bytes())
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00", rec["created_at"])
    rec["created_at"] = vector_record()["created_at"]
    assert rec == vector_record()


def test_draw_file_with_recorded_commitments(tmp_path):
    rec = vector_record()
    given = [f"{c['label']}={c['commitment']}" for c in rec["commitments"]]
    args = vector_args(tmp_path, "--commitment", given[0], "--commitment", given[1])
    run("draw-file", *args)
    bad = given[0][:-1] + ("0" if given[0][-1] != "0" else "1")
    with pytest.raises(CommandError, match="承诺"):
        run("draw-file", *vector_args(tmp_path, "--commitment", bad))


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--quota", "A=x"], "应为整数"),
        (["--quota", "Q=1"], "不存在"),
        (["--quota", "A=21"], "超过"),
        (["--ratio", "A=abc"], "比例"),
        (["--entropy", "BAD LABEL=1"], "不合规"),
        (["--entropy", "noequals"], "标签=值"),
        (["--public", "operator=again"], "重复"),
        (["--commitment", "ghost=00"], "没有对应"),
        (["--quota", "B=3"], "两次"),
    ],
)
def test_draw_file_rejects_bad_input(tmp_path, extra, message):
    with pytest.raises(CommandError, match=message):
        run("draw-file", *vector_args(tmp_path, *extra))
    assert not (tmp_path / "record.json").exists()


def test_draw_file_needs_two_parties_and_a_valid_file(tmp_path):
    pop = tmp_path / "p.csv"
    pop.write_bytes(POPULATION)
    base = ["--population", str(pop), "--task-code", "T", "--out", str(tmp_path / "r.json")]
    with pytest.raises(CommandError, match="两方"):
        run("draw-file", *base, "--entropy", "operator=1")
    pop.write_bytes(POPULATION.replace(b"\n", b"\r\n"))
    with pytest.raises(CommandError, match="第 1 行"):
        run("draw-file", *base, "--entropy", "operator=1", "--entropy", "witness=2")
    with pytest.raises(CommandError, match="无法读取"):
        run("draw-file", *base[2:], "--population", str(tmp_path / "missing.csv"))


def test_draw_file_fills_zero_quotas_and_verifies(tmp_path):
    pop = tmp_path / "p.csv"
    pop.write_bytes(POPULATION)
    out = tmp_path / "r.json"
    run(
        "draw-file", "--population", str(pop), "--task-code", "T-1", "--ratio", "B=0.1",
        "--entropy", "operator=1", "--entropy", "witness=2", "--out", str(out),
    )  # fmt: skip
    rec = json.loads(out.read_bytes())
    assert rec["quotas"] == {"A": 0, "B": 3, "C": 0, "D": 0}
    assert rec["quota_rule"] == {"B": "0.1"} and "inspectors" not in rec
    assert "完整核验通过" in run("verify-draw", str(out), str(pop))


def test_verify_draw_accepts_and_rejects(tmp_path):
    pop = tmp_path / "p.csv"
    pop.write_bytes(POPULATION)
    good = tmp_path / "good.json"
    good.write_bytes(RECORD_BYTES)
    assert "完整核验通过：60 个候选，入选 7 个" in run("verify-draw", str(good), str(pop))
    bad = tmp_path / "bad.json"
    bad.write_bytes(p.record_json(tampered(vector_record(), lambda r: r.update(seed="0" * 64))))
    with pytest.raises(CommandError, match="核验不通过：seed 不符"):
        run("verify-draw", str(bad), str(pop))
    with pytest.raises(CommandError, match="无法读取"):
        run("verify-draw", str(tmp_path / "none.json"), str(pop))


def test_verify_draw_public_form(tmp_path):
    public, public_pop = p.public_form(vector_record(), POPULATION)
    rec, pop = tmp_path / "public.json", tmp_path / "public.csv"
    rec.write_bytes(p.record_json(public))
    pop.write_bytes(public_pop)
    assert "公开核验通过" in run("verify-draw", str(rec), str(pop))
    for _name, fn in public_tampers(p.candidate_key)[:3]:
        rec.write_bytes(p.record_json(tampered(public, fn)))
        with pytest.raises(CommandError, match="核验不通过"):
            run("verify-draw", str(rec), str(pop))


def test_verify_draw_exit_status(tmp_path):
    """从命令行运行时，不成立的记录以非零状态退出。"""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    pop = tmp_path / "p.csv"
    pop.write_bytes(POPULATION)
    rec = tmp_path / "r.json"
    rec.write_bytes(RECORD_BYTES)
    cmd = [sys.executable, str(root / "manage.py"), "verify-draw", str(rec), str(pop)]
    assert subprocess.run(cmd, cwd=root, capture_output=True).returncode == 0
    rec.write_bytes(RECORD_BYTES.replace(b'"count": 60', b'"count": 59'))
    res = subprocess.run(cmd, cwd=root, capture_output=True, text=True, encoding="utf-8")
    assert res.returncode != 0 and "population.count" in res.stderr
