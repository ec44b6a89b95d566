"""立卷归档：一户一个 ZIP；清单的 SHA-256 与内容逐一相符；告知书、结果全部版本、材料、留痕、后续处置都在；
辖区外 403；命令行。"""

import csv
import hashlib
import io
import tempfile
import zipfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.urls import reverse
from docx import Document

from shuangsui.core.tests.base import ROLES
from shuangsui.dossier import registry, services
from shuangsui.followups import services as followups
from shuangsui.followups.tests.helpers import CHECKED, DAY, TODAY, FollowUpTestCase
from shuangsui.inspections.models import Inspection
from shuangsui.listings.models import AbnormalListing
from shuangsui.notices import services as notices
from shuangsui.results import services as results
from shuangsui.results.tests.test_reserve_and_files import jpeg_bytes

DECISION = "泉丰市监罚〔2026〕12号"


def manifest_of(archive):
    text = archive.read(services.MANIFEST).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["序号", "文件名", "字节数", "SHA-256", "部分"], rows[0]
    return rows[1:]


class DossierTests(FollowUpTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.media = tempfile.mkdtemp()
        head = cls.users["head"]
        team = [
            a.inspector
            for a in cls.problem_target.assignments.filter(active=True, counts_as_officer=True)
        ]
        # 更正一次：结果有两个版本；材料上传到第二版
        v2 = results.correct(team[0].user, cls.problem, "补充适用条款")
        with override_settings(MEDIA_ROOT=cls.media):
            results.attach(
                team[0].user,
                cls.problem_target,
                cls.item,
                SimpleUploadedFile("现场.jpg", jpeg_bytes()),
                "photo",
            )
        v2 = results.submit(
            team[0].user,
            cls.problem_target,
            cls.item,
            {"provisions": "《食品安全法》第五十三条、第一百二十六条"},
        )
        cls.v2 = results.approve(head, v2)
        notices.record_mailing(
            cls.problem_target,
            head,
            method="ems",
            sent_on=CHECKED - 10 * DAY,
            tracking_no="EMS1234567",
        )
        order = followups.record(
            head, cls.v2, measure="03", decided_on=CHECKED, due_on=TODAY - 5 * DAY
        )
        followups.recheck(
            head, order, checked_on=TODAY - 3 * DAY, checked_by="陈明", outcome="corrected"
        )
        followups.record(head, cls.v2, measure="08", decided_on=CHECKED, decision_no=DECISION)

    def zip_of(self, response_or_bytes):
        data = getattr(response_or_bytes, "content", response_or_bytes)
        return zipfile.ZipFile(io.BytesIO(data))

    def test_the_manifest_lists_every_file_with_its_sha256(self):
        with override_settings(MEDIA_ROOT=self.media):
            archive = self.zip_of(services.build(self.problem_target))
        names = set(archive.namelist()) - {services.MANIFEST}
        rows = manifest_of(archive)
        self.assertEqual({r[1] for r in rows}, names)
        for _n, path, size, digest, _part in rows:
            data = archive.read(path)
            self.assertEqual(
                (int(size), digest), (len(data), hashlib.sha256(data).hexdigest()), path
            )
        self.assertEqual([r[0] for r in rows], [str(i) for i in range(1, len(rows) + 1)])
        folders = [r[1].split("/")[0] for r in rows]
        self.assertEqual(folders, sorted(folders))  # 按部分的顺序
        for expected in (
            "01-告知书/抽查告知书.docx",
            "02-送达/邮寄记录.csv",
            "03-检查结果/检查结果（全部版本）.csv",
            "05-审核与审批/审核与审批留痕.csv",
            "07-后续处置/后续处置.csv",
        ):
            self.assertIn(expected, names)
        photos = [n for n in names if n.startswith("04-检查材料/")]
        self.assertEqual(len(photos), 1, photos)
        self.assertEqual(archive.read(photos[0])[:2], b"\xff\xd8")
        notice = "\n".join(
            p.text
            for p in Document(io.BytesIO(archive.read("01-告知书/抽查告知书.docx"))).paragraphs
        )
        self.assertIn(self.problem_target.name, notice)
        versions = archive.read("03-检查结果/检查结果（全部版本）.csv").decode("utf-8-sig")
        self.assertIn("第一百二十六条", versions)
        self.assertIn("补充适用条款", versions)
        self.assertEqual(len(list(csv.reader(io.StringIO(versions)))), 3)  # 表头 + 两个版本
        trail = archive.read("05-审核与审批/审核与审批留痕.csv").decode("utf-8-sig")
        for action in (
            "审核通过检查结果",
            "更正检查结果（新版本）",
            "登记责令改正复查",
            "登记邮寄告知书",
        ):
            self.assertIn(action, trail)
        self.assertIn("EMS1234567", archive.read("02-送达/邮寄记录.csv").decode("utf-8-sig"))
        follow = archive.read("07-后续处置/后续处置.csv").decode("utf-8-sig")
        self.assertIn("已改正", follow)
        self.assertIn(DECISION, follow)
        letters = [n for n in names if "两张清单-" in n or "一书一函-" in n]
        self.assertEqual(len(letters), 2)

    def test_an_abnormal_listing_brings_its_approval_form_and_steps(self):
        target = Inspection.objects.get(draw=self.draw, uid=self.here[3].uid)
        self.approved(target, codes=["C"], facts="年度报告公示的从业人数与实际明显不符。")
        listing = AbnormalListing.objects.get(inspection=target)  # 代码 C：列异提请
        with override_settings(MEDIA_ROOT=self.media):
            archive = self.zip_of(services.build(target))
        rows = manifest_of(archive)
        for _n, path, _size, digest, _part in rows:
            self.assertEqual(hashlib.sha256(archive.read(path)).hexdigest(), digest)
        steps = archive.read("06-列异审批/列异审批经过.csv").decode("utf-8-sig")
        self.assertIn("提请", steps)
        form = f"06-列异审批/{listing.form_title}-{listing.pk}.docx"
        text = "\n".join(p.text for p in Document(io.BytesIO(archive.read(form))).paragraphs)
        self.assertIn(listing.form_title, text)
        self.assertNotIn("07-后续处置/两张清单", " ".join(archive.namelist()))

    def test_a_later_app_adds_its_part_through_the_registry(self):
        registry.register(95, "99-测试", "测试部分")(lambda i: [("说明.txt", i.uid.encode())])
        try:
            with override_settings(MEDIA_ROOT=self.media):
                archive = self.zip_of(services.build(self.clean_target))
            self.assertEqual(archive.read("99-测试/说明.txt"), self.clean_target.uid.encode())
            self.assertIn("99-测试/说明.txt", [r[1] for r in manifest_of(archive)])
        finally:
            registry._PARTS.pop("99-测试")

    def test_the_page_link_is_scope_checked(self):
        url = reverse("dossier-download", args=[self.problem_target.pk])
        self.login("head")
        page = self.client.get(reverse("result-target", args=[self.problem_target.pk]))
        self.assertContains(page, url)
        with override_settings(MEDIA_ROOT=self.media):
            r = self.client.get(url)
        self.assertEqual(r["Content-Type"], "application/zip")
        self.assertTrue(manifest_of(self.zip_of(r)))
        for role in ROLES:
            self.login(f"{role}_350502")
            self.assertRefused(self.client.get(url))

    def test_the_command_writes_the_zip(self):
        with tempfile.TemporaryDirectory() as tmp, override_settings(MEDIA_ROOT=self.media):
            out = Path(tmp) / "d.zip"
            stdout = io.StringIO()
            call_command(
                "dossier", self.draw.task.code, self.problem_target.uid, out=str(out), stdout=stdout
            )
            self.assertIn("已生成", stdout.getvalue())
            rows = manifest_of(zipfile.ZipFile(out))
            self.assertIn("01-告知书/抽查告知书.docx", [r[1] for r in rows])
            with self.assertRaisesMessage(CommandError, "没有对象"):
                call_command("dossier", self.draw.task.code, "NOPE", out=str(out))
