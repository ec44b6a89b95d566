"""公示：分批发布、标题与抽查机关、更正的历史、公示期限（日与工作日跨节假日）、不予公示须第二人批准、
公示率与按时率，门户的结果查询（2、3 个字与代码）。"""

import datetime

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError

from shuangsui.core.models import CalendarDay
from shuangsui.plans.models import RegionRules
from shuangsui.publicity import services
from shuangsui.publicity.choices import WithholdingStatus
from shuangsui.publicity.models import PublishedResult, Publisher
from shuangsui.results import services as results
from shuangsui.results.models import Result
from shuangsui.results.tests.helpers import ResultsTestCase


class PublishingTestCase(ResultsTestCase):
    def approved(self, n=1, **over):
        """东海所第 n 户（here[n]）的结果：提交并由所长审核通过。"""
        i = self.target(self.here[n])
        user = self.officers(i)[0].user
        result = results.submit(user, i, self.item, self.data(i, **over))
        return results.approve(self.users["head"], result)


class PublishTests(PublishingTestCase):
    def setUp(self):
        cache.clear()

    def test_it_publishes_in_batches_titled_by_the_bureau(self):
        task = self.draw.task
        first = self.approved(1)
        self.assertEqual([r.pk for r in services.ready_results(task)], [first.pk])
        one = services.publish(self.users["planner"], task)
        second = self.approved(2)
        two = services.publish(self.users["planner"], task)
        bureau = "泉州市丰泽区市场监督管理局"
        self.assertEqual(one.title, f"{bureau}2026年度第1号抽查任务检查结果公告")
        self.assertEqual(two.title, f"{bureau}2026年度第2号抽查任务检查结果公告")
        self.assertEqual(one.authority, self.county)  # 机关是局，不是股室
        self.assertEqual([r.result_id for r in one.rows.all()], [first.pk])
        self.assertEqual([r.result_id for r in two.rows.all()], [second.pk])
        row = two.rows.get()
        self.assertEqual((row.uid, row.name), (self.here[2].uid, self.here[2].name))
        self.assertEqual(row.code_text, "1 未发现问题")
        with self.assertRaisesMessage(ValidationError, "没有待公示的检查结果"):
            services.publish(self.users["planner"], task)

    def test_only_the_responsible_unit_publishes(self):
        task = self.draw.task
        self.approved(1)
        for name in ("head", "inspector", "witness", "planner_350502"):
            with self.assertRaises(PermissionDenied, msg=name):
                services.publish(self.users[name], task)
        Publisher.objects.create(unit=self.county, user=self.users["admin"])
        with self.assertRaisesMessage(PermissionDenied, "本地区指定的公示员"):
            services.publish(self.users["planner"], task)
        self.assertEqual(services.publish(self.users["admin"], task).rows.count(), 1)

    def test_a_correction_keeps_the_earlier_version_public_and_purges_the_cache(self):
        task = self.draw.task
        first = self.approved(1)
        services.publish(self.users["planner"], task)
        page = self.client.get("/public/results/", {"q": self.here[1].uid})
        self.assertContains(page, "1 未发现问题")
        new = results.correct(first.entered_by, first, "检查结果代码录错")
        i = first.inspection
        results.submit(
            first.entered_by, i, self.item, {"codes": ["B"], "facts": "未按期公示年度报告"}
        )
        results.approve(self.users["head"], Result.objects.get(pk=new.pk))
        old_row = PublishedResult.objects.get(result=first)
        self.assertEqual(old_row.state, "")  # 更正发布之前旧行仍是现行
        with self.captureOnCommitCallbacks(execute=True):
            services.publish(self.users["planner"], task)
        old_row.refresh_from_db()
        new_row = PublishedResult.objects.get(result_id=new.pk)
        self.assertEqual((old_row.state, old_row.corrected_on), ("已更正", new_row.published_on))
        self.assertEqual(new_row.replaces, old_row)
        page = self.client.get("/public/results/", {"q": self.here[1].uid})
        body = page.content.decode()
        self.assertIn("已更正", body)  # 旧版本仍然公开，带标记与日期
        self.assertIn("1 未发现问题", body)
        self.assertIn(new_row.code_text, body)
        self.assertNotIn("未按期公示年度报告", body)  # 检查发现的事实不公开

    def test_a_withdrawn_result_stays_public_marked_with_its_reason(self):
        task = self.draw.task
        self.approved(1)
        row = services.publish(self.users["planner"], task).rows.get()
        with self.assertRaisesMessage(ValidationError, "撤回须写明理由"):
            services.withdraw(self.users["planner"], row, "")
        with self.captureOnCommitCallbacks(execute=True):
            services.withdraw(self.users["planner"], row, "对象认定有误")
        page = self.client.get(f"/public/results/notices/{row.publication_id}/")
        self.assertContains(page, "已撤回")
        self.assertContains(page, "对象认定有误")

    def test_withholding_needs_a_second_person_and_is_counted_apart(self):
        task = self.draw.task
        a, b = self.approved(1), self.approved(2)
        planner, leader = self.users["planner"], self.users["leader"]
        with self.assertRaises(ValidationError):
            services.request_withholding(planner, a, "", "涉及国家秘密")
        held = services.request_withholding(
            planner, a, "《政府信息公开条例》第十四条", "涉及国家秘密"
        )
        self.assertEqual([r.pk for r in services.ready_results(task)], [b.pk])  # 待批准时不发布
        with self.assertRaisesMessage(PermissionDenied, "申请人以外的人"):
            services.decide_withholding(planner, held, True)
        with self.assertRaises(PermissionDenied):
            services.decide_withholding(self.users["head"], held, True)  # 没有批准权限
        services.decide_withholding(leader, held, True)
        held.refresh_from_db()
        self.assertEqual((held.status, held.decided_by), (WithholdingStatus.APPROVED, leader))
        services.publish(planner, task)
        counts = services.rates(type(task).objects.filter(pk=task.pk))[task.pk]
        self.assertEqual(
            {k: counts[k] for k in ("approved", "withheld", "publishable", "published")},
            {"approved": 2, "withheld": 1, "publishable": 1, "published": 1},
        )
        self.assertEqual(counts["rate"], 100.0)
        self.assertFalse(PublishedResult.objects.filter(result=a).exists())

    def test_a_rejected_withholding_returns_the_result_to_publication(self):
        a = self.approved(1)
        held = services.request_withholding(self.users["planner"], a, "依据", "理由")
        with self.assertRaisesMessage(ValidationError, "不批准须写明意见"):
            services.decide_withholding(self.users["leader"], held, False)
        services.decide_withholding(self.users["leader"], held, False, "不属于不予公开的情形")
        self.assertEqual([r.pk for r in services.ready_results(self.draw.task)], [a.pk])


class ClockTests(PublishingTestCase):
    """公示期限：检查结束之日起 20 日（届满日遇节假日顺延）或 20 个工作日，跨国庆假期（2027 年由管理员录入）。"""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        for day in range(1, 8):
            CalendarDay.objects.create(date=datetime.date(2027, 10, day), is_working=False)
        CalendarDay.objects.create(date=datetime.date(2027, 10, 9), is_working=True)  # 调休

    def result_checked_on(self, day):
        result = self.approved(1)
        Result.objects.filter(pk=result.pk).update(checked_from=day, checked_to=day)
        return Result.objects.select_related("inspection__task").get(pk=result.pk)

    def test_it_counts_20_days_or_20_working_days_across_a_holiday(self):
        result = self.result_checked_on(datetime.date(2027, 9, 13))
        self.assertEqual(services.due_date(result)[0], datetime.date(2027, 10, 8))  # 10-03 顺延
        RegionRules.objects.create(unit=self.county, publication_working=True)
        self.assertEqual(services.due_date(result)[0], datetime.date(2027, 10, 15))

    def test_it_says_which_year_is_missing_instead_of_guessing(self):
        result = self.result_checked_on(datetime.date(2028, 3, 1))
        due, why = services.due_date(result)
        self.assertIsNone(due)
        self.assertIn("2028", why)

    def test_it_shows_the_clock_and_counts_on_time_publication(self):
        result = self.result_checked_on(datetime.date(2027, 9, 13))
        rows = services.pending_with_clock(self.draw.task, today=datetime.date(2027, 10, 9))
        self.assertEqual(
            [(r.pk, due) for r, due, _, _ in rows], [(result.pk, datetime.date(2027, 10, 8))]
        )
        self.assertEqual(rows[0][3], {"state": "overdue", "days": -1, "late": 1})
        services.publish(self.users["planner"], self.draw.task, today=datetime.date(2027, 10, 9))
        row = PublishedResult.objects.get(result=result)
        self.assertEqual((row.due_on, row.on_time), (datetime.date(2027, 10, 8), False))
        task = self.draw.task
        by_unit = services.rates(type(task).objects.filter(pk=task.pk), group="unit")
        self.assertEqual(by_unit[task.unit_id]["on_time_rate"], 0.0)
        self.assertEqual(by_unit[task.unit_id]["rate"], 100.0)


class SearchTests(PublishingTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        from shuangsui.directory.models import Entity
        from shuangsui.inspections.models import Inspection

        for entity, name in (
            (cls.here[1], "泉州刺桐茶业有限公司"),
            (cls.here[2], "丰泽区东海小吃店"),
        ):
            Entity.objects.filter(pk=entity.pk).update(name=name)
            Inspection.objects.filter(entity=entity).update(name=name)

    def setUp(self):
        cache.clear()
        self.approved(1)
        self.approved(2)
        services.publish(self.users["planner"], self.draw.task)

    def found(self, q):
        return sorted(r.uid for r in services.search_results(q))

    def test_it_finds_by_two_and_three_characters_and_by_code(self):
        tea, snack = self.here[1].uid, self.here[2].uid
        self.assertEqual(self.found("刺桐"), [tea])
        self.assertEqual(self.found("刺桐茶"), [tea])
        self.assertEqual(self.found("小吃"), [snack])
        self.assertEqual(self.found(snack), [snack])
        self.assertEqual(self.found(snack.lower()), [snack])
        self.assertEqual(self.found("没有这家"), [])
        page = self.client.get("/public/results/", {"q": "刺桐"})
        self.assertContains(page, "泉州刺桐茶业有限公司")
        self.assertNotContains(page, "丰泽区东海小吃店")

    def test_a_very_broad_part_walks_the_published_rows_with_the_same_answer(self):
        from unittest import mock

        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from shuangsui.directory import search

        with mock.patch.object(search, "WALK_MAX", -1):  # 公示的结果“很多”：经名称索引
            indexed = self.found("有限")
        # 测试库小：把“很宽泛”的门槛调低（PostgreSQL 的估计在小表上很低，取 0）
        with mock.patch.object(search, "SCAN", 0 if connection.vendor == "postgresql" else 0.5):
            self.assertEqual(self.found("有限"), indexed)
            with CaptureQueriesContext(connection) as seen:
                page = self.client.get("/public/results/", {"q": "有限"})
        self.assertContains(page, "泉州刺桐茶业有限公司")
        rows = [q["sql"] for q in seen.captured_queries if "publicity_publishedresult" in q["sql"]]
        self.assertTrue(rows)
        self.assertFalse([sql for sql in rows if "directory_entity_fts" in sql])  # 不经名称索引

    def test_few_published_results_are_walked_for_any_part_with_the_same_answer(self):
        from unittest import mock

        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from shuangsui.directory import search

        queries = ["刺桐", "刺桐茶", "小吃", "有限", "没有这家", self.here[2].uid]
        with mock.patch.object(search, "WALK_MAX", -1):  # 公示的结果“很多”：经名称索引
            indexed = [self.found(q) for q in queries]
            with CaptureQueriesContext(connection) as seen:
                self.found("刺桐")
            self.assertTrue(
                any(
                    "directory_entity_fts" in q["sql"] or "string_to_array" in q["sql"]
                    for q in seen.captured_queries
                )
            )
        self.assertEqual([self.found(q) for q in queries], indexed)
        self.assertEqual(indexed[0], [self.here[1].uid])
        with CaptureQueriesContext(connection) as seen:
            page = self.client.get("/public/results/", {"q": "刺桐"})
        self.assertContains(page, "泉州刺桐茶业有限公司")
        self.assertNotContains(page, "丰泽区东海小吃店")
        rows = [q["sql"] for q in seen.captured_queries if "publicity_publishedresult" in q["sql"]]
        self.assertTrue(rows)
        self.assertFalse(  # 逐行比对公示的结果，不先从名称索引取出名录里的全部命中
            [sql for sql in rows if "directory_entity_fts" in sql or "string_to_array" in sql]
        )

    def test_the_entity_page_finds_its_checks_through_the_entity(self):
        uid = self.here[1].uid
        self.assertEqual([c.uid for c in services.public_checks(uid)], [uid])
        self.assertIn('"entity_id" =', str(services.public_checks(uid).query))
        self.assertContains(self.client.get(f"/public/entities/{uid}/"), "泉州刺桐茶业有限公司")

    def test_it_refuses_one_character_queries_in_the_portal(self):
        page = self.client.get("/public/results/", {"q": "茶"})
        self.assertContains(page, "至少输入 2 个字")


class PublishCommandTests(PublishingTestCase):
    """`shuangsui publish`：与页面同一个服务，错误以中文说明退出。"""

    def setUp(self):
        cache.clear()

    def test_the_command_publishes_every_ready_result_of_the_task(self):
        from io import StringIO

        from django.core.management import call_command

        task = self.draw.task
        first, second = self.approved(1), self.approved(2)
        out = StringIO()
        call_command("publish", task.code, "--user", "planner", "--date", "2026-06-01", stdout=out)
        publication = task.publications.get()
        self.assertEqual(publication.published_on, datetime.date(2026, 6, 1))
        self.assertEqual(
            sorted(publication.rows.values_list("result_id", flat=True)), [first.pk, second.pk]
        )
        self.assertIn(publication.title, out.getvalue())
        self.assertIn("2 条结果", out.getvalue())
        self.assertFalse(services.ready_results(task).exists())

    def test_the_command_refuses_with_the_services_reasons(self):
        from django.core.management import CommandError, call_command

        task = self.draw.task
        with self.assertRaisesMessage(CommandError, "没有待公示的检查结果"):
            call_command("publish", task.code, "--user", "planner")
        self.approved(1)
        with self.assertRaisesMessage(CommandError, "只有"):
            call_command("publish", task.code, "--user", "inspector")
        with self.assertRaisesMessage(CommandError, "没有编号为 NOPE 的任务"):
            call_command("publish", "NOPE", "--user", "planner")
        with self.assertRaisesMessage(CommandError, "YYYY-MM-DD"):
            call_command("publish", task.code, "--user", "planner", "--date", "6/1")
        self.assertFalse(task.publications.exists())
