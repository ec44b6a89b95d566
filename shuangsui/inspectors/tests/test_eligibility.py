"""资格规则逐条检验。"""

from shuangsui.inspectors.eligibility import eligible_lists, why_not

TARGET = {"uid": "91350503000000001X", "station": "35050301"}


def person(**kw):
    base = {
        "id": "P1",
        "name": "甲",
        "kind": "officer",
        "unit": "35050301",
        "department": "D01",
        "qualifications": ["企业公示", "食品安全"],
        "regions": [],
        "on_duty": True,
        "conflicts": [],
    }
    base.update(kw)
    return base


def test_a_qualified_officer_on_duty_in_region_is_eligible():
    assert why_not(person(), TARGET, ["企业公示"]) == ""


def test_each_rule_excludes_with_its_reason():
    cases = [
        (person(kind="auxiliary"), "辅助人员"),
        (person(kind="expert"), "辅助人员或专家"),
        (person(on_duty=False), "不在岗"),
        (person(qualifications=["企业公示"]), "缺少资质：特种设备"),
        (person(unit="35050302"), "不负责该区域"),
        (person(regions=["35050302"]), "不负责该区域"),
        (person(conflicts=[TARGET["uid"]]), "申报回避"),
    ]
    for p, reason in cases:
        required = ["企业公示", "特种设备"] if "特种设备" in reason else ["企业公示"]
        assert reason in why_not(p, TARGET, required), reason


def test_rotation_excludes_last_inspector():
    assert "轮换" in why_not(person(), TARGET, [], previous=["P1"])
    assert why_not(person(), TARGET, [], previous=["P2"]) == ""


def test_department_filter_for_joint_tasks():
    assert "不属于该部门" in why_not(person(), TARGET, [], department="D51")
    assert why_not(person(department="D51"), TARGET, [], department="D51") == ""


def test_neighbouring_regions_only_when_allowed():
    far = person(id="P2", unit="35050302")
    assert eligible_lists([TARGET], [far], [])[TARGET["uid"]] == []
    near = {"35050301": ["35050302"]}
    assert eligible_lists([TARGET], [far], [], neighbours=near)[TARGET["uid"]] == ["P2"]


def test_lists_are_sorted_and_per_target():
    pool = [person(id="P3"), person(id="P1"), person(id="P2", conflicts=["X"])]
    other = {"uid": "X", "station": "35050301"}
    lists = eligible_lists([TARGET, other], pool, ["企业公示"])
    assert lists == {TARGET["uid"]: ["P1", "P2", "P3"], "X": ["P1", "P3"]}
