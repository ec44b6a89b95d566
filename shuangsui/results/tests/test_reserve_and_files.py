"""备选替换（只在对象本不应抽中时，同层下一名，记录，抽取记录不变）与检查材料（按内容识别、20 MB、sha256）。"""

import hashlib
import io
import tempfile

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from shuangsui.draws import services as draws
from shuangsui.draws.choices import FileKind, TargetRole
from shuangsui.inspections import services as inspections
from shuangsui.inspections.choices import AssignmentSource, InspectionStatus
from shuangsui.inspections.models import Inspection
from shuangsui.results import files, services
from shuangsui.results.choices import ResultStatus

from .helpers import ResultsTestCase


def jpeg_bytes():
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (800, 600), (200, 40, 40)).save(buf, "JPEG")
    return buf.getvalue()


class ReserveTests(ResultsTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.rdraw = cls.run_task(class_ratios={"B": "0.5"}, reserves={"B": 2})

    def test_it_replaces_an_out_of_scope_target_with_the_next_reserve_of_its_stratum(self):
        record_before = draws.read_file(self.rdraw, FileKind.RECORD)
        first = Inspection.objects.filter(draw=self.rdraw).order_by("rank").first()
        reserves = list(
            self.rdraw.targets.filter(
                role=TargetRole.RESERVE, stratum=first.drawn_target.stratum
            ).order_by("rank")
        )
        self.assertEqual(len(reserves), 2)
        with self.assertRaisesMessage(ValidationError, "写明原对象不在抽查范围内的理由"):
            inspections.replace_with_reserve(first, self.users["planner"], "")
        with self.assertRaises(PermissionDenied):
            inspections.replace_with_reserve(first, self.users["inspector"], "经营范围不含食品")
        new = inspections.replace_with_reserve(first, self.users["planner"], "经营范围不含食品")
        self.assertEqual((new.uid, new.role), (reserves[0].uid, TargetRole.RESERVE))
        first.refresh_from_db()
        self.assertEqual(first.status, InspectionStatus.CANCELLED)
        self.assertEqual(
            (first.replaced_by_id, first.replacement_reason), (new.pk, "经营范围不含食品")
        )
        self.assertFalse(first.assignments.filter(active=True).exists())
        team = new.assignments.filter(active=True)
        self.assertTrue(team.exists())
        self.assertEqual({a.source for a in team}, {AssignmentSource.REASSIGNED})
        second = (
            Inspection.objects.filter(draw=self.rdraw, role=TargetRole.SELECTED)
            .exclude(pk=first.pk)
            .order_by("rank")
            .first()
        )
        again = inspections.replace_with_reserve(second, self.users["planner"], "非食品经营者")
        self.assertEqual(again.uid, reserves[1].uid)  # 按名次的下一名
        third = (
            Inspection.objects.filter(
                draw=self.rdraw, role=TargetRole.SELECTED, status=InspectionStatus.PENDING
            )
            .order_by("rank")
            .first()
        )
        with self.assertRaisesMessage(ValidationError, "没有剩余的备选对象"):
            inspections.replace_with_reserve(third, self.users["planner"], "同上")
        self.assertEqual(draws.read_file(self.rdraw, FileKind.RECORD), record_before)


class AttachmentTests(ResultsTestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.override = override_settings(MEDIA_ROOT=self.tmp.name)
        self.override.enable()

    def tearDown(self):
        self.override.disable()
        self.tmp.cleanup()

    def test_it_stores_a_photo_by_content_with_sha256_and_a_thumbnail(self):
        i = self.target()
        user = self.officers(i)[0].user
        data = jpeg_bytes()
        a = services.attach(user, i, self.item, SimpleUploadedFile("IMG_1.jpeg", data), "photo")
        self.assertEqual((a.content_type, a.size), ("image/jpeg", len(data)))
        self.assertEqual(a.sha256, hashlib.sha256(data).hexdigest())
        with files.open_file(a.path) as fh:
            self.assertEqual(fh.read(), data)
        self.assertTrue(a.thumbnail)
        from PIL import Image

        with files.open_file(a.thumbnail) as fh, Image.open(fh) as thumb:
            self.assertLessEqual(max(thumb.size), 320)
        pdf = services.attach(
            user, i, self.item, SimpleUploadedFile("笔录.bin", b"%PDF-1.4\n..."), "site_record"
        )
        self.assertEqual((pdf.content_type, pdf.thumbnail), ("application/pdf", ""))

    def test_it_refuses_a_renamed_exe_an_oversized_file_and_a_broken_image(self):
        i = self.target()
        user = self.officers(i)[0].user
        exe = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00" + b"\x00" * 200, "image/jpeg")
        with self.assertRaisesMessage(ValidationError, "photo.jpg：文件内容是可执行程序"):
            services.attach(user, i, self.item, exe, "photo")
        big = SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"0" * (20 * 1024 * 1024))
        with self.assertRaisesMessage(ValidationError, "文件超过 20 MB"):
            services.attach(user, i, self.item, big, "photo")
        broken = SimpleUploadedFile("x.jpg", b"\xff\xd8\xff\xe0" + b"garbage" * 10)
        with self.assertRaisesMessage(ValidationError, "图片已损坏"):
            services.attach(user, i, self.item, broken, "photo")
        self.assertFalse(services.current_results(i))  # 什么都没写

    def test_files_cannot_be_added_to_a_submitted_result(self):
        i = self.target()
        user = self.officers(i)[0].user
        result = services.submit(user, i, self.item, self.data(i))
        self.assertEqual(result.status, ResultStatus.SUBMITTED)
        with self.assertRaisesMessage(ValidationError, "已提交，正在审核"):
            services.attach(user, i, self.item, SimpleUploadedFile("a.jpg", jpeg_bytes()), "photo")
