"""tools/verify_draw.py（公民用的独立核验脚本）的测试：以子进程运行，与 protocol 互相印证。"""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shuangsui.draws import protocol as p

from ._cases import (
    FULL_TAMPERS,
    POPULATION,
    POPULATION_TAMPERS,
    public_tampers,
    tampered,
    vector_record,
)

TOOL = Path(__file__).resolve().parents[3] / "tools" / "verify_draw.py"
PUBLIC_TAMPERS = public_tampers(p.candidate_key)


def run_tool(tmp_path, record, population, name="record.json"):
    rec_path = tmp_path / name
    pop_path = tmp_path / (name + ".csv")
    rec_path.write_bytes(record if isinstance(record, bytes) else p.record_json(record))
    pop_path.write_bytes(population)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONIOENCODING"] = "utf-8"
    # -I：隔离模式，不加载本项目（证明脚本独立可用）
    res = subprocess.run(
        [sys.executable, "-I", str(TOOL), str(rec_path), str(pop_path)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    return res.returncode, res.stdout + res.stderr


def test_tool_is_standalone():
    tree = ast.parse(TOOL.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module.split(".")[0])
    assert imported <= set(sys.stdlib_module_names), imported - set(sys.stdlib_module_names)


def test_tool_accepts_the_vector(tmp_path):
    code, out = run_tool(
        tmp_path, (Path(__file__).parent / "vectors/record.json").read_bytes(), POPULATION
    )
    assert code == 0, out
    assert "核验通过 / VALID" in out and "a82788e2d9d3b86a" in out
    assert "入选 selected: 7" in out and "备选 reserves: 2" in out


def test_tool_accepts_the_public_form(tmp_path):
    public, public_pop = p.public_form(vector_record(), POPULATION)
    code, out = run_tool(tmp_path, public, public_pop)
    assert code == 0, out
    assert "public check" in out
    # 公开记录配两列文件、完整记录配一列文件，都不成立
    assert run_tool(tmp_path, public, POPULATION, "x.json")[0] == 1
    assert run_tool(tmp_path, vector_record(), public_pop, "y.json")[0] == 1


def test_tool_accepts_joint_and_plain_records(tmp_path):
    rec = vector_record()
    seed = p.compute_seed(rec["task_code"], p.digest(POPULATION), rec["entropy"][:2]).hex()
    selected, _ = p.select(POPULATION, seed, {"B": 5, "D": 1})
    uids = [e["uid"] for e in selected]
    made = p.make_record(
        rec["task_code"],
        POPULATION,
        {"B": 5, "D": 1},
        commitments=rec["commitments"],
        entropy=rec["entropy"][:2],  # 没有公开值
        created_at=rec["created_at"],
        inspectors=[
            {"department": "市场监管", "per_target": 2, "eligible": {uids[0]: ["S1", "S2", "S3"]}},
            {"department": "税务", "per_target": 1, "eligible": {u: ["T1", "T2"] for u in uids}},
        ],
    )
    assert "reserve_list" not in made and "quota_rule" not in made
    assert made["inspectors"][0]["assignments"][1]["flags"] == ["unmatched"]
    code, out = run_tool(tmp_path, made, POPULATION)
    assert code == 0, out
    assert "inspector sections: 2" in out
    bad = tampered(made, lambda r: r["inspectors"][1].update(cap=9))
    assert p.verify_record(bad, POPULATION)
    assert run_tool(tmp_path, bad, POPULATION, "bad.json")[0] == 1


@pytest.mark.parametrize("name, fn", FULL_TAMPERS, ids=[n for n, _ in FULL_TAMPERS])
def test_tool_and_protocol_catch_tampering(tmp_path, name, fn):
    bad = tampered(vector_record(), fn)
    assert p.verify_record(bad, POPULATION)
    code, out = run_tool(tmp_path, bad, POPULATION)
    assert code == 1, out
    assert out.startswith("核验失败 / INVALID")


@pytest.mark.parametrize("name, fn", POPULATION_TAMPERS, ids=[n for n, _ in POPULATION_TAMPERS])
def test_tool_and_protocol_catch_population_changes(tmp_path, name, fn):
    assert p.verify_record(vector_record(), fn(POPULATION))
    code, out = run_tool(tmp_path, vector_record(), fn(POPULATION))
    assert code == 1 and "digest" in out, out


@pytest.mark.parametrize("name, fn", PUBLIC_TAMPERS, ids=[n for n, _ in PUBLIC_TAMPERS])
def test_tool_and_protocol_catch_public_tampering(tmp_path, name, fn):
    public, public_pop = p.public_form(vector_record(), POPULATION)
    bad = tampered(public, fn)
    assert p.verify_public_record(bad, public_pop)
    code, out = run_tool(tmp_path, bad, public_pop)
    assert code == 1, out


def test_tool_reports_the_first_discrepancy(tmp_path):
    bad = tampered(vector_record(), dict(FULL_TAMPERS)["one key"])
    code, out = run_tool(tmp_path, bad, POPULATION)
    assert code == 1 and "selected[2].key" in out
    bad = tampered(vector_record(), dict(FULL_TAMPERS)["seed"])
    assert "种子不符 / seed mismatch" in run_tool(tmp_path, bad, POPULATION, "s.json")[1]
    broken = POPULATION.replace(b"12733376YKJ2QLDQ1C,A\n", b"12733376YKJ2QLDQ1C,A,X\n")
    rec = vector_record()
    rec["population"]["digest"] = p.digest(broken)
    rec["seed"] = p.compute_seed(rec["task_code"], p.digest(broken), rec["entropy"]).hex()
    assert "第 3 行" in p.verify_record(rec, broken)[0]
    code, out = run_tool(tmp_path, rec, broken, "f.json")
    assert code == 1 and "line 3" in out


def test_tool_usage_and_unreadable_input(tmp_path):
    res = subprocess.run([sys.executable, str(TOOL)], capture_output=True, text=True)
    assert res.returncode == 2 and "Usage" in res.stderr
    code, out = run_tool(tmp_path, b"{not json", POPULATION)
    assert code == 2
    code, out = run_tool(tmp_path, json.dumps([1]).encode(), POPULATION, "l.json")
    assert code == 1
    junk = vector_record()
    junk["selected"] = "x"
    assert run_tool(tmp_path, junk, POPULATION, "j.json")[0] == 1
