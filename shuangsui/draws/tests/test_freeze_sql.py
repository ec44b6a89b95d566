"""在数据库里冻结与抽取（PostgreSQL）与 python 参考路径逐字节相同。

同一个任务先走参考路径（build_population → population_csv → make_record）走完整个仪式，回滚，
再走数据库路径（SQL 的资格规则、COPY 写出名单、SQL 选出），比较名单文件、摘要、各层人数、配额、
排除名单（代码、原因、主体）、留痕、记录、公开记录与公开名单、抽中对象。记录里只有 created_at
（抽取时的钟点）可能相差一秒，比较前把两边换成同一个值。

只在 PostgreSQL 那一轮运行（DATABASE_URL=postgres://…）；SQLite 上只有参考路径。
"""

import datetime
import hashlib
import os
import re
import shutil
import tempfile
import unittest
from decimal import Decimal
from unittest import mock

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import override_settings

from shuangsui.catalog.models import InspectionItem
from shuangsui.core.models import AuditEvent, OrgUnit
from shuangsui.core.tests.base import make_inspector
from shuangsui.directory.models import Entity, ObjectLibrary, TargetObject
from shuangsui.draws import ceremony, signals
from shuangsui.draws import services as draws
from shuangsui.draws.choices import ExclusionCode, FileKind
from shuangsui.draws.models import Draw, Exclusion
from shuangsui.plans import services as plans
from shuangsui.plans.models import RegionRules
from shuangsui.plans.tests.helpers import SECRETS, PlansTestCase, full_ceremony, new_task

EVERYONE = {"A": 999, "B": 999, "C": 999, "D": 999, "U": 999}
# uid 里的中文、全角、4 字节字符、反斜杠、LIKE 通配符、引号、制表符、空格（都合协议）
ODD_UIDS = [
    "测试主体甲",
    "测试主体乙\\丙",
    "100%_off",
    "O'Brien & 子",
    "tab\there",
    "Ａ全角",
    "𠀀字",
    "é z",
    "ÿ",
    "zz",
    "\\.",
    "Z\\N",
]
CREATED = re.compile(rb'"created_at": "[^"]*"')


class _Undo(Exception):
    pass


def _entity(unit, uid, **fields):
    defaults = dict(
        name=f"主体{uid}",
        entity_type="enterprise",
        region_code=unit.county.code,
        industry_code="F51",
        status="active",
        credit_class="B",
        established=datetime.date(2020, 1, 1),
    )
    return Entity.objects.create(uid=uid, unit=unit, **(defaults | fields))


@unittest.skipUnless(
    connection.vendor == "postgresql",
    "在数据库里冻结与抽取只在 PostgreSQL 上；SQLite 那一轮只有参考路径（它就是被比较的一方）",
)
class FreezeInDatabaseTests(PlansTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        for n in (1, 2, 3):  # 比例上限 100% 的一般事项
            InspectionItem.objects.create(
                unit=cls.county,
                code=f"T-GEN{n}",
                name=f"测试一般事项{n}",
                kind="general",
                ratio_cap=Decimal("1"),
            )
        classes = "AABBBBBBBBBBBBCCCCCCCCDDDDDUU"
        statuses = ["active"] * 4 + ["cancelled", "revoked", "moved_out"]
        industries = ["F51", "F52", "C13", "H62", "I65"]
        tags = ["", ",food,", ",food,drugs,", ",special_equipment,"]
        n = 0
        for unit in (cls.station, cls.station2, cls.other_station):
            for i in range(90):
                n += 1
                _entity(
                    unit,
                    f"91350{n:06d}X{i % 7}",
                    credit_class=classes[i % len(classes)],
                    status=statuses[i % len(statuses)],
                    industry_code=industries[i % len(industries)],
                    key_tags=tags[i % len(tags)],
                    entity_type="individual" if i % 4 == 3 else "enterprise",
                )
        cls.odd = []  # 保存时 uid 按统一社会信用代码的规则规整（大写、去空白）
        for i, uid in enumerate(ODD_UIDS):
            entity = _entity(
                cls.station if i % 2 else cls.station2,
                uid,
                credit_class="BCDU"[i % 4],
                status="cancelled" if i == 3 else "active",
                key_tags=",food," if i % 3 == 0 else "",
            )
            entity.refresh_from_db()
            cls.odd.append(entity.uid)
        make_inspector(cls.station, "35050300002")
        make_inspector(cls.station2, "35050300003")
        # 本年度已完成的两次抽取：一部分 B 到了上限（1 次），一部分 C 到了上限（2 次）
        planner, witness, leader = (cls.users[u] for u in ("planner", "witness", "leader"))
        for code, counts in (("T-GEN1", {"B": 25, "C": 12}), ("T-GEN2", {"C": 12, "U": 1})):
            task = new_task(
                planner, cls.county, (code,), quota_mode="class_count", class_counts=counts
            )
            task = plans.approve_task(task, leader, allow_duplicates=True, duplicate_note="测试")
            full_ceremony(task, planner, witness)

    def setUp(self):
        self.planner, self.witness = self.user("planner"), self.user("witness")
        # 每个测试自己的文件目录：回滚掉的仪式留下的文件不影响下一个测试
        root = tempfile.mkdtemp(prefix="shuangsui-freeze-sql-")
        self.addCleanup(shutil.rmtree, root, ignore_errors=True)
        files = override_settings(DRAW_FILES_ROOT=root)
        files.enable()
        self.addCleanup(files.disable)

    def approved(self, codes=("T-GEN3",), **fields):
        task = new_task(self.planner, self.county, codes, **fields)
        return plans.approve_task(
            task, self.user("leader"), allow_duplicates=True, duplicate_note="测试"
        )

    # ---------------------------------------------------------------- 工具

    def ceremony(self, task, sql):
        """走完仪式（in_db=sql），返回可比较的一切。"""
        draw = draws.freeze(task, self.planner, in_db=sql)
        # 名单文件与摘要在任何熵之前就在：文件在盘上、摘要相符、写入了留痕
        frozen = AuditEvent.objects.get(action="draw.frozen", object_id=str(draw.pk))
        data = (ceremony.root() / draw.population_file).read_bytes()
        self.assertFalse(draw.parties.exists())
        self.assertEqual(hashlib.sha256(data).hexdigest(), draw.population_digest)
        self.assertEqual(frozen.after["population_digest"], draw.population_digest)
        self.assertEqual(frozen.after["count"], data.count(b"\n") - 1)
        for user in (self.planner, self.witness):
            draws.commit(draw, user, value=SECRETS[user.username])
        for user in (self.planner, self.witness):
            draws.reveal(draw, user, SECRETS[user.username])
        draws.add_public_value(draw, self.planner, "lottery", "07 12 19 23")
        done = draws.run(draw, self.planner, in_db=sql)
        files = {kind: draws.read_file(done, kind) for kind in FileKind}
        for kind in (FileKind.RECORD, FileKind.PUBLIC_RECORD):
            self.assertEqual(len(CREATED.findall(files[kind])), 1)
            files[kind] = CREATED.sub(b'"created_at": "-"', files[kind])
        fields = (
            "population_digest",
            "population_count",
            "strata",
            "quotas",
            "quota_rule",
            "reserves",
            "quota_notes",
            "excluded_count",
            "seed",
            "selected_count",
            "reserve_count",
        )
        self.assertEqual(draws.verify_stored(done), [])
        return {
            "files": files,
            "draw": {f: getattr(done, f) for f in fields},
            "frozen": frozen.after,
            "exclusions": sorted(
                done.exclusions.values_list(
                    "uid", "stratum", "code", "reason", "entity_id", "target_object_id"
                )
            ),
            "targets": sorted(
                done.targets.values_list(
                    "role", "rank", "uid", "stratum", "key", "entity_id", "target_object_id"
                )
            ),
        }

    def both(self, task):
        """同一任务先走参考路径、回滚，再走数据库路径；返回 (参考, 数据库)。"""
        out = {}
        for sql in (False, True):
            try:
                with transaction.atomic():
                    out[sql] = self.ceremony(task, sql)
                    raise _Undo
            except _Undo:
                pass
        return out[False], out[True]

    def assertSame(self, python, sql):
        for key in ("draw", "frozen", "exclusions", "targets"):
            self.assertEqual(python[key], sql[key], key)
        for kind, data in python["files"].items():
            self.assertEqual(data, sql["files"][kind], kind)

    def codes(self, result):
        return {code for _, _, code, *_ in result["exclusions"]}

    # ---------------------------------------------------------------- 逐字节相同

    def test_credit_strata_with_reserves_caps_and_odd_uids(self):
        task = self.approved(
            class_ratios={"B": "0.3", "C": "0.5", "D": "0.5", "U": "1"},
            reserves={"B": 3, "C": 2, "D": 1},
            match_inspectors=True,
        )
        python, sql = self.both(task)
        self.assertSame(python, sql)
        # 数据集确实覆盖了各种情形
        self.assertEqual(
            self.codes(python),
            {ExclusionCode.STATUS, ExclusionCode.A_UNDISTURBED, ExclusionCode.FREQUENCY},
        )
        reasons = {r for *_, r, _, _ in python["exclusions"]}
        self.assertTrue({"B类本年度已检查1次", "C类本年度已检查2次", "状态：注销"} <= reasons)
        population = python["files"][FileKind.POPULATION].decode()
        excluded = {uid: reason for uid, _, _, reason, *_ in python["exclusions"]}
        self.assertEqual(excluded[self.odd[3]], "状态：注销")
        listed = [uid for uid in self.odd if f"\n{uid}," in population]
        self.assertEqual(len(listed) + sum(uid in excluded for uid in self.odd), len(self.odd))
        self.assertGreaterEqual(len(listed), 8)  # 其余的被频次上限排除
        self.assertTrue(any(not uid.isascii() for uid in self.odd[:1] + self.odd[5:7]))
        # 他县的主体（B 类、存续）既不在名单里，也不在排除名单里
        self.assertNotIn("91350000183X2", population)
        self.assertNotIn("91350000183X2", {uid for uid, *_ in python["exclusions"]})
        self.assertIn("\n91350000003X2,B\n", population)
        self.assertEqual(set(python["draw"]["strata"]), {"B", "C", "D", "U"})
        self.assertTrue(python["draw"]["reserve_count"])
        self.assertTrue(any(t[0] == "reserve" for t in python["targets"]))

    def test_include_a_unstratified_statuses_industries_and_types(self):
        task = self.approved(
            include_a=True,
            stratify="none",
            quota_mode="ratio",
            ratio="0.2",
            statuses=["active", "revoked"],
            industries=["F", "H6"],
            entity_types=["enterprise"],
            reserves={"ALL": 4},
            match_inspectors=False,
        )
        python, sql = self.both(task)
        self.assertSame(python, sql)
        self.assertEqual(python["draw"]["strata"].keys(), {"ALL"})
        self.assertNotIn(ExclusionCode.A_UNDISTURBED, self.codes(python))
        reasons = {r for *_, r, _, _ in python["exclusions"]}
        self.assertIn("状态：迁出", reasons)
        self.assertNotIn("状态：吊销", reasons)

    def test_key_domain_regions_and_regional_rules(self):
        # 本县不执行 A 类无事不扰；重点领域每年至多 1 次；未分类上限 0 次（空值即不限）
        RegionRules.objects.create(unit=self.county, a_undisturbed=False, cap_key=1, cap_b=None)
        task = self.approved(
            codes=("FJSC-011",),
            key_tags=["food"],
            regions=[OrgUnit.objects.get(code="35050302")],
            quota_mode="class_count",
            class_counts=EVERYONE,
            reserves={"B": 1},
        )
        python, sql = self.both(task)
        self.assertSame(python, sql)
        reasons = {r for *_, r, _, _ in python["exclusions"]}
        self.assertIn("重点领域本年度已检查1次", reasons)
        self.assertIn("A", python["draw"]["strata"])
        # 只有所 2 的、带 food 标签的主体
        population = python["files"][FileKind.POPULATION].decode().splitlines()[1:]
        uids = [line.rsplit(",", 1)[0] for line in population]
        units = dict(Entity.objects.filter(uid__in=uids).values_list("uid", "unit__code"))
        self.assertEqual(set(units.values()), {"35050302"})
        self.assertEqual(len(units), len(uids))

    def test_frequency_cap_zero_and_no_cap(self):
        RegionRules.objects.create(unit=self.county, cap_u=0, cap_c=None)
        task = self.approved(quota_mode="class_count", class_counts=EVERYONE)
        python, sql = self.both(task)
        self.assertSame(python, sql)
        reasons = {r for *_, r, _, _ in python["exclusions"]}
        self.assertIn("未分类本年度已检查0次", reasons)
        self.assertFalse(any(r.startswith("C类") for r in reasons))

    def test_object_library(self):
        library = ObjectLibrary.objects.create(
            unit=self.county, code="PROD", name="工业产品库", kind="product"
        )
        for n, code in enumerate(["P001", "产品-2", "a\\b", "P 9", "Ｐ10", "P005", "z%_"]):
            TargetObject.objects.create(library=library, code=code, name=f"产品{n}", active=n != 5)
        task = self.approved(
            codes=("FJSC-031",), target_kind="library", library=library, reserves={"ALL": 1},
            quota_mode="ratio", ratio="0.5",
        )  # fmt: skip
        python, sql = self.both(task)
        self.assertSame(python, sql)
        self.assertEqual(python["draw"]["strata"], {"ALL": 6})
        self.assertEqual([e[3] for e in python["exclusions"]], ["对象已失效"])

    def test_chunk_boundaries_inside_lines(self):
        """块很小时（每块只有几行、块边界落在行中间）文件与记录照样相同。"""
        task = self.approved(class_ratios={"B": "0.5", "C": "0.5"}, reserves={"B": 2})
        python, _ = self.both(task)
        with mock.patch.object(draws, "STREAM_CHUNK", 37):
            try:
                with transaction.atomic():
                    small = self.ceremony(task, True)
                    raise _Undo
            except _Undo:
                pass
        self.assertSame(python, small)

    # ---------------------------------------------------------------- 失败时什么也不留下

    def test_failure_mid_freeze_leaves_no_draw_and_no_file(self):
        task = self.approved(class_ratios={"B": "0.5"}, match_inspectors=True)
        seen = []

        def explode(sender, task, uids, **kwargs):
            # 名单文件此时已写出、摘要已算出、抽取行已插入
            files = [p for p in ceremony.root().rglob("*") if p.is_file()]
            sha = [hashlib.sha256(p.read_bytes()).hexdigest() for p in files]
            seen.append(
                ([p.name for p in files], sha, Draw.objects.get(task=task).population_digest)
            )
            seen.append(sum(1 for _ in uids))
            raise RuntimeError("模拟冻结中途的故障")

        signals.pool_freezing.connect(explode, dispatch_uid="test.explode")
        try:
            with self.assertRaises(RuntimeError):
                draws.freeze(task, self.planner, in_db=True)
        finally:
            signals.pool_freezing.disconnect(dispatch_uid="test.explode")
        (names, sha, digest), count = seen
        self.assertEqual(names, ["population.csv"])
        self.assertEqual(sha, [digest])
        self.assertGreater(count, 0)
        # 文件删掉了，也没有留下临时文件
        self.assertEqual([p for p in ceremony.root().rglob("*") if p.is_file()], [])
        self.assertFalse(Draw.objects.filter(task=task).exists())
        self.assertFalse(Exclusion.objects.filter(draw__task=task).exists())
        # 之后照常冻结
        self.assertEqual(draws.freeze(task, self.planner, in_db=True).number, 1)

    def test_tampered_population_file_stops_the_draw(self):
        task = self.approved(class_ratios={"B": "0.5"})
        draw = draws.freeze(task, self.planner, in_db=True)
        for user in (self.planner, self.witness):
            draws.commit(draw, user, value=SECRETS[user.username])
        for user in (self.planner, self.witness):
            draws.reveal(draw, user, SECRETS[user.username])
        path = ceremony.root() / draw.population_file
        data = path.read_bytes()
        os.chmod(path, 0o644)
        lines = data.splitlines(keepends=True)
        for tampered in (
            b"".join(lines[:2] + lines[3:]),  # 删去一行：仍是合规的文件
            data.replace(b",B\n", b',"B"\n', 1),  # 引号：COPY 照样读成 B，摘要不符
            data.replace(b",B\n", b",B,X\n", 1),  # 三列：COPY 读入时就出错
            data[:-1],
        ):
            path.write_bytes(tampered)
            with self.assertRaisesMessage(ValidationError, "与登记的摘要不符：文件被改动"):
                draws.run(draw, self.planner, in_db=True)
            self.assertEqual(
                sorted(os.listdir(path.parent)), ["inspector-pool.json", "population.csv"]
            )
        path.unlink()
        with self.assertRaisesMessage(ValidationError, "文件缺失"):
            draws.run(draw, self.planner, in_db=True)
        path.write_bytes(data)
        done = draws.run(draw, self.planner, in_db=True)
        self.assertEqual(draws.verify_stored(done), [])

    def refusals(self, task):
        """两条路径各冻结一次，都须拒绝；返回各自的错误信息。之后不留抽取行、不留文件。"""
        messages = []
        for sql in (False, True):
            with self.assertRaises(ValidationError) as caught:
                draws.freeze(task, self.planner, in_db=sql)
            messages.append(caught.exception.messages)
        self.assertFalse(Draw.objects.filter(task=task).exists())
        self.assertEqual([p for p in ceremony.root().rglob("*") if p.is_file()], [])
        return messages

    def test_uid_the_protocol_forbids_gives_the_reference_error(self):
        _entity(self.station, "BAD,UID", credit_class="C")
        task = self.approved(class_ratios={"C": "0.5"})
        python, sql = self.refusals(task)
        self.assertEqual(python, sql)
        self.assertIn("含有不允许的字符 ,", python[0])
        # 空的 uid 也一样（COPY 的 CSV 给空串加引号，数据库路径据此发现）
        Entity.objects.filter(uid="BAD,UID").update(uid="")
        python, sql = self.refusals(task)
        self.assertEqual(python, sql)
        self.assertIn("uid 为空", python[0])

    def test_empty_scope_and_zero_quota(self):
        task = self.approved(class_ratios={"B": "0.5"}, industries=["Q"])
        self.assertEqual(self.refusals(task), [["抽取范围内没有符合条件的对象"]] * 2)
        task = self.approved(quota_mode="class_count", class_counts={"A": 5})  # A 全被排除
        python, sql = self.refusals(task)
        self.assertEqual(python, sql)
        self.assertIn("本次抽取 0 户", python[0])


class InDatabaseFlagTests(PlansTestCase):
    def test_default_follows_the_database(self):
        self.assertEqual(draws.in_database(), connection.vendor == "postgresql")
        self.assertFalse(draws.in_database(False))
        if connection.vendor != "postgresql":
            with self.assertRaisesMessage(ValidationError, "PostgreSQL 数据库"):
                draws.in_database(True)
