"""抽取仪式：冻结、承诺、揭示、抽取、作废与重新抽取；不可修改；页面、接口、命令与访问控制。"""

import io
import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import load_workbook

from shuangsui.core.models import ApiToken, AuditCheckpoint, AuditEvent, OrgUnit
from shuangsui.draws import ceremony, protocol
from shuangsui.draws import services as draws
from shuangsui.draws.choices import DrawStatus, FileKind, TargetRole
from shuangsui.draws.models import Draw, DrawnTarget, ImmutableError
from shuangsui.plans.choices import TaskStatus
from shuangsui.plans.tests.helpers import SECRETS, PlansTestCase, full_ceremony, populate

OP, WIT = SECRETS["planner"], SECRETS["witness"]


class CeremonyTests(PlansTestCase):
    codes = ("FJSC-011",)  # 重点事项：不设比例上限

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        populate(cls.station, 100, "BBBBBBBBBBBBCCCCCCDDDAAU")
        populate(cls.station2, 200, "BBBBBBCCCD")

    def setUp(self):
        self.planner, self.witness = self.user("planner"), self.user("witness")

    def frozen(self, **fields):
        return draws.freeze(self.approved(**fields), self.planner)

    def test_full_ceremony_reproduces_a_verifiable_record(self):
        task = self.approved(class_ratios={"B": "0.2", "C": "0.3", "D": "0.5"}, reserves={"B": 2})
        draw = full_ceremony(task, self.planner, self.witness, public=("lottery", "07 12 19 23"))
        self.assertEqual(draw.status, DrawStatus.COMPLETED)
        population = draws.read_file(draw, FileKind.POPULATION)
        record = json.loads(draws.read_file(draw, FileKind.RECORD))
        self.assertEqual(protocol.verify_record(record, population), [])
        self.assertEqual(draws.verify_stored(draw), [])
        # 名单摘要在任何熵之前写入留痕，并与记录一致
        frozen = AuditEvent.objects.get(action="draw.frozen", object_id=str(draw.pk))
        committed = AuditEvent.objects.filter(action="draw.committed").order_by("id").first()
        self.assertLess(frozen.id, committed.id)
        self.assertEqual(frozen.after["population_digest"], record["population"]["digest"])
        self.assertEqual(
            record["entropy"], [f"operator={OP}", f"witness={WIT}", "lottery=07 12 19 23"]
        )
        self.assertEqual(record["quota_rule"], {"B": "0.2", "C": "0.3", "D": "0.5"})
        # A 类无事不扰：不在名单中
        self.assertNotIn("A", record["population"]["strata"])
        # 抽中对象行与记录一致
        rows = list(draw.targets.filter(role=TargetRole.SELECTED).order_by("rank"))
        self.assertEqual([r.uid for r in rows], [s["uid"] for s in record["selected"]])
        self.assertTrue(all(r.entity_id for r in rows))
        self.assertEqual(draw.reserve_count, 2)
        # 公开形式：不含层，按第 8 节可核验
        public = json.loads(draws.read_file(draw, FileKind.PUBLIC_RECORD))
        public_pop = draws.read_file(draw, FileKind.PUBLIC_POPULATION)
        self.assertNotIn("quota_rule", public)
        self.assertNotIn("stratum", public["selected"][0])
        self.assertEqual(protocol.verify_public_record(public, public_pop), [])
        task.refresh_from_db()
        self.assertEqual(task.status, TaskStatus.DRAWN)
        # 抽取完成即签名锚定审计链头（含检查组派发的留痕）
        point = AuditCheckpoint.objects.order_by("-id").first()
        self.assertIn(task.code, point.reason)
        self.assertEqual(point.event_id, AuditEvent.objects.order_by("-id").first().id)

    def test_reveal_before_all_commitments_is_refused(self):
        draw = self.frozen()
        draws.commit(draw, self.planner, value=OP)
        with self.assertRaisesMessage(ValidationError, "承诺尚未收齐"):
            draws.reveal(draw, self.planner, OP)
        with self.assertRaisesMessage(ValidationError, "承诺尚未收齐"):
            draws.run(draw, self.planner)

    def test_wrong_reveal_is_refused_and_commitments_close_at_first_reveal(self):
        draw = self.frozen()
        draws.commit(draw, self.planner, value=OP)
        # 见证方在浏览器里算好承诺值，只提交承诺值
        draws.commit(draw, self.witness, commitment=protocol.commitment("witness", WIT))
        with self.assertRaisesMessage(ValidationError, "不符"):
            draws.reveal(draw, self.witness, WIT + "x")
        draws.reveal(draw, self.witness, WIT)
        with self.assertRaisesMessage(ValidationError, "承诺阶段已结束"):
            draws.commit(draw, self.user("admin"), value="late-comer-secret")
        with self.assertRaisesMessage(ValidationError, "须各方全部揭示"):
            draws.run(draw, self.planner)
        draws.reveal(draw, self.planner, OP)
        draw.refresh_from_db()
        self.assertEqual(draw.status, DrawStatus.READY)
        self.assertEqual(draws.run(draw, self.planner).status, DrawStatus.COMPLETED)

    def test_commit_rules(self):
        draw = self.frozen()
        with self.assertRaisesMessage(ValidationError, "至少"):
            draws.commit(draw, self.planner, value="short")
        draws.commit(draw, self.planner, value=OP)
        with self.assertRaisesMessage(ValidationError, "已提交过"):
            draws.commit(draw, self.planner, value=OP)
        with self.assertRaises(PermissionDenied):
            draws.commit(draw, self.user("inspector"), value="inspector-secret")
        with self.assertRaises(PermissionDenied):
            draws.commit(draw, self.user("witness_350502"), value="foreign-secret")
        # 服务端不保存秘密值
        party = draw.parties.get()
        self.assertEqual(party.value, "")
        self.assertNotIn(OP, json.dumps(list(AuditEvent.objects.values("after")), default=str))

    def test_second_draw_is_refused(self):
        task = self.approved()
        draw = full_ceremony(task, self.planner, self.witness)
        with self.assertRaisesMessage(ValidationError, "已有一次有效的抽取"):
            draws.freeze(task, self.planner)
        with self.assertRaisesMessage(ValidationError, "已完成"):
            draws.run(draw, self.planner)
        self.assertEqual(Draw.objects.filter(task=task).count(), 1)

    def test_void_needs_reason_and_second_approver_then_redraw(self):
        task = self.approved()
        first = full_ceremony(task, self.planner, self.witness)
        with self.assertRaisesMessage(ValidationError, "原因"):
            draws.request_void(first, self.planner, "  ")
        draws.request_void(first, self.planner, "名单范围设置错误")
        with self.assertRaisesMessage(ValidationError, "另一位"):
            draws.approve_void(first, self.planner)
        with self.assertRaises(PermissionDenied):
            draws.approve_void(first, self.user("witness"))  # 没有 plans.approve
        with self.assertRaisesMessage(ValidationError, "已有一次有效的抽取"):
            draws.freeze(task, self.planner)  # 待审批期间仍然有效
        draws.approve_void(first, self.user("admin"))
        first.refresh_from_db()
        self.assertEqual(first.status, DrawStatus.VOIDED)
        task.refresh_from_db()
        self.assertEqual(task.status, TaskStatus.APPROVED)
        # 作废的抽取仍可查看与核验
        self.assertEqual(draws.verify_stored(first), [])
        self.login("planner")
        page = self.client.get(reverse("task-detail", args=[task.pk])).content.decode()
        self.assertIn("名单范围设置错误", page)
        self.assertEqual(self.client.get(reverse("draw-detail", args=[first.pk])).status_code, 200)
        # 新的抽取：新的名单冻结、新的熵
        second = draws.freeze(task, self.planner)
        self.assertEqual(second.number, 2)
        draws.commit(second, self.planner, value="another-operator-secret")
        draws.commit(second, self.witness, value="another-witness-secret")
        draws.reveal(second, self.planner, "another-operator-secret")
        draws.reveal(second, self.witness, "another-witness-secret")
        second = draws.run(second, self.planner)
        self.assertNotEqual(second.seed, first.seed)
        self.assertEqual(draws.verify_stored(second), [])
        self.assertTrue(AuditEvent.objects.filter(action="draw.voided").exists())

    def test_completed_draw_is_immutable(self):
        draw = full_ceremony(self.approved(), self.planner, self.witness)
        draw.seed = "0" * 64
        with self.assertRaises(ImmutableError):
            draw.save()
        with self.assertRaises(ImmutableError):
            Draw.objects.filter(pk=draw.pk).update(seed="1" * 64)
        with self.assertRaises(ImmutableError):
            Draw.objects.filter(pk=draw.pk).delete()
        target = DrawnTarget.objects.filter(draw=draw).first()
        target.rank = 99
        with self.assertRaises(ImmutableError):
            target.save()
        with self.assertRaises(ImmutableError):
            draw.parties.first().save()
        draw.refresh_from_db()
        self.assertNotEqual(draw.seed, "0" * 64)

    def test_tampered_file_is_detected(self):
        draw = full_ceremony(self.approved(), self.planner, self.witness)
        path = ceremony.root() / draw.record_file
        path.chmod(0o644)
        path.write_bytes(path.read_bytes().replace(b'"rank": 1', b'"rank": 9'))
        self.assertIn("被改动", draws.verify_stored(draw)[0])
        self.login("planner")
        url = reverse("draw-file", args=[draw.pk, "record"])
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_entity_page_lists_draws(self):
        task = self.approved(class_counts={"B": 18}, quota_mode="class_count")
        full_ceremony(task, self.planner, self.witness)
        self.login("planner")
        page = self.client.get(reverse("entity-detail", args=[self.entity2.uid])).content.decode()
        self.assertIn(task.code, page)
        self.assertIn("入选", page)
        page = self.client.get(reverse("entity-detail", args=[self.entity.uid])).content.decode()
        self.assertIn("A类无事不扰", page)


class CeremonyPageTests(PlansTestCase):
    """页面上的完整流程（浏览器测试也按这个顺序点按钮）。"""

    codes = ("FJSC-011",)

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        populate(cls.station, 100, "BBBBBBBBCCCCDDA")

    def post(self, name, pk, data=None):
        response = self.client.post(reverse(name, args=[pk]), data or {})
        self.assertEqual(response.status_code, 302, name)
        return response

    def test_ceremony_through_the_pages(self):
        task = self.approved(batches=2, class_ratios={"B": "0.5", "C": "0.5", "D": "0.5"})
        url = reverse("task-detail", args=[task.pk])
        self.login("planner")
        page = self.client.get(url + "?preview=1").content.decode()
        self.assertIn("名单预览", page)
        self.assertIn('id="btn-freeze"', page)
        self.post("draw-freeze", task.pk)
        draw = draws.current_draw(task)
        page = self.client.get(url).content.decode()
        self.assertIn(draw.population_digest, page)
        self.assertIn('id="btn-commit"', page)
        self.assertIn("A类无事不扰：2 户", page)
        self.post("draw-commit", draw.pk, {"label": "operator", "value": OP})
        self.login("witness")
        page = self.client.get(url).content.decode()
        self.assertIn('id="btn-commit"', page)
        self.post(
            "draw-commit",
            draw.pk,
            {"label": "witness", "commitment": protocol.commitment("witness", WIT)},
        )
        self.post("draw-reveal", draw.pk, {"value": WIT})
        self.login("planner")
        self.post("draw-reveal", draw.pk, {"value": OP})
        page = self.client.get(url).content.decode()
        self.assertIn('id="btn-run"', page)
        self.assertIn('id="btn-public"', page)
        self.post("draw-public", draw.pk, {"label": "lottery", "value": "2026123"})
        self.post("draw-run", draw.pk)
        draw.refresh_from_db()
        self.assertEqual(draw.status, DrawStatus.COMPLETED)
        page = self.client.get(url).content.decode()
        self.assertIn('id="selected-table"', page)
        self.assertIn("第 2 批", page)
        for kind in ("record", "population", "public_record", "public_population"):
            response = self.client.get(reverse("draw-file", args=[draw.pk, kind]))
            self.assertEqual(response.status_code, 200, kind)
            self.assertEqual(response["X-Content-SHA256"], draws.file_info(draw, kind)[1])
        record = json.loads(self.client.get(reverse("draw-file", args=[draw.pk, "record"])).content)
        population = self.client.get(reverse("draw-file", args=[draw.pk, "population"])).content
        self.assertEqual(protocol.verify_record(record, population), [])
        xlsx = self.client.get(reverse("draw-xlsx", args=[draw.pk]))
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        self.assertEqual(sheet.cell(row=3, column=3).value, record["selected"][0]["uid"])
        self.assertEqual(
            self.client.get(reverse("draw-exclusions", args=[draw.pk])).status_code, 200
        )
        # 作废：申请与批准在页面上
        self.post("draw-void", draw.pk, {"reason": "测试作废"})
        self.login("admin")
        self.assertIn('id="btn-void-approve"', self.client.get(url).content.decode())
        self.post("draw-void-approve", draw.pk)
        draw.refresh_from_db()
        self.assertEqual(draw.status, DrawStatus.VOIDED)

    def test_witness_and_inspector_on_the_page(self):
        task = self.approved()
        draws.freeze(task, self.user("planner"))
        url = reverse("task-detail", args=[task.pk])
        self.login("witness")
        page = self.client.get(url).content.decode()
        self.assertNotIn('id="btn-run"', page)
        self.assertIn("监督见证方", page)
        self.login("inspector")
        self.assertRefused(self.client.get(url), "您的角色不能查看")
        draw = draws.current_draw(task)
        response = self.client.post(reverse("draw-commit", args=[draw.pk]), {"value": "x" * 10})
        self.assertRefused(response, "您的角色不能查看")
        self.assertRefused(self.client.post(reverse("draw-freeze", args=[task.pk])), "您的角色")


class AccessTests(PlansTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        populate(cls.station, 100, "BBBBBBCCD")

    def test_other_county_gets_403_with_the_reason_everywhere(self):
        task = self.approved()
        draw = full_ceremony(task, self.user("planner"), self.user("witness"))
        urls = [
            reverse("task-detail", args=[task.pk]),
            reverse("draw-detail", args=[draw.pk]),
            reverse("draw-exclusions", args=[draw.pk]),
            reverse("draw-file", args=[draw.pk, "record"]),
            reverse("draw-file", args=[draw.pk, "public_record"]),
            reverse("draw-xlsx", args=[draw.pk]),
        ]
        for role in ("planner_350502", "witness_350502", "admin_350502"):
            self.login(role)
            for url in urls:
                self.assertRefused(self.client.get(url))
            self.assertRefused(
                self.client.post(reverse("draw-void", args=[draw.pk]), {"reason": "x"})
            )
            # 不存在的仍是 404
            self.assertEqual(self.client.get(reverse("draw-detail", args=[99999])).status_code, 404)
        with self.assertRaises(PermissionDenied):
            draws.request_void(draw, self.user("planner_350502"), "越权")
        _, raw = ApiToken.issue(self.user("planner_350502"), "test")
        auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        for url in (
            f"/api/draws/{draw.pk}",
            f"/api/draws/{draw.pk}/files/record",
            f"/api/plans/tasks/{task.code}",
        ):
            self.assertRefused(self.client.get(url, **auth))
        response = self.client.post(f"/api/draws/tasks/{task.code}/freeze", **auth)
        self.assertRefused(response)
        self.assertEqual(self.client.get("/api/draws/99999", **auth).status_code, 404)

    def test_roles_within_the_county(self):
        health = OrgUnit.objects.get(code="350503D51")  # joint 账号的部门参与本任务
        task = self.approved(departments=[health], regions=[self.station])
        draw = full_ceremony(task, self.user("planner"), self.user("witness"))
        record = reverse("draw-file", args=[draw.pk, "record"])
        public = reverse("draw-file", args=[draw.pk, "public_record"])
        for role, full in (("planner", 200), ("witness", 200), ("admin", 200), ("joint", 403)):
            self.login(role)
            self.assertEqual(self.client.get(record).status_code, full, role)
            self.assertEqual(self.client.get(public).status_code, 200, role)
        self.login("joint")  # 无 credit.view：页面上的分层为不透明标签
        page = self.client.get(reverse("task-detail", args=[task.pk])).content.decode()
        self.assertIn("S1", page)
        self.assertNotIn("A类无事不扰", page)
        self.login("inspector")
        self.assertRefused(self.client.get(record), "您的角色不能查看")
        self.assertRefused(self.client.get(reverse("task-detail", args=[task.pk])), "您的角色")
        # 联合部门不参与的任务：403，说明是没有参与
        other = self.approved(regions=[self.station2])
        self.login("joint")
        self.assertRefused(self.client.get(reverse("task-detail", args=[other.pk])), "没有参与")

    def test_inspector_cannot_operate(self):
        task = self.approved()
        inspector = self.user("inspector")
        with self.assertRaises(PermissionDenied):
            draws.freeze(task, inspector)
        draw = draws.freeze(task, self.user("planner"))
        with self.assertRaises(PermissionDenied):
            draws.commit(draw, inspector, value="inspector-secret")
        with self.assertRaises(PermissionDenied):
            draws.run(draw, inspector)
        with self.assertRaises(PermissionDenied):
            draws.freeze(task, self.user("witness"))  # 见证方不能操作


class ApiAndCommandTests(PlansTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        populate(cls.station, 100, "BBBBBBCCCDD")

    def token(self, name):
        _, raw = ApiToken.issue(self.user(name), "test")
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def test_ceremony_through_the_api(self):
        op, wit, admin = self.token("planner"), self.token("witness"), self.token("admin")
        response = self.client.post(
            "/api/plans/tasks",
            {
                "items": ["FJSC-011"],
                "year": 2026,
                "start_date": "2026-04-01",
                "deadline": "2026-06-30",
                "class_ratios": {"B": "0.1", "C": "0.2", "D": "0.5"},
            },
            content_type="application/json",
            **op,
        )
        self.assertEqual(response.status_code, 200, response.content)
        code = response.json()["code"]
        self.assertEqual(response.json()["name"], "丰泽区2026年度食品销售者抽查方案")
        response = self.client.post(  # 另一人批准（职责分离）
            f"/api/plans/tasks/{code}/approve", {}, content_type="application/json", **admin
        )
        self.assertEqual(response.status_code, 200, response.content)
        draw_id = self.client.post(f"/api/draws/tasks/{code}/freeze", **op).json()["id"]
        post = lambda url, data, auth: self.client.post(  # noqa: E731
            f"/api/draws/{draw_id}{url}", data, content_type="application/json", **auth
        )
        self.assertEqual(post("/commit", {"value": OP}, op).status_code, 200)
        response = post("/reveal", {"value": OP}, op)
        self.assertEqual(response.status_code, 400)
        self.assertIn("承诺尚未收齐", response.json()["detail"])
        self.assertEqual(post("/commit", {"value": WIT}, wit).status_code, 200)
        self.assertEqual(post("/reveal", {"value": "wrong-value"}, wit).status_code, 400)
        self.assertEqual(post("/reveal", {"value": WIT}, wit).status_code, 200)
        self.assertEqual(post("/reveal", {"value": OP}, op).status_code, 200)
        response = post("/run", {}, op)
        self.assertEqual(response.json()["status"], "completed")
        self.assertEqual(post("/run", {}, op).status_code, 400)
        record = self.client.get(f"/api/draws/{draw_id}/files/record", **wit)
        population = self.client.get(f"/api/draws/{draw_id}/files/population", **wit)
        self.assertEqual(protocol.verify_record(json.loads(record.content), population.content), [])
        self.assertTrue(self.client.get(f"/api/draws/{draw_id}/verify", **op).json()["ok"])
        self.assertEqual(post("/void", {"reason": "接口测试作废"}, op).status_code, 200)
        self.assertEqual(post("/void/approve", {}, op).status_code, 400)
        self.assertEqual(post("/void/approve", {}, admin).json()["status"], "voided")
        listed = self.client.get(f"/api/draws/tasks/{code}/draws", **op).json()
        self.assertEqual([d["status"] for d in listed], ["voided"])

    def test_ceremony_through_the_command(self):
        task = self.approved()
        out = io.StringIO()

        def draw(*args, **kw):
            call_command("draw", *args, stdout=out, **kw)

        draw("freeze", task.code, user="planner")
        draw("commit", task.code, user="planner", value=OP)
        draw("commit", task.code, user="witness", commitment=protocol.commitment("witness", WIT))
        with self.assertRaisesMessage(CommandError, "不符"):
            draw("reveal", task.code, user="witness", value="nope-nope")
        draw("reveal", task.code, user="witness", value=WIT)
        draw("reveal", task.code, user="planner", value=OP)
        draw("run", task.code, user="planner", public="lottery=123456")
        self.assertIn("抽取完成", out.getvalue())
        current = draws.current_draw(task)
        self.assertEqual(draws.verify_stored(current), [])
        self.assertIn("lottery=123456", draws.load_record(current)["entropy"])
        with self.assertRaisesMessage(CommandError, "原因"):
            draw("void", task.code, user="planner")
        draw("void", task.code, user="planner", reason="命令行测试")
        with self.assertRaisesMessage(CommandError, "另一位"):
            draw("void", task.code, user="planner", approve=True)
        draw("void", task.code, user="admin", approve=True)
        draw("status", task.code, user="witness")
        self.assertIn("已作废", out.getvalue())
        with self.assertRaisesMessage(CommandError, "不在您的辖区内"):
            draw("freeze", task.code, user="planner_350502")
        with self.assertRaisesMessage(CommandError, "不存在"):
            draw("freeze", "350503-2026-9999", user="planner")
