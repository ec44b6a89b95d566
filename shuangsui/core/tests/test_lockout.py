"""登录限速（django-axes）：用户名、地址分别计数；覆盖 /login/ 与 /admin/login/；计数存数据库，
各进程共享、重启不丢；成功只清自己的用户名；被锁的尝试写入审计；X-Forwarded-For 只在受信任代理后采信。"""

import datetime
import os
import shutil
import socket
import subprocess
import sys
import time

from axes.models import AccessAttempt
from django.test import RequestFactory, SimpleTestCase, override_settings
from django.urls import reverse

from shuangsui.core.lockout import client_ip
from shuangsui.core.models import AuditEvent

from .base import PASSWORD, BaseTestCase

ADMIN_LOGIN = "/admin/login/"
X = "10.0.0.1"
Y = "10.0.0.2"


class LockoutMixin:
    def post(self, username, password, ip=X, path=None, **extra):
        return self.client.post(
            path or reverse("login"),
            {"username": username, "password": password},
            REMOTE_ADDR=ip,
            **extra,
        )

    def logged_in(self):
        return "_auth_user_id" in self.client.session

    def fail(self, username, times, ip=X, path=None):
        for _ in range(times):
            response = self.post(username, "wrong-password", ip=ip, path=path)
            self.assertFalse(self.logged_in())
        return response

    def assert_refused(self, username, ip=X, path=None):
        response = self.post(username, PASSWORD, ip=ip, path=path)
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "登录失败次数过多", status_code=429)
        self.assertFalse(self.logged_in())
        return response

    def assert_admitted(self, username, ip=X, path=None):
        response = self.post(username, PASSWORD, ip=ip, path=path)
        self.assertEqual(response.status_code, 302, response.content.decode()[:500])
        self.assertTrue(self.logged_in())
        self.client.post(reverse("logout"))
        self.assertFalse(self.logged_in())


class LockoutTests(LockoutMixin, BaseTestCase):
    def test_thirty_wrong_passwords_at_the_admin_login_lock_it(self):
        self.fail("admin", 30, path=ADMIN_LOGIN)
        response = self.assert_refused("admin", path=ADMIN_LOGIN)
        self.assertContains(response, "分钟后再试", status_code=429)
        # 锁在用户名上：换个地址也不行
        self.assert_refused("admin", ip=Y, path=ADMIN_LOGIN)

    def test_logins_without_a_request_still_work(self):  # 脚本与测试的 client.login
        self.assertTrue(self.client.login(username="planner", password=PASSWORD))

    def test_one_counter_covers_every_login_path(self):
        self.fail("admin", 3, path=ADMIN_LOGIN)
        self.fail("admin", 2)
        self.assert_refused("admin", path=ADMIN_LOGIN)
        self.assert_refused("admin")

    def test_the_fifth_failure_shows_the_chinese_lockout_page(self):
        self.fail("planner", 4)
        response = self.post("planner", "wrong-password")
        self.assertContains(response, "登录失败次数过多", status_code=429)
        self.assertContains(response, "15 分钟后再试", status_code=429)
        self.assertContains(response, 'name="username"', status_code=429)

    def test_a_success_does_not_unlock_another_user_behind_the_same_address(self):
        self.fail("planner", 5)
        self.assert_admitted("business")  # 同一地址的别人不受牵连
        self.assert_refused("planner")  # 别人的成功也没有解开 planner

    def test_a_success_resets_its_own_username(self):
        self.fail("planner", 4)
        self.assert_admitted("planner")
        self.fail("planner", 4)
        self.assert_admitted("planner")

    @override_settings(LOGIN_FAILURE_LIMIT_PER_ADDRESS=8)
    def test_the_address_has_its_own_higher_limit(self):
        self.fail("ghost-1", 4)
        self.fail("ghost-2", 3)
        self.assert_admitted("planner")  # 7 次，未到地址上限
        self.fail("ghost-3", 1)
        self.assert_refused("planner")  # 地址到了 8 次：这个地址上谁都暂停
        self.assert_admitted("planner", ip=Y)  # 别的地址不受影响

    def test_the_lock_ends_after_the_cooloff(self):
        self.fail("planner", 5)
        self.assert_refused("planner")
        past = datetime.timedelta(minutes=16)
        for attempt in AccessAttempt.objects.all():
            AccessAttempt.objects.filter(pk=attempt.pk).update(
                attempt_time=attempt.attempt_time - past
            )
        self.assert_admitted("planner")

    def test_failed_locked_and_throttled_attempts_are_audited(self):
        start = AuditEvent.objects.count()
        self.fail("planner", 5)
        self.assert_refused("planner")
        self.assert_refused("planner", path=ADMIN_LOGIN)
        events = list(AuditEvent.objects.order_by("id")[start:])
        actions = [e.action for e in events]
        self.assertEqual(actions.count("user.login_failed"), 5)
        self.assertEqual(actions.count("user.locked_out"), 1)
        self.assertEqual(actions.count("user.login_throttled"), 2)
        locked = next(e for e in events if e.action == "user.locked_out")
        self.assertEqual(locked.object_id, "planner")
        self.assertEqual(locked.after["by"], ["username"])
        self.assertEqual(locked.after["ip"], X)
        throttled = [e for e in events if e.action == "user.login_throttled"]
        self.assertTrue(all(e.after["ip"] == X for e in throttled))

    @override_settings(LOGIN_FAILURE_LIMIT_PER_ADDRESS=3)
    def test_forwarded_for_is_ignored_without_a_trusted_proxy(self):
        for n in range(3):  # 伪造的 X-Forwarded-For 换不掉地址计数
            self.post(f"ghost-{n}", "x", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        self.assert_refused("planner", path=None)

    @override_settings(LOGIN_FAILURE_LIMIT_PER_ADDRESS=3, TRUSTED_PROXIES=[X])
    def test_forwarded_for_counts_behind_a_trusted_proxy(self):
        for n in range(3):
            self.post("ghost", "x", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        start = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
        response = self.post("planner", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7")
        self.assertEqual(response.status_code, 302)
        login = AuditEvent.objects.get(id__gt=start, action="user.login")
        self.assertEqual(login.after["ip"], "198.51.100.7")


@override_settings(AXES_HANDLER="shuangsui.core.lockout.CacheHandler")
class CacheLockoutTests(LockoutMixin, BaseTestCase):
    """配置了缓存（Redis）时的同一套规则。"""

    def setUp(self):
        from django.core.cache import cache

        cache.clear()

    def test_it_locks_by_username_and_address_separately(self):
        self.fail("admin", 30, path=ADMIN_LOGIN)
        self.assert_refused("admin", path=ADMIN_LOGIN)
        self.assert_admitted("business")
        self.assert_refused("admin")
        self.assertFalse(AccessAttempt.objects.exists())  # 计数在缓存里

    def test_a_success_resets_its_own_username(self):
        self.fail("planner", 4)
        self.assert_admitted("planner")
        self.fail("planner", 4)
        self.assert_admitted("planner")

    def test_a_username_that_looks_like_an_address_has_its_own_counter(self):
        self.fail(X, 5, ip=Y)
        self.assert_admitted("planner")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisLockoutTests(LockoutMixin, BaseTestCase):
    """真的 Redis（本机有 redis-server 时）：计数在 Redis 里，另一个客户端看得到。"""

    @classmethod
    def setUpClass(cls):
        server = shutil.which("redis-server")
        try:
            import redis  # noqa: F401
        except ImportError:
            server = None
        if server is None:
            raise __import__("unittest").SkipTest("没有 redis-server 或 redis 包")
        cls.port = _free_port()
        cls.redis = subprocess.Popen(
            [
                server,
                "--port",
                str(cls.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", cls.port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        cls.addClassCleanup(cls.redis.wait, 10)
        cls.addClassCleanup(cls.redis.terminate)
        super().setUpClass()

    def test_counters_live_in_redis(self):
        url = f"redis://127.0.0.1:{self.port}/0"
        caches = {
            "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
        }
        with override_settings(CACHES=caches, AXES_HANDLER="shuangsui.core.lockout.CacheHandler"):
            self.fail("planner", 5)
            self.assert_refused("planner")
            self.assert_admitted("business")
            import redis

            keys = redis.Redis.from_url(url).keys("*shuangsui-login:*")
            self.assertGreaterEqual(len(keys), 2)


class ClientIpTests(SimpleTestCase):
    def ip(self, remote, forwarded=None):
        meta = {"REMOTE_ADDR": remote}
        if forwarded is not None:
            meta["HTTP_X_FORWARDED_FOR"] = forwarded
        return client_ip(RequestFactory().get("/", **meta))

    def test_it_uses_the_socket_address_by_default(self):
        self.assertEqual(self.ip("192.0.2.1", "203.0.113.9"), "192.0.2.1")

    @override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
    def test_it_takes_the_rightmost_untrusted_hop_behind_trusted_proxies(self):
        self.assertEqual(self.ip("10.0.0.1", "1.2.3.4, 203.0.113.9, 10.0.0.7"), "203.0.113.9")
        self.assertEqual(self.ip("192.0.2.1", "203.0.113.9"), "192.0.2.1")  # 不是经代理来的
        self.assertEqual(self.ip("10.0.0.1", "garbage"), "10.0.0.1")
        self.assertEqual(self.ip("10.0.0.1"), "10.0.0.1")


SCRIPT = r"""
import sys
import django
django.setup()
from django.test import Client
mode, username = sys.argv[1], sys.argv[2]
if mode == "first":  # 第一个进程：建库、建账号、连错 5 次
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    for app in ("core", "sessions", "axes"):
        call_command("migrate", app, verbosity=0)
    get_user_model().objects.create_user(username, password="Right#Pass2026")
    password, times = "wrong", 5
else:  # 另一个进程（另一个 worker，或重启后）：密码正确
    password, times = "Right#Pass2026", 1
client = Client(REMOTE_ADDR="10.9.9.9")
codes = [client.post("/login/", {"username": username, "password": password}).status_code
         for _ in range(times)]
print(" ".join(map(str, codes)), "_auth_user_id" in client.session)
"""


def test_counters_are_shared_by_processes_and_survive_a_restart(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "SQLITE_PATH", "REDIS_URL", "CACHE_DIR", "DEBUG")
    }
    env.update(SHUANGSUI_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="shuangsui.settings")

    def run(*args):
        result = subprocess.run(
            [sys.executable, "-c", SCRIPT, *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout.strip()

    assert run("first", "clerk") == "200 200 200 200 429 False"
    # 新进程里计数还在：密码对也被拒（旧代码的计数在各 worker 的内存里，这里会登录成功）
    assert run("then", "clerk") == "429 False"
