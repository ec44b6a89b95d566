"""再检查抽样：户数（比例与最少户数）、每所一层、仪式与 tools/verify_draw.py、频次不受影响、
交叉检查的回避、复查结果与“有问题未发现”统计、辖区、页面与命令。"""

import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase, override_settings
from django.urls import reverse

from shuangsui.core.models import AuditEvent
from shuangsui.demo import data as demo
from shuangsui.draws import ceremony
from shuangsui.draws import services as draws
from shuangsui.draws.models import Draw, DrawnTarget
from shuangsui.inspections.choices import InspectionStatus
from shuangsui.inspections.models import Inspection
from shuangsui.inspections.tests.helpers import CON, T1, MatchingTestCase, S
from shuangsui.plans.tests.helpers import SECRETS
from shuangsui.rechecks import services as rechecks
from shuangsui.rechecks.choices import Outcome
from shuangsui.rechecks.models import RecheckItem, RecheckSample

TOOL = Path(__file__).resolve().parents[3] / "tools" / "verify_draw.py"


def test_it_sizes_each_station_by_ratio_and_tops_up_to_the_minimum():
    # 每所 ceil(N × 0.05)：6 户与 4 户各 1 户，合计 2 < 5，按余量从多到少补足到 3 + 2
    assert rechecks.sample_quotas({"S1": 6, "S2": 4}, "0.05", 5) == ({"S1": 3, "S2": 2}, {})
    # 比例已够：200 × 0.05 = 10，100 × 0.05 = 5，比例留在记录里
    assert rechecks.sample_quotas({"S1": 200, "S2": 100}, "0.05", 5) == (
        {"S1": 10, "S2": 5},
        {"S1": "0.05", "S2": "0.05"},
    )
    # 只有补过的所不带比例
    assert rechecks.sample_quotas({"S1": 60, "S2": 3}, "0.05", 5) == (
        {"S1": 4, "S2": 1},
        {"S2": "0.05"},
    )
    # 已检查户数少于最少户数：全部抽取
    assert rechecks.sample_quotas({"S1": 2, "S2": 1}, "0.05", 5)[0] == {"S1": 2, "S2": 1}


class RecheckTestCase(MatchingTestCase):
    """东海所 6 户、城东所 4 户全部抽中（比例 1）并检查完毕。"""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        Inspection.objects.filter(draw=cls.draw).update(status=InspectionStatus.COMPLETED)

    def ceremony(self, **options):
        planner, witness = self.user("planner"), self.user("witness")
        sample = rechecks.freeze(planner, self.county, 2026, **options)
        rechecks.commit(sample, planner, value=SECRETS["planner"])
        rechecks.commit(sample, witness, value=SECRETS["witness"])
        rechecks.reveal(sample, planner, SECRETS["planner"])
        rechecks.reveal(sample, witness, SECRETS["witness"])
        return rechecks.run(sample, planner)


class SampleTests(RecheckTestCase):
    def test_it_draws_per_station_and_verify_draw_accepts_the_record(self):
        sample = self.ceremony()
        self.assertEqual(sample.strata, {"35050301": 6, "35050302": 4})
        self.assertEqual(sample.quotas, {"35050301": 3, "35050302": 2})  # 最少 5 户
        items = list(sample.items.select_related("inspection"))
        self.assertEqual(len(items), 5)
        self.assertEqual(sorted(i.stratum for i in items).count("35050301"), 3)
        for i in items:
            self.assertEqual(i.uid, f"{self.draw.task.code}:{i.inspection.uid}")
            self.assertEqual(i.stratum, i.inspection.station.code)
        population = ceremony.root() / sample.population_file
        record = ceremony.root() / sample.record_file
        res = subprocess.run(
            [sys.executable, "-I", str(TOOL), str(record), str(population)],
            capture_output=True,
            text=True,
        )
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
        self.assertEqual(json.loads(record.read_bytes())["task_code"], sample.code)
        # 名单摘要在任何熵之前写入留痕；每一步一条事件
        actions = list(
            AuditEvent.objects.filter(object_type="rechecks.rechecksample")
            .order_by("id")
            .values_list("action", flat=True)
        )
        self.assertEqual(
            actions,
            ["recheck.frozen"]
            + ["recheck.committed"] * 2
            + ["recheck.revealed"] * 2
            + ["recheck.completed"],
        )
        frozen = AuditEvent.objects.get(action="recheck.frozen")
        self.assertEqual(frozen.after["population_digest"], sample.population_digest)
        self.assertEqual(rechecks.verify_stored(sample), [])
        # 改动文件后核验不通过
        record.chmod(0o644)
        record.write_bytes(record.read_bytes().replace(b'"rank": 1', b'"rank": 9'))
        self.assertIn("被改动", rechecks.verify_stored(sample)[0])

    def test_only_completed_inspections_enter_the_population(self):
        Inspection.objects.filter(draw=self.draw, rank__gt=8).update(
            status=InspectionStatus.IN_PROGRESS
        )
        sample = rechecks.freeze(self.user("planner"), self.county, 2026)
        self.assertEqual(sample.population_count, 8)
        with self.assertRaisesMessage(ValidationError, "没有已检查完毕"):
            rechecks.freeze(self.user("planner"), self.county, 2025)

    def test_a_recheck_sample_never_counts_toward_frequency_caps(self):
        task = self.new_task()
        before_history = draws.selection_history(task)
        before = draws.build_population(task, self.user("planner"))
        draws_before = (Draw.objects.count(), DrawnTarget.objects.count())
        self.ceremony()
        self.assertEqual(draws.selection_history(task), before_history)
        after = draws.build_population(task, self.user("planner"))
        self.assertEqual(after.rows(), before.rows())
        self.assertEqual(
            [(e.uid, e.reason) for e in after.excluded],
            [(e.uid, e.reason) for e in before.excluded],
        )
        self.assertEqual((Draw.objects.count(), DrawnTarget.objects.count()), draws_before)

    def test_the_witness_must_commit_before_anyone_reveals(self):
        sample = rechecks.freeze(self.user("planner"), self.county, 2026)
        rechecks.commit(sample, self.user("planner"), value=SECRETS["planner"])
        with self.assertRaisesMessage(ValidationError, "监督见证方"):
            rechecks.reveal(sample, self.user("planner"), SECRETS["planner"])
        with self.assertRaises(PermissionDenied):
            rechecks.freeze(self.user("witness"), self.county, 2026)


class CrossCheckTests(RecheckTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.sample = cls.ceremony(cls, cross_check=True)
        cls.here_item = cls.sample.items.filter(stratum="35050301").order_by("rank").first()

    def ceremony(self, **options):  # 在 setUpTestData 里以类调用
        planner, witness = self.users["planner"], self.users["witness"]
        sample = rechecks.freeze(planner, self.county, 2026, **options)
        rechecks.commit(sample, planner, value=SECRETS["planner"])
        rechecks.commit(sample, witness, value=SECRETS["witness"])
        rechecks.reveal(sample, planner, SECRETS["planner"])
        rechecks.reveal(sample, witness, SECRETS["witness"])
        return rechecks.run(sample, planner)

    def original(self, item):
        return {a.inspector.badge_no for a in item.inspection.assignments.filter(active=True)}

    def test_it_refuses_the_original_inspectors_and_the_same_station(self):
        item = self.here_item
        planner = self.user("planner")
        took_part = self.people[sorted(self.original(item))[0]]
        with self.assertRaisesMessage(ValidationError, "参加了原检查"):
            rechecks.assign(item, planner, [took_part])
        colleague = next(self.people[b] for b in S + [CON] if b not in self.original(item))
        with self.assertRaisesMessage(ValidationError, "以外的人员复查"):
            rechecks.assign(item, planner, [colleague])
        eligible = set(rechecks.eligible_checkers(item).values_list("badge_no", flat=True))
        self.assertEqual(eligible & (set(S) | {CON}), set())
        self.assertIn(T1, eligible)
        rechecks.assign(item, planner, [self.people[T1]])
        self.assertEqual(list(item.checkers.values_list("inspector__badge_no", flat=True)), [T1])
        self.assertFalse(
            AuditEvent.objects.filter(action="recheck.assigned").exclude(object_id=item.pk).exists()
        )

    def test_outside_a_cross_check_a_colleague_may_recheck_but_not_a_participant(self):
        planner = self.user("planner")
        sample = rechecks.freeze(planner, self.county, 2026)
        self.assertFalse(sample.cross_check)
        item = self.here_item
        item.sample = sample  # 同一户，非交叉检查的规则
        colleague = next(self.people[b] for b in S if b not in self.original(item))
        self.assertEqual(rechecks.checker_problem(item, colleague), "")
        took_part = self.people[sorted(self.original(item))[0]]
        self.assertIn("参加了原检查", rechecks.checker_problem(item, took_part))

    def test_outcomes_feed_the_missed_counts_per_inspector_and_station(self):
        planner = self.user("planner")
        item = self.here_item
        with self.assertRaisesMessage(ValidationError, "请先指派"):
            rechecks.record_outcome(item, planner, Outcome.CONSISTENT)
        rechecks.assign(item, planner, [self.people[T1]])
        with self.assertRaisesMessage(ValidationError, "写明未发现的问题"):
            rechecks.record_outcome(item, planner, Outcome.MISSED, missed=" ")
        rechecks.record_outcome(
            item,
            planner,
            Outcome.MISSED,
            missed="未核查食品经营许可证有效期",
            correction_needed=True,
        )
        with self.assertRaisesMessage(ValidationError, "已录入"):
            rechecks.record_outcome(item, planner, Outcome.CONSISTENT)
        stations = rechecks.missed_by_station(2026, self.county.path)
        self.assertEqual(
            stations,
            [
                {
                    "station": self.station.name,
                    "code": "35050301",
                    "rechecked": 1,
                    "missed": 1,
                    "corrections": 1,
                }
            ],
        )
        people = rechecks.missed_by_inspector(2026, self.county.path)
        self.assertEqual({r["badge_no"] for r in people}, self.original(item))
        self.assertTrue(all(r["missed"] == 1 and r["rechecked"] == 1 for r in people))
        # 所的辖区只见本所；他所为空
        self.assertEqual(rechecks.missed_by_station(2026, self.station2.path), [])
        self.assertEqual(rechecks.missed_by_inspector(2025, self.county.path), [])

    def test_the_rechecker_records_his_own_outcome_from_the_page(self):
        item = self.here_item
        rechecks.assign(item, self.user("planner"), [self.people[T1]])
        t1_user = self.people[T1]
        t1_user.user = self.user("inspector")  # 城东所的检查人员账号
        t1_user.save()
        self.login("inspector")
        url = reverse("recheck-item", args=[item.pk])
        page = self.client.get(url)
        self.assertContains(page, 'id="outcome-form"')
        self.assertContains(self.client.get(reverse("recheck-list")), item.sample.code)
        response = self.client.post(url, {"action": "record", "outcome": "missed", "missed": ""})
        self.assertContains(response, "写明未发现的问题")
        response = self.client.post(url, {"action": "record", "outcome": "consistent"})
        self.assertRedirects(response, url)
        item.refresh_from_db()
        self.assertEqual(item.outcome, Outcome.CONSISTENT)
        self.assertEqual(item.recorded_by, self.user("inspector"))
        # 不是本户的再检查人员：不能录入另一户
        other = self.sample.items.exclude(pk=item.pk).first()
        self.assertEqual(self.client.get(reverse("recheck-item", args=[other.pk])).status_code, 200)
        response = self.client.post(
            reverse("recheck-item", args=[other.pk]), {"action": "record", "outcome": "consistent"}
        )
        self.assertEqual(response.status_code, 403)


class AccessTests(RecheckTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.sample = CrossCheckTests.ceremony(cls)
        cls.item = cls.sample.items.first()

    def test_another_county_never_gets_2xx(self):
        urls = [
            reverse("recheck-detail", args=[self.sample.pk]),
            reverse("recheck-item", args=[self.item.pk]),
            reverse("recheck-file", args=[self.sample.pk, "record"]),
            reverse("recheck-file", args=[self.sample.pk, "population"]),
        ]
        for name in ("planner_350502", "witness_350502", "admin_350502", "joint", "inspector"):
            self.login(name)
            for url in urls:
                response = self.client.get(url)
                self.assertEqual(response.status_code, 403, (name, url))
            self.assertNotContains(self.client.get(reverse("recheck-list")), self.sample.code)
        self.login("planner_350502")
        for step in ("commit", "reveal", "public-value", "run"):
            url = reverse("recheck-detail", args=[self.sample.pk]) + f"{step}/"
            self.assertEqual(self.client.post(url, {"value": "x" * 10}).status_code, 403)
        with self.assertRaises(PermissionDenied):
            rechecks.freeze(self.user("planner_350502"), self.county, 2026)

    def test_pages_for_the_roles_that_fit(self):
        self.login("planner")
        self.assertContains(self.client.get(reverse("recheck-list")), self.sample.code)
        self.assertContains(self.client.get(reverse("recheck-new")), 'id="sample-form"')
        detail = self.client.get(reverse("recheck-detail", args=[self.sample.pk]))
        self.assertContains(detail, 'id="item-table"')
        record = self.client.get(reverse("recheck-file", args=[self.sample.pk, "record"]))
        self.assertEqual(json.loads(b"".join(record))["seed"], self.sample.seed)
        self.assertContains(
            self.client.get(reverse("recheck-item", args=[self.item.pk])), 'id="assign-form"'
        )
        self.login("witness")
        self.assertEqual(self.client.get(reverse("recheck-new")).status_code, 403)
        self.assertNotContains(
            self.client.get(reverse("recheck-item", args=[self.item.pk])), 'id="assign-form"'
        )

    def test_the_ceremony_from_the_pages(self):
        self.login("planner")
        response = self.client.post(
            reverse("recheck-new"), {"unit": self.county.pk, "year": 2026, "cross_check": "on"}
        )
        sample = rechecks.samples_for(self.user("planner")).exclude(pk=self.sample.pk).get()
        detail = reverse("recheck-detail", args=[sample.pk])
        self.assertRedirects(response, detail)
        for name in ("planner", "witness"):
            self.login(name)
            post = {"label": rechecks.next_label(sample, self.user(name)), "value": SECRETS[name]}
            self.client.post(reverse("recheck-commit", args=[sample.pk]), post)
        for name in ("planner", "witness"):
            self.login(name)
            self.client.post(reverse("recheck-reveal", args=[sample.pk]), {"value": SECRETS[name]})
        self.login("planner")
        self.client.post(reverse("recheck-run", args=[sample.pk]))
        sample.refresh_from_db()
        self.assertTrue(sample.is_completed)
        self.assertEqual(RecheckItem.objects.filter(sample=sample).count(), 5)
        self.assertContains(self.client.get(detail), "抽中的检查（5 户")


class CommandTests(RecheckTestCase):
    def call(self, *args):
        out = io.StringIO()
        call_command("recheck", *args, stdout=out)
        return out.getvalue()

    def test_the_cli_mirrors_the_draw_command(self):
        out = self.call("freeze", "350503", "--year", "2026", "--cross", "--user", "planner")
        code = out.split("：")[1].split("，")[0]
        self.call("commit", code, "--user", "planner", "--value", SECRETS["planner"])
        self.call("commit", code, "--user", "witness", "--value", SECRETS["witness"])
        self.call("reveal", code, "--user", "planner", "--value", SECRETS["planner"])
        self.call("reveal", code, "--user", "witness", "--value", SECRETS["witness"])
        self.assertIn("抽中 5 户", self.call("run", code, "--user", "planner"))
        self.assertIn("核验通过", self.call("verify", code, "--user", "planner"))
        item = RecheckItem.objects.get(sample__code=code, rank=1)
        badge = T1 if item.stratum == "35050301" else S[0]
        self.call("assign", code, "--rank", "1", "--inspectors", badge, "--user", "planner")
        out = self.call(
            "record",
            code,
            "--rank",
            "1",
            "--outcome",
            "missed",
            "--missed",
            "漏查",
            "--user",
            "planner",
        )
        self.assertIn("有问题未发现", out)
        self.assertIn("第 1 名", self.call("status", code, "--user", "witness"))
        with self.assertRaisesMessage(CommandError, "不在您的辖区内"):
            self.call("status", code, "--user", "planner_350502")


class DemoTests(TestCase):
    def test_the_demo_shows_a_completed_sample_with_a_missed_problem_and_one_in_ceremony(self):
        with tempfile.TemporaryDirectory() as root, override_settings(DRAW_FILES_ROOT=root):
            demo.load(entities=2000, inspectors=60, checks=True)  # 与 make demo 相同
            done = RecheckSample.objects.get(status="completed")
            self.assertEqual(rechecks.verify_stored(done), [])
        self.assertTrue(done.cross_check)
        self.assertTrue(done.items.filter(outcome="missed", correction_needed=True).exists())
        self.assertTrue(done.items.filter(outcome="consistent").exists())
        for item in done.items.exclude(outcome="pending"):
            stations = set(item.checkers.values_list("inspector__unit_id", flat=True))
            self.assertNotIn(item.station_id, stations)
        pending = RecheckSample.objects.get(status="frozen")
        self.assertEqual(rechecks.ceremony.missing_parties(pending), ["监督见证方"])
        county = done.unit
        # 抽样含哪些所随熵而变：按所合计，恰有一户有问题未发现
        by_station = rechecks.missed_by_station(done.year, county.path)
        self.assertEqual(sum(row["missed"] for row in by_station), 1)
