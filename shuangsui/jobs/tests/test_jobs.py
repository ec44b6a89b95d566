"""后台任务：排队 → 工作进程（真的数据库后端 Worker，在本进程里）运行 → 结果或干净的失败；
进度的读写；谁能看到哪些任务；命令行的进度行。"""

import io
import json
import tempfile

from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from shuangsui.core.tests.base import BaseTestCase
from shuangsui.directory.models import Entity
from shuangsui.draws import services as draws
from shuangsui.draws.choices import DrawStatus
from shuangsui.jobs import progress, services
from shuangsui.jobs.choices import JobState
from shuangsui.jobs.models import Job
from shuangsui.jobs.testing import run_queued
from shuangsui.plans.tests.helpers import SECRETS, PlansTestCase, populate
from shuangsui.transfer.tests.helpers import bad_check_digit, csv_bytes, uid

HEADER = ["统一社会信用代码", "名称", "所属单位"]


class JobTests(BaseTestCase):
    def setUp(self):
        self.media = tempfile.TemporaryDirectory()
        override = override_settings(MEDIA_ROOT=self.media.name)
        override.enable()
        self.addCleanup(override.disable)
        self.addCleanup(self.media.cleanup)

    def submit(self, rows, user="planner"):
        return services.start(
            "transfer.import",
            self.user(user),
            "导入市场主体：主体.csv",
            params={"kind": "entities", "filename": "主体.csv", "mode": "insert", "unit": None},
            files={"file": csv_bytes(rows, HEADER)},
        )

    def test_it_runs_a_queued_import_and_records_progress_and_result(self):
        rows = [[uid(f"91350503MC{i:07d}"), f"后台商行{i}", "35050301"] for i in range(12)]
        job = self.submit(rows)
        job.refresh_from_db()
        self.assertEqual(job.state, JobState.QUEUED)
        self.assertTrue(job.task_id)
        self.assertTrue(services.input_path(job, "file").is_file())
        run_queued()
        job.refresh_from_db()
        self.assertEqual(job.state, JobState.DONE, job.error)
        self.assertEqual((job.done, job.total), (12, 12))
        self.assertEqual(job.result["created"], 12)
        self.assertEqual(job.result["url"], reverse("import-job-result", args=["entities", job.pk]))
        self.assertIsNotNone(job.started_at)
        self.assertIsNotNone(job.finished_at)
        self.assertEqual(Entity.objects.filter(name__startswith="后台商行").count(), 12)
        self.assertFalse(services.input_path(job, "file").exists())  # 上传的文件用完即删

    def test_it_fails_cleanly_and_writes_nothing(self):
        bad = bad_check_digit(uid("91350503MC0000099"))
        rows = [[uid("91350503MC0000098"), "好商行", "35050301"], [bad, "坏商行", "35050301"]]
        job = self.submit(rows)
        run_queued()
        job.refresh_from_db()
        self.assertEqual(job.state, JobState.FAILED)
        self.assertIn("1 处错误，没有写入任何数据", job.error)
        self.assertEqual(job.result["errors"][0]["row"], 3)
        self.assertFalse(Entity.objects.filter(name="好商行").exists())
        self.login("planner")
        page = self.client.get(reverse("job-detail", args=[job.pk]), follow=True)
        self.assertContains(page, "第3行")
        self.assertContains(page, "下载错误报告（XLSX）")

    def test_it_shows_progress_while_running_and_redirects_htmx_when_done(self):
        job = self.submit([[uid("91350503MC0000097"), "进度商行", "35050301"]])
        Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING)
        path = services.job_dir(job) / "progress.json"
        path.write_text(json.dumps({"done": 3000, "total": 12000, "stage": "校验并写入"}))
        self.login("planner")
        fragment = self.client.get(
            reverse("job-progress", args=[job.pk]), headers={"HX-Request": "true"}
        )
        self.assertContains(fragment, 'data-done="3000"')
        self.assertContains(fragment, "校验并写入")
        self.assertContains(fragment, "25%")
        self.assertContains(fragment, 'hx-trigger="every')
        page = self.client.get(reverse("job-detail", args=[job.pk]))
        self.assertContains(page, '<meta http-equiv="refresh"')  # 没有脚本时整页刷新
        self.assertContains(page, "vendor/htmx/htmx.min.js")
        Job.objects.filter(pk=job.pk).update(state=JobState.QUEUED)
        run_queued()
        fragment = self.client.get(
            reverse("job-progress", args=[job.pk]), headers={"HX-Request": "true"}
        )
        self.assertEqual(fragment.status_code, 204)
        self.assertEqual(
            fragment["HX-Redirect"], reverse("import-job-result", args=["entities", job.pk])
        )
        self.assertRedirects(
            self.client.get(reverse("job-detail", args=[job.pk])), fragment["HX-Redirect"]
        )

    def test_it_shows_jobs_to_their_owner_and_overseers_only(self):
        job = self.submit([[uid("91350503MC0000096"), "范围商行", "35050301"]])
        run_queued()
        detail = reverse("job-detail", args=[job.pk])
        result = reverse("import-job-result", args=["entities", job.pk])
        for name, status in [
            ("planner", 302),  # 本人
            ("admin", 302),  # 本县（区）的系统管理员
            ("inspector", 404),  # 同县的检查人员看不到别人的任务
            ("admin_350502", 404),  # 他县的管理员
            ("planner_350502", 404),
        ]:
            self.client.force_login(self.user(name))
            self.assertEqual(self.client.get(detail).status_code, status, name)
            expected = 200 if status == 302 else 404
            self.assertEqual(self.client.get(result).status_code, expected, name)
            listed = self.client.get(reverse("job-list"))
            self.assertEqual(job.title in listed.content.decode(), status == 302, name)

    def test_it_marks_a_dead_workers_job_failed_when_a_worker_starts(self):
        import subprocess
        import sys

        job = self.submit([[uid("91350503MC0000095"), "中断商行", "35050301"]])
        gone = subprocess.Popen([sys.executable, "-c", "pass"])
        gone.wait()
        worker = f"{services.socket.gethostname()}:{gone.pid}"
        Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING, worker=worker)
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.filter(pk=job.task_id).update(status="RUNNING")
        alive = self.submit([[uid("91350503MC0000094"), "在跑商行", "35050301"]])
        Job.objects.filter(pk=alive.pk).update(
            state=JobState.RUNNING, worker=f"{services.socket.gethostname()}:1"
        )  # 进程 1 还活着：不动
        out = io.StringIO()
        call_command("jobs_worker", "--only-recover", stdout=out)
        job.refresh_from_db()
        self.assertEqual(job.state, JobState.FAILED)
        self.assertIn("后台进程中途退出", job.error)
        self.assertEqual(DBTaskResult.objects.get(pk=job.task_id).status, "FAILED")
        self.assertIn("已把 1 个中断的后台任务记为失败", out.getvalue())
        alive.refresh_from_db()
        self.assertEqual(alive.state, JobState.RUNNING)


class TerminalProgressTests(BaseTestCase):
    def test_it_rewrites_one_line_on_a_tty_and_prints_plain_lines_otherwise(self):
        tty = io.StringIO()
        report = progress.TerminalProgress(tty, tty=True)
        report(0, 100, "校验并写入")
        report(100, 100, "校验并写入")
        report.close()
        self.assertEqual(tty.getvalue().count("\r"), 2)
        self.assertTrue(tty.getvalue().endswith("100/100（100%）\n"))
        plain = io.StringIO()
        report = progress.TerminalProgress(plain, tty=False)
        for done in range(0, 1001, 5):
            report(done, 1000, "校验并写入")
        report(1000, 1000, "收尾")
        lines = plain.getvalue().splitlines()
        self.assertNotIn("\r", plain.getvalue())
        self.assertEqual(len(lines), 12)  # 0%、10%……100%，加上换阶段的一行
        self.assertEqual(lines[-1], "收尾：1,000/1,000（100%）")

    def test_it_prints_progress_lines_from_the_import_command(self):
        rows = [[uid(f"91350503MD{i:07d}"), f"命令商行{i}", "35050301"] for i in range(3)]
        with tempfile.NamedTemporaryFile(suffix=".csv") as fh:
            fh.write(csv_bytes(rows, HEADER))
            fh.flush()
            out = io.StringIO()
            call_command("import", "entities", fh.name, "--user", "planner", stdout=out)
        text = out.getvalue()
        self.assertIn("校验并写入：3/", text)
        self.assertIn("导入成功：3 行", text)


class ExportJobTests(BaseTestCase):
    @override_settings(EXPORT_BACKGROUND_ROWS=0)
    def test_it_writes_a_large_export_in_the_background_for_download(self):
        from shuangsui.transfer.tests.helpers import csv_rows

        self.login("planner")
        response = self.client.get(reverse("export", args=["entities"]) + "?credit_class=A")
        self.assertEqual(response.status_code, 302)
        job = Job.objects.get(kind="transfer.export")
        self.assertEqual(job.params["query"], {"credit_class": ["A"]})
        run_queued()
        job.refresh_from_db()
        self.assertEqual(job.state, JobState.DONE, job.error)
        page = self.client.get(response["Location"])
        self.assertContains(page, reverse("job-file", args=[job.pk]))
        download = self.client.get(reverse("job-file", args=[job.pk]))
        self.assertEqual(download.status_code, 200)
        rows = csv_rows(b"".join(download.streaming_content))
        self.assertEqual([r[1] for r in rows[1:]], ["泉州鑫源贸易有限公司"])  # 只有本县的 A 类
        self.client.force_login(self.user("planner_350502"))
        self.assertEqual(self.client.get(reverse("job-file", args=[job.pk])).status_code, 404)

    def test_it_still_streams_a_small_export_directly(self):
        self.login("planner")
        response = self.client.get(reverse("export", args=["entities"]))
        self.assertEqual(response.status_code, 200)
        self.assertFalse(Job.objects.exists())


class DrawJobTests(PlansTestCase):
    codes = ("FJSC-011",)

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        populate(cls.station, 60, "BBBBCCD")

    @override_settings(DRAW_BACKGROUND_POPULATION=0)
    def test_it_runs_a_large_draw_in_the_background_and_returns_to_the_draw(self):
        planner, witness = self.user("planner"), self.user("witness")
        task = self.approved(class_ratios={"B": "0.2", "C": "0.3", "D": "0.5"})
        draw = draws.freeze(task, planner)
        draws.commit(draw, planner, value=SECRETS["planner"])
        draws.commit(draw, witness, value=SECRETS["witness"])
        draws.reveal(draw, planner, SECRETS["planner"])
        draws.reveal(draw, witness, SECRETS["witness"])
        draw.refresh_from_db()
        self.assertEqual((draw.status, draw.population_count > 0), (DrawStatus.READY, True))
        self.login("planner")
        response = self.client.post(reverse("draw-run", args=[draw.pk]))
        self.assertEqual(response.status_code, 302)
        self.assertIn("/jobs/", response["Location"])
        draw.refresh_from_db()
        self.assertEqual(draw.status, DrawStatus.READY)  # 还没算：在队列里
        run_queued()
        draw.refresh_from_db()
        self.assertEqual(draw.status, DrawStatus.COMPLETED)
        job = Job.objects.get(kind="draws.run")
        self.assertEqual(job.state, JobState.DONE, job.error)
        self.assertRedirects(
            self.client.get(response["Location"]),
            reverse("task-detail", args=[task.pk]) + "#draw",
            fetch_redirect_response=False,
        )
