"""按所建索引的 eligible_lists 与逐人逐条的 why_not 结果相同；旧格式（人员列表）的快照仍可读。"""

import hashlib
import json
import random
import tempfile
from pathlib import Path
from types import SimpleNamespace

from django.test import SimpleTestCase, override_settings

from shuangsui.draws import services as draws
from shuangsui.inspectors.eligibility import eligible_lists, why_not

STATIONS = [f"350503{i:02d}" for i in range(1, 6)]
TAGS = ["食品安全", "企业公示", "特种设备", "计量"]


def naive(targets, pool, required, *, department="", neighbours=None, previous=None):
    neighbours, previous = neighbours or {}, previous or {}
    return {
        t["uid"]: sorted(
            p["id"]
            for p in pool
            if not why_not(
                p,
                t,
                required,
                department=department,
                neighbours=neighbours.get(t["station"], ()),
                previous=previous.get(t["uid"], ()),
            )
        )
        for t in targets
    }


def random_case(rng):
    uids = [f"U{n:04d}" for n in range(60)]
    pool = []
    for n in range(40):
        regions = rng.sample(STATIONS, rng.choice([0, 0, 1, 2]))
        pool.append(
            {
                "id": f"P{n:03d}",
                "name": "",
                "kind": rng.choice(["officer"] * 6 + ["auxiliary", "expert"]),
                "unit": rng.choice(STATIONS + ["350503D51"]),
                "department": rng.choice(["350503D02", "350503D51", ""]),
                "qualifications": sorted(rng.sample(TAGS, rng.randint(0, 3))),
                "regions": sorted(regions),
                "on_duty": rng.random() > 0.15,
                "conflicts": sorted(rng.sample(uids, rng.choice([0, 0, 1, 3]))),
            }
        )
    targets = [{"uid": u, "station": rng.choice(STATIONS + [""])} for u in uids]
    previous = {u: rng.sample([p["id"] for p in pool], 2) for u in rng.sample(uids, 20)}
    neighbours = (
        {s: [c for c in STATIONS if c != s] for s in STATIONS} if rng.random() < 0.5 else {}
    )
    return targets, pool, previous, neighbours


class IndexTests(SimpleTestCase):
    def test_same_lists_as_the_rule_by_rule_check(self):
        rng = random.Random(20260301)
        for _ in range(60):
            targets, pool, previous, neighbours = random_case(rng)
            required = rng.sample(TAGS, rng.randint(0, 2))
            department = rng.choice(["", "350503D02"])
            kwargs = dict(department=department, neighbours=neighbours, previous=previous)
            self.assertEqual(
                eligible_lists(targets, pool, required, **kwargs),
                naive(targets, pool, required, **kwargs),
            )

    def test_old_list_format_pool_file_is_still_read(self):
        people = [{"id": "P1", "name": "甲"}]
        data = (json.dumps(people, ensure_ascii=False) + "\n").encode()
        with tempfile.TemporaryDirectory() as root, override_settings(DRAW_FILES_ROOT=root):
            Path(root, "pool.json").write_bytes(data)
            files = ("population", "record", "public_record", "public_population")
            draw = SimpleNamespace(
                pool_file="pool.json",
                pool_sha256=hashlib.sha256(data).hexdigest(),
                population_digest="",
                **{f"{name}_file": "" for name in files},
                **{f"{name}_sha256": "" for name in files[1:]},
            )
            self.assertEqual(
                draws.read_pool(draw), {"inspectors": people, "previous": {}, "neighbours": {}}
            )
