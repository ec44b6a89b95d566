"""接口 /api/credit：列表、详情、确认、驳回；声明的错误（400/403/404/422）。"""

import json

from shuangsui.core.models import ApiToken
from shuangsui.credit.models import CreditProposal
from shuangsui.directory.models import CreditHistory, Entity

from .helpers import CreditTestCase


class ApiTests(CreditTestCase):
    def auth(self, name):
        _, raw = ApiToken.issue(self.users[name], "credit")
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def post(self, url, body, name="planner"):
        return self.client.post(url, json.dumps(body), "application/json", **self.auth(name))

    def setUp(self):
        self.approved(self.here[1])
        self.approved(self.here[2], credit_class="A")
        self.p, self.q = CreditProposal.objects.order_by("id")

    def test_the_planner_lists_confirms_and_rejects(self):
        listing = self.client.get("/api/credit/proposals?status=pending", **self.auth("planner"))
        self.assertEqual(listing.status_code, 200)
        body = listing.json()
        self.assertEqual(body["count"], 2)
        self.assertEqual(
            {(r["entity"]["uid"], r["from_class"], r["to_class"]) for r in body["results"]},
            {(self.here[1].uid, "B", "C"), (self.here[2].uid, "A", "C")},
        )
        base = f"/api/credit/proposals/{self.p.pk}"
        r = self.post(f"{base}/confirm", {"note": "接口确认"})
        self.assertEqual(r.status_code, 200, r.content)
        self.assertEqual(r.json()["status"], "confirmed")
        self.assertEqual(Entity.objects.get(pk=self.here[1].pk).credit_class, "C")
        self.assertEqual(CreditHistory.objects.get().source, "feedback")
        again = self.post(f"{base}/confirm", {})
        self.assertEqual(again.status_code, 400)
        self.assertIn("已确认", again.json()["detail"])
        base = f"/api/credit/proposals/{self.q.pk}"
        self.assertEqual(self.post(f"{base}/reject", {"reason": " "}).status_code, 400)
        self.assertEqual(self.post(f"{base}/reject", {}).status_code, 422)
        r = self.post(f"{base}/reject", {"reason": "复核后不影响信用"})
        self.assertEqual(r.json()["status"], "rejected")
        done = self.client.get("/api/credit/proposals?status=rejected", **self.auth("planner"))
        self.assertEqual(done.json()["count"], 1)

    def test_scope_roles_and_missing_records(self):
        base = f"/api/credit/proposals/{self.p.pk}"
        other = self.client.get(base, **self.auth("planner_350502"))
        self.assertRefused(other)
        self.assertEqual(
            self.client.get("/api/credit/proposals", **self.auth("planner_350502")).json()["count"],
            0,
        )
        self.assertRefused(self.post(f"{base}/confirm", {}, "planner_350502"))
        self.assertEqual(self.post(f"{base}/confirm", {}, "head").status_code, 403)
        self.assertEqual(
            self.client.get("/api/credit/proposals", **self.auth("head")).status_code, 403
        )
        self.assertEqual(
            self.client.get("/api/credit/proposals/999999", **self.auth("planner")).status_code, 404
        )
        huge = self.client.get(f"/api/credit/proposals/{2**70}", **self.auth("planner"))
        self.assertIn(huge.status_code, (404, 422))
        bad = self.client.get("/api/credit/proposals?status=maybe", **self.auth("planner"))
        self.assertEqual(bad.status_code, 422)
        self.assertEqual(Entity.objects.get(pk=self.here[1].pk).credit_class, "B")
