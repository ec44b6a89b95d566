"""公开门户：无需登录、只读、缓存与限流、抽取核验页与下载、可见性矩阵。"""

import datetime
import json
import subprocess
import sys

from django.core.cache import cache
from django.urls import resolve
from django.utils import timezone

from shuangsui.core import audit
from shuangsui.plans.models import RegionRules
from shuangsui.plans.tests.helpers import PlansTestCase
from shuangsui.publicity import services, urls
from shuangsui.publicity.models import PublishedResult

from .helpers import CREDIT_WORDS, MARKERS, UNPUBLISHED_TEXTS, build_public_world, crawl


class PortalTests(PlansTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.world = build_public_world(cls)

    def setUp(self):
        cache.clear()

    def draw_url(self, draw):
        return f"/public/tasks/{draw.task_id}/draws/{draw.number}/"

    def test_it_serves_every_tab_without_login(self):
        for path, text in [
            ("/public/", "抽查事项清单"),
            ("/public/plans/", "丰泽区2026年度抽查计划"),
            ("/public/tasks/", "丰泽区2026年度企业公示信息抽查"),
            ("/public/results/", "2026年度第2号抽查任务检查结果公告"),
            ("/public/checkpoints/", "留痕检查点"),
        ]:
            response = self.client.get(path)
            self.assertEqual(response.status_code, 200, path)
            self.assertContains(response, text)
            self.assertIn("max-age=300", response["Cache-Control"])

    def test_it_is_read_only(self):
        self.assertEqual(self.client.post("/public/tasks/").status_code, 405)

    def test_it_caches_pages_until_purged(self):
        task = self.world["task"]
        self.assertContains(self.client.get("/public/tasks/"), task.name)
        type(task).objects.filter(pk=task.pk).update(name="改过的任务名称")
        self.assertNotContains(self.client.get("/public/tasks/"), "改过的任务名称")
        services.purge()
        self.assertContains(self.client.get("/public/tasks/"), "改过的任务名称")

    def test_it_answers_429_after_60_searches_a_minute(self):
        for n in range(services.SEARCH_LIMIT):
            self.assertEqual(self.client.get("/public/tasks/", {"q": f"抽查{n}"}).status_code, 200)
        response = self.client.get("/public/tasks/", {"q": "抽查"})
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "查询过于频繁", status_code=429)
        self.assertEqual(response["Retry-After"], "60")
        results = self.client.get("/public/results/", {"q": "测试企业"})  # 结果查询同一计数
        self.assertEqual(results.status_code, 429)
        other = self.client.get("/public/tasks/", {"q": "抽查"}, REMOTE_ADDR="10.0.0.9")
        self.assertEqual(other.status_code, 200)  # 按客户端计数
        self.assertEqual(self.client.get("/public/tasks/").status_code, 200)  # 不查询不限

    def test_it_limits_per_window(self):
        for _ in range(3):
            self.assertTrue(services.allow("c1", "t", limit=3, now=120.0))
        self.assertFalse(services.allow("c1", "t", limit=3, now=150.0))
        self.assertTrue(services.allow("c1", "t", limit=3, now=180.0))

    def test_it_shows_the_draw_with_seed_commitments_and_voided_reason(self):
        draw = self.world["draw"]
        response = self.client.get(self.draw_url(draw))
        self.assertContains(response, draw.seed)
        self.assertContains(response, draw.population_digest)
        for party in draw.parties.all():
            self.assertContains(response, party.commitment)
            self.assertContains(response, party.value)
        ranks = [t.uid for t in draw.targets.filter(role="selected").order_by("rank")]
        body = response.content.decode()
        self.assertEqual(sorted(ranks, key=body.index), ranks)  # 按名次排列
        self.assertContains(response, "python3 verify_draw.py")
        self.assertContains(response, "关于信用风险分类")
        voided = self.client.get(self.draw_url(self.world["voided"]))
        self.assertContains(voided, "本次抽取已作废")
        self.assertContains(voided, "名单范围设错，重新抽取")

    def test_it_downloads_files_that_the_verifier_accepts(self):
        draw = self.world["draw"]
        base = self.draw_url(draw)
        record = self.client.get(base + "public_record/")
        population = self.client.get(base + "public_population/")
        script = self.client.get("/public/verify_draw.py")
        self.assertEqual(record.status_code, 200)
        self.assertIn("attachment", record["Content-Disposition"])
        self.assertEqual(json.loads(record.content)["seed"], draw.seed)
        tmp = self._draw_root
        paths = {}
        for name, response in [("r.json", record), ("p.csv", population), ("v.py", script)]:
            paths[name] = f"{tmp}/{name}"
            with open(paths[name], "wb") as fh:
                fh.write(response.content)
        done = subprocess.run(
            [sys.executable, paths["v.py"], paths["r.json"], paths["p.csv"]],
            capture_output=True,
            text=True,
        )
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertEqual(self.client.get(base + "record/").status_code, 404)  # 完整记录不公开
        self.assertEqual(self.client.get(base + "population/").status_code, 404)

    def test_it_keeps_credit_draws_to_auditors_when_the_region_says_so(self):
        RegionRules.objects.create(unit=self.county, credit_draws_public=False)
        draw = self.world["draw"]
        response = self.client.get(self.draw_url(draw))
        self.assertContains(response, draw.public_record_sha256)
        self.assertNotContains(response, draw.seed)
        for party in draw.parties.all():
            self.assertContains(response, party.commitment)
            self.assertNotContains(response, party.value)
        self.assertContains(response, "依申请公开")
        base = self.draw_url(draw)
        self.assertEqual(self.client.get(base + "public_record/").status_code, 404)
        self.assertEqual(self.client.get(base + "public_population/").status_code, 404)

    def test_it_lists_audit_checkpoints_with_the_public_key(self):
        point = audit.checkpoint("测试")
        response = self.client.get("/public/checkpoints/")
        self.assertContains(response, point.head_hash)
        self.assertContains(response, point.signature)
        self.assertContains(response, audit.public_key_pem(create=False).splitlines()[1])

    def test_no_anonymous_api_answer_carries_anything_private(self):
        """可见性矩阵（接口）：OpenAPI 里每个不带路径参数的 GET，匿名能取到的（200）都不含标记与信用分类；
        带路径参数的，用门户上出现的对象（任务、公告）的编号代入。"""
        # 交换格式的公开接口只给过了 30 秒的行：把公示行挪到一分钟前，让它们出现在接口里
        PublishedResult.objects.update(updated_at=timezone.now() - datetime.timedelta(minutes=1))
        schema = self.client.get("/api/openapi.json").json()
        ids = {
            "task_id": self.world["task"].pk,
            "pk": self.world["task"].pk,
            "publication_id": self.world["corrected"].published.publication_id,
            "uid": self.world["corrected"].inspection.uid,
        }
        for path, operations in schema["paths"].items():
            if "get" not in operations:
                continue
            url = path
            for name, value in ids.items():
                url = url.replace("{" + name + "}", str(value))
            if "{" in url:
                continue
            response = self.client.get(url)
            if response.status_code != 200:
                continue
            # 接口的 JSON 把中文写成 \uXXXX：先解析再以原文写出，否则中文的标记永远找不到
            body = json.dumps(response.json(), ensure_ascii=False)
            for field, marker in MARKERS.items():
                self.assertNotIn(marker, body, f"{field} 出现在 {url}")
            for text in UNPUBLISHED_TEXTS:
                self.assertNotIn(text, body, f"未公示的结果“{text}”出现在 {url}")
            for word in CREDIT_WORDS[:5]:
                self.assertNotIn(word, body, f"信用分类“{word}”出现在 {url}")
        self.assertGreater(len(schema["paths"]), 10)  # 真的走了接口清单
        exchanged = self.client.get("/api/public/results").json()["results"]
        self.assertEqual(len(exchanged), PublishedResult.objects.count())  # 交换格式真的给了行

    def test_it_publishes_nothing_unpublished_or_private(self):
        """可见性矩阵：走遍门户的每个页面与下载，任何回答里都不出现埋下的标记和信用分类。"""
        audit.checkpoint("测试")
        pages = crawl(self.client)
        reached = {
            resolve(u.split("?")[0]).url_name for u, r in pages.items() if r.status_code == 200
        }
        every = {p.name for p in urls.urlpatterns}
        self.assertEqual(every - reached, set())  # 每个公开地址都走到了
        self.assertIn(self.draw_url(self.world["voided"]), pages)
        for url, response in pages.items():
            self.assertIn(response.status_code, (200, 404), url)
            body = response.content.decode()
            for field, marker in MARKERS.items():
                self.assertNotIn(marker, body, f"{field} 出现在 {url}")
            for text in UNPUBLISHED_TEXTS:
                self.assertNotIn(text, body, f"未公示的结果“{text}”出现在 {url}")
            self.assertNotIn(self.world["frozen"].population_digest, body, url)  # 未完成的抽取
            if "verify_draw.py" in url:
                continue  # 核验程序本身的说明里有这些字
            for word in CREDIT_WORDS:
                self.assertNotIn(word, body, f"信用分类“{word}”出现在 {url}")
        corrected = self.world["corrected"].inspection.uid
        entity_page = pages[f"/public/entities/{corrected}/"].content.decode()
        self.assertIn("已更正", entity_page)
        self.assertIn("通过登记的住所（经营场所）无法联系", entity_page)  # 已批准的列入
        self.assertIn("2026-04-01", entity_page)
        self.assertIn(
            "对象认定有误",
            pages[f"/public/entities/{self.world['withdrawn'].inspection.uid}/"].content.decode(),
        )
        record = json.loads(pages[self.draw_url(self.world["draw"]) + "public_record/"].content)
        self.assertTrue(all(k.startswith("S") for k in record["population"]["strata"]))
        self.assertNotIn("quota_rule", record)
        self.assertTrue(record.get("public_population"))
        self.assertNotIn("eligible", record["inspectors"])  # 只有摘要（第 8 节修订）
        self.assertIn("eligible_digest", record["inspectors"])
