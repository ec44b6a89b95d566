"""导入在校验中途被 kill -9 时，fork 出的校验子进程随之结束，不留孤儿（每个约 145 MB）。

真跑一遍：在子进程里用 `import` 命令导入一个生成的大文件（大到会分段并行校验），
一看到它有了校验子进程就 kill -9 它，几秒之内它的子进程必须都不在了。
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from unittest import skipUnless

from django.test import SimpleTestCase

from shuangsui.directory import uscc
from shuangsui.lib import children

ROWS = 120_000
SCRIPT = """
import django
django.setup()
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from shuangsui.core.models import OrgUnit

with connection.schema_editor() as editor:  # 建表（比跑全部迁移快得多）
    for model in apps.get_models():
        editor.create_model(model)
province = OrgUnit.objects.create(code="350000", name="福建省市场监督管理局", level="province")
city = OrgUnit.objects.create(code="350500", name="泉州市市场监督管理局", level="city", parent=province)
OrgUnit.objects.create(code="350503", name="丰泽区市场监督管理局", level="county", parent=city)
print("ready", flush=True)
call_command("import", "entities", {path!r}, unit="350503")
"""


def children_of(pid):
    """/proc 里父进程号为 pid 的进程。"""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


def running_with(text):
    """命令行里含 `text` 的、还在运行的进程（fork 出的子进程与父进程的命令行相同）。"""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if text in cmdline and alive(int(entry)):
            found.append(int(entry))
    return found


def alive(pid):
    """进程还在运行（已退出、或只剩僵尸的不算）。"""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


@skipUnless(sys.platform.startswith("linux") and os.cpu_count() >= 2, "需要 Linux /proc 与多核")
class OrphanTests(SimpleTestCase):
    def test_it_leaves_no_worker_alive_after_kill_9_during_validation(self):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "entities.csv"
            lines = ["统一社会信用代码,名称,住所"]
            street = "福建省泉州市丰泽区东海街道东海大街" * 2
            for i in range(ROWS):
                lines.append(f"{uscc.make(f'91350503MA{i:07d}')},孤儿测试{i}有限公司,{street}{i}号")
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            self.assertGreater(path.stat().st_size, 8 * 1024 * 1024)  # 够大才分段并行校验
            env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SQLITE_PATH")}
            env.update(
                DJANGO_SETTINGS_MODULE="shuangsui.settings",
                SHUANGSUI_DATA_DIR=folder,
                SECRET_KEY="orphan-test-key-not-secret-0123456789abcdef",
            )
            script = SCRIPT.format(path=str(path))
            process = subprocess.Popen(
                [sys.executable, "-c", script],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            try:
                self.assertEqual(process.stdout.readline().strip(), "ready")
                workers = []
                deadline = time.monotonic() + 60
                while not workers and time.monotonic() < deadline:
                    workers = children_of(process.pid)
                    if process.poll() is not None:
                        self.fail(f"导入没等到校验就结束了（退出码 {process.returncode}）")
                    time.sleep(0.005)
                self.assertTrue(workers, "导入没有起校验子进程")
                os.kill(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
                deadline = time.monotonic() + 5
                while time.monotonic() < deadline and running_with(str(path)):
                    time.sleep(0.05)
                self.assertEqual(running_with(str(path)), [], "父进程被 kill -9 后校验子进程还活着")
            finally:
                if process.poll() is None:
                    process.kill()
                for pid in running_with(str(path)):  # 只清理本测试起的进程
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass

    def test_it_makes_a_child_die_with_its_parent(self):
        """die_with_parent 本身：中间进程 fork 出孙进程后被 kill -9，孙进程随之结束。"""
        read, write = os.pipe()
        middle = os.fork()
        if middle == 0:  # 中间进程
            os.close(read)
            grandchild = os.fork()
            if grandchild == 0:
                children.die_with_parent(os.getppid())
                while True:
                    time.sleep(1)
            os.write(write, f"{grandchild}\n".encode())
            while True:
                time.sleep(1)
        os.close(write)
        grandchild = int(os.read(read, 64).decode())
        os.close(read)
        time.sleep(0.2)
        self.assertTrue(alive(grandchild))
        os.kill(middle, signal.SIGKILL)
        os.waitpid(middle, 0)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and alive(grandchild):
            time.sleep(0.05)
        gone = not alive(grandchild)
        if not gone:
            os.kill(grandchild, signal.SIGKILL)
        self.assertTrue(gone)
