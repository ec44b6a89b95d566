"""审计留痕：每次增删改和登录都有记录；改动、删除、调换任何一行都能被校验发现。"""

import base64
import stat
import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from shuangsui.core import audit
from shuangsui.core.models import AuditCheckpoint, AuditEvent

from .base import PASSWORD, BaseTestCase, make_entity


class AuditTrailTests(BaseTestCase):
    def test_it_records_create_update_delete_with_before_and_after(self):
        start = AuditEvent.objects.count()
        entity = make_entity(self.station, 77, name="原名称有限公司")
        entity.name = "新名称有限公司"
        entity.save()
        entity.delete()
        events = list(AuditEvent.objects.order_by("id")[start:])
        self.assertEqual(
            [e.action for e in events], ["entity.created", "entity.updated", "entity.deleted"]
        )
        self.assertEqual(events[1].before["name"], "原名称有限公司")
        self.assertEqual(events[1].after["name"], "新名称有限公司")
        self.assertEqual(events[2].before["uid"], entity.uid)
        self.assertEqual(events[0].scope_path, self.station.path)

    def test_login_and_failed_login_are_recorded(self):
        self.client.post(reverse("login"), {"username": "planner", "password": PASSWORD})
        self.client.post(reverse("logout"))
        self.client.post(reverse("login"), {"username": "planner", "password": "wrong"})
        actions = list(AuditEvent.objects.order_by("-id").values_list("action", flat=True)[:3])
        self.assertEqual(actions, ["user.login_failed", "user.logout", "user.login"])

    def test_chain_verifies_when_untouched(self):
        make_entity(self.station, 78)
        checked, problem = audit.verify()
        self.assertIsNone(problem)
        self.assertEqual(checked, AuditEvent.objects.count())
        out = StringIO()
        call_command("audit", "verify", stdout=out)
        self.assertIn("审计链完好", out.getvalue())

    def _three_more(self):
        for n in (81, 82, 83):
            make_entity(self.station, n)
        return list(AuditEvent.objects.order_by("-id").values_list("id", flat=True)[:3])[::-1]

    def test_an_edited_row_is_named(self):
        first, middle, last = self._three_more()
        AuditEvent.objects.filter(id=middle).update(actor_name="冒名顶替")
        self.assertEqual(audit.verify()[1][0], middle)
        with self.assertRaisesMessage(CommandError, f"第 {middle} 行"):
            call_command("audit", "verify", stdout=StringIO())

    def test_an_edited_payload_is_named(self):
        first, middle, last = self._three_more()
        event = AuditEvent.objects.get(id=first)
        event.after = {**event.after, "name": "篡改"}
        AuditEvent.objects.filter(id=first).update(after=event.after)
        self.assertEqual(audit.verify()[1][0], first)

    def test_a_deleted_row_is_named(self):
        first, middle, last = self._three_more()
        AuditEvent.objects.filter(id=middle).delete()
        row, reason = audit.verify()[1]
        self.assertEqual(row, middle)
        self.assertIn("缺少", reason)

    def test_a_deleted_and_renumbered_row_is_caught(self):
        first, middle, last = self._three_more()
        AuditEvent.objects.filter(id=middle).delete()
        AuditEvent.objects.filter(id=last).update(id=middle)
        self.assertEqual(audit.verify()[1][0], middle)

    def test_reordered_rows_are_caught(self):
        first, middle, last = self._three_more()
        table = AuditEvent._meta.db_table
        with connection.cursor() as cur:
            cur.execute(f"UPDATE {table} SET id = -1 WHERE id = %s", [first])
            cur.execute(f"UPDATE {table} SET id = %s WHERE id = %s", [first, middle])
            cur.execute(f"UPDATE {table} SET id = %s WHERE id = -1", [middle])
        self.assertEqual(audit.verify()[1][0], first)

    def test_a_rehashed_row_breaks_the_next_link(self):
        first, middle, last = self._three_more()
        event = AuditEvent.objects.get(id=middle)
        event.actor_name = "冒名顶替"
        event.hash = event.compute_hash()
        AuditEvent.objects.filter(id=middle).update(actor_name=event.actor_name, hash=event.hash)
        self.assertEqual(audit.verify()[1][0], last)


class AuditCheckpointTests(BaseTestCase):
    """签名检查点：只改得了数据库的人截断链尾、改写历史或伪造检查点，校验都不通过。"""

    def _three_more(self):
        for n in (91, 92, 93):
            make_entity(self.station, n)
        return list(AuditEvent.objects.order_by("-id").values_list("id", flat=True)[:3])[::-1]

    def _verify_fails(self, *words):
        with self.assertRaises(CommandError) as caught:
            call_command("audit", "verify", stdout=StringIO())
        for word in words:
            self.assertIn(word, str(caught.exception))
        return str(caught.exception)

    def test_it_signs_the_head_and_reports_coverage(self):
        first, middle, last = self._three_more()
        out = StringIO()
        call_command("audit", "checkpoint", stdout=out)
        point = AuditCheckpoint.objects.get()
        self.assertEqual(
            (point.event_id, point.head_hash), (last, AuditEvent.objects.get(id=last).hash)
        )
        self.assertIn(f"至第 {last} 行", out.getvalue())
        make_entity(self.station, 94)
        out = StringIO()
        call_command("audit", "verify", stdout=out)
        self.assertIn("审计链完好", out.getvalue())
        self.assertIn("签名覆盖至", out.getvalue())
        self.assertIn("其后 1 行尚未签名覆盖", out.getvalue())
        self.assertEqual(audit.coverage(), (point, 1))

    def test_it_keeps_the_private_key_outside_the_database_with_mode_0600(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "sub" / "audit.key"
            with self.settings(AUDIT_KEY_FILE=path):
                audit.checkpoint("测试")
                self.assertEqual(stat.S_IMODE(path.stat().st_mode), 0o600)
                pem = audit.public_key_pem()
        self.assertIn("BEGIN PUBLIC KEY", pem)
        self.assertNotIn("PRIVATE", pem)

    def test_outsiders_verify_with_the_published_public_key(self):
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        audit.checkpoint("测试")
        with tempfile.TemporaryDirectory() as tmp:
            good, bad = Path(tmp) / "good.pem", Path(tmp) / "bad.pem"
            good.write_text(audit.public_key_pem())
            other = Ed25519PrivateKey.generate().public_key()
            bad.write_bytes(
                other.public_bytes(
                    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                )
            )
            out = StringIO()
            call_command("audit", "verify", "--public-key", str(good), stdout=out)
            self.assertIn("审计链完好", out.getvalue())
            with self.assertRaisesMessage(CommandError, "签名无效"):
                call_command("audit", "verify", "--public-key", str(bad), stdout=StringIO())

    def test_deleting_the_last_rows_fails(self):
        first, middle, last = self._three_more()
        audit.checkpoint("测试")
        AuditEvent.objects.filter(id__gte=middle).delete()
        self.assertEqual(audit.verify()[1][0], middle)
        self._verify_fails("截断", f"第 {last} 行")

    def test_editing_a_row_and_rehashing_every_later_row_fails(self):
        first, middle, last = self._three_more()
        audit.checkpoint("测试")
        prev = AuditEvent.objects.get(id=middle - 1).hash
        for event in AuditEvent.objects.filter(id__gte=middle).order_by("id"):
            if event.id == middle:
                event.actor_name = "冒名顶替"
            event.prev_hash = prev
            event.hash = event.compute_hash()
            AuditEvent.objects.filter(id=event.id).update(
                actor_name=event.actor_name, prev_hash=event.prev_hash, hash=event.hash
            )
            prev = event.hash
        self.assertEqual(audit.verify()[1][0], last)
        self._verify_fails("签名检查点", "改写")

    def test_a_forged_checkpoint_fails(self):
        """只改得了数据库的人：截断后自己写一个检查点（没有私钥，签名只能用别的钥匙）。"""
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        first, middle, last = self._three_more()
        real_key_id = audit.checkpoint("测试").key_id
        AuditEvent.objects.filter(id__gte=middle).delete()
        AuditCheckpoint.objects.all().delete()
        forged = AuditCheckpoint(
            at=timezone.now(),
            event_id=first,
            head_hash=AuditEvent.objects.get(id=first).hash,
            reason="伪造",
            key_id=real_key_id,
        )
        forged.signature = base64.b64encode(
            Ed25519PrivateKey.generate().sign(forged.message())
        ).decode()
        forged.save()
        self._verify_fails("签名无效")
        # 改动真检查点的内容也一样
        AuditCheckpoint.objects.all().delete()
        real = audit.checkpoint("测试")
        AuditCheckpoint.objects.filter(pk=real.pk).update(event_id=real.event_id - 1)
        self._verify_fails("签名无效")


class AuditPageTests(BaseTestCase):
    def test_it_reads_in_chinese(self):
        from shuangsui.plans.tests.helpers import new_task

        planner = self.user("planner")
        make_entity(self.station, 90, name="留痕页面测试有限公司")
        new_task(planner, self.county)
        self.login("planner")
        response = self.client.get(reverse("audit-list"))
        html = response.content.decode()
        self.assertIn("创建抽查任务", html)
        self.assertIn("新建市场主体", html)
        self.assertIn("抽查任务</span>", html)  # 对象类型
        self.assertIn("留痕页面测试有限公司", html)
        for machine in ("task.created", "entity.created"):  # 机器名只在悬停提示里
            self.assertNotIn(f">{machine}<", html)
            self.assertIn(f'title="{machine}"', html)
        self.assertIn('<option value="task.approved">批准抽查任务</option>', html)

    def test_it_filters_by_action_and_keeps_the_filter_across_pages(self):
        for n in range(55):
            make_entity(self.station, 100 + n)
        self.login("planner")
        response = self.client.get(reverse("audit-list"), {"action": "entity.created"})
        self.assertEqual({e.action for e in response.context["page"]}, {"entity.created"})
        self.assertIn("?action=entity.created&page=2", response.content.decode())
        page2 = self.client.get(reverse("audit-list"), {"action": "entity.created", "page": 2})
        self.assertEqual({e.action for e in page2.context["page"]}, {"entity.created"})
