"""接口：本人的工作、读取、录入、上传、提交，与页面同一辖区与规则。"""

import json
import tempfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from shuangsui.core.models import ApiToken

from .helpers import TODAY, ResultsTestCase
from .test_reserve_and_files import jpeg_bytes


class ApiTests(ResultsTestCase):
    def auth(self, user):
        _, raw = ApiToken.issue(user, "field app")
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def test_a_field_app_lists_reads_enters_uploads_and_submits(self):
        i = self.target()
        one, two = self.officers(i)[:2]
        auth = self.auth(one.user)
        work = self.client.get("/api/results/work", **auth).json()
        self.assertIn(i.pk, [w["id"] for w in work["results"]])
        detail = self.client.get(f"/api/results/inspections/{i.pk}", **auth).json()
        item = detail["items"][0]
        self.assertEqual((item["code"], item["on_site_required"]), ("FJSC-011", True))
        self.assertTrue(item["may_enter"])
        base = f"/api/results/inspections/{i.pk}/items/{self.item.pk}"
        bad = {"checked_from": TODAY.isoformat(), "methods": ["2"], "codes": ["1"]}
        r = self.client.post(f"{base}/submit", json.dumps(bad), "application/json", **auth)
        self.assertEqual(r.status_code, 400)
        self.assertIn("应当现场检查", r.json()["detail"])
        with tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media):
            exe = SimpleUploadedFile("a.jpg", b"MZ" + b"\0" * 100)
            r = self.client.post(f"{base}/files", {"file": exe}, **auth)
            self.assertEqual(r.status_code, 400)
            ok = SimpleUploadedFile("a.jpg", jpeg_bytes())
            r = self.client.post(f"{base}/files", {"file": ok, "kind": "photo"}, **auth)
            self.assertEqual(r.status_code, 200)
            good = dict(bad, methods=["1"], present=[one.badge_no, two.badge_no])
            r = self.client.post(f"{base}/submit", json.dumps(good), "application/json", **auth)
            self.assertEqual(r.status_code, 200, r.content)
            self.assertEqual((r.json()["status"], len(r.json()["attachments"])), ("submitted", 1))
        # 他人：他县检查人员 403（记录存在但不在其辖区）；本所所长可审核，检查人员本人不能
        other = self.auth(self.users["inspector_350502"])
        self.assertEqual(
            self.client.get(f"/api/results/inspections/{i.pk}", **other).status_code, 403
        )
        r = self.client.post(
            f"{base}/review", json.dumps({"approve": True}), "application/json", **auth
        )
        self.assertEqual(r.status_code, 403)
        head = self.auth(self.users["head"])
        r = self.client.post(
            f"{base}/review", json.dumps({"approve": True}), "application/json", **head
        )
        self.assertEqual((r.status_code, r.json()["status"]), (200, "approved"))
