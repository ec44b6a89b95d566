"""并发：20 个同时到达的“执行抽取”（或“冻结名单”）请求只产生一次抽取、一份记录。

每个线程用自己的数据库连接（Django 的连接按线程分开），结束时关闭。需要真正提交的事务，
所以用 TransactionTestCase；SQLite 与 PostgreSQL 上都要通过。
"""

import threading

from django.core.exceptions import ValidationError
from django.db import connection
from django.test import TransactionTestCase

from shuangsui.core.models import AuditEvent, OrgUnit, User
from shuangsui.core.tests.base import make_entity
from shuangsui.demo import data as demo
from shuangsui.draws import ceremony
from shuangsui.draws import services as draws
from shuangsui.draws.choices import DrawStatus
from shuangsui.draws.models import Draw, DrawnTarget
from shuangsui.plans import services as plans
from shuangsui.plans.models import Task
from shuangsui.plans.tests.helpers import SECRETS, DrawFilesMixin, new_task

THREADS = 20


def concurrently(fn, n=THREADS):
    """n 个线程同时（栅栏放行）调用 fn()；返回 [(结果或异常)]。"""
    barrier = threading.Barrier(n)
    results = [None] * n

    def worker(i):
        try:
            barrier.wait()
            results[i] = fn()
        except Exception as exc:  # noqa: BLE001 - 收集所有结果，由测试判断
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


class RaceTests(DrawFilesMixin, TransactionTestCase):
    def setUp(self):
        counties = demo.build_org()
        county = counties["350503"]
        demo.build_items(county)
        demo.build_users(county)
        station = OrgUnit.objects.get(code="35050301")
        for i, cls in enumerate("BBBBBBBBCCCCDD"):
            make_entity(station, 500 + i, credit_class=cls)
        self.county = county
        self.planner = User.objects.get(username="planner")
        self.witness = User.objects.get(username="witness")
        task = new_task(
            self.planner,
            county,
            ("FJSC-011",),
            class_ratios={"B": "0.5", "C": "0.5", "D": "0.5"},
        )
        self.task = plans.approve_task(task, User.objects.get(username="leader"))

    def ready_draw(self):
        draw = draws.freeze(self.task, self.planner)
        draws.commit(draw, self.planner, value=SECRETS["planner"])
        draws.commit(draw, self.witness, value=SECRETS["witness"])
        draws.reveal(draw, self.planner, SECRETS["planner"])
        draws.reveal(draw, self.witness, SECRETS["witness"])
        return draw

    def test_concurrent_runs_yield_exactly_one_record(self):
        draw = self.ready_draw()
        planner = User.objects.get(pk=self.planner.pk)
        results = concurrently(lambda: draws.run(Draw.objects.get(pk=draw.pk), planner))
        done = [r for r in results if isinstance(r, Draw)]
        refused = [r for r in results if isinstance(r, ValidationError)]
        self.assertEqual(len(done), 1, results)
        self.assertEqual(len(refused), THREADS - 1, results)
        self.assertTrue(all("已完成" in r.messages[0] for r in refused))
        self.assertEqual(
            Draw.objects.filter(task=self.task, status=DrawStatus.COMPLETED).count(), 1
        )
        draw.refresh_from_db()
        self.assertEqual(DrawnTarget.objects.filter(draw=draw).count(), draw.selected_count)
        self.assertEqual(AuditEvent.objects.filter(action="draw.completed").count(), 1)
        self.assertEqual(draws.verify_stored(draw), [])
        folder = ceremony.root() / draw.record_file
        self.assertEqual(
            sorted(p.name for p in folder.parent.iterdir()), sorted(draws.FILE_NAMES.values())
        )

    def test_concurrent_freezes_yield_exactly_one_draw(self):
        planner = User.objects.get(pk=self.planner.pk)
        results = concurrently(lambda: draws.freeze(Task.objects.get(pk=self.task.pk), planner))
        done = [r for r in results if isinstance(r, Draw)]
        refused = [r for r in results if isinstance(r, ValidationError)]
        self.assertEqual(len(done), 1, results)
        self.assertEqual(len(refused), THREADS - 1, results)
        self.assertEqual(Draw.objects.filter(task=self.task).count(), 1)
        self.assertEqual(AuditEvent.objects.filter(action="draw.frozen").count(), 1)
