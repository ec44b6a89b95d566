"""SECRET_KEY：仓库里没有默认密钥；DEBUG=0 且没有密钥时拒绝启动，check --deploy 报错；
`shuangsui secret-key --ensure` 在数据目录生成并保留密钥文件。"""

import os
import stat
import subprocess
import sys

from django.conf import settings

from shuangsui import secretkey


def run(args, data_dir, **extra):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    env.update({"SHUANGSUI_DATA_DIR": str(data_dir), "DEBUG": "0"}, **extra)
    return subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=120
    )


def cli(*args):
    return ["-m", "shuangsui.cli", *args]


def show_key():
    return [
        "-c",
        "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)",
    ]


def test_it_fails_check_deploy_without_a_key(tmp_path):
    result = run(cli("check", "--deploy"), tmp_path)
    assert result.returncode != 0
    assert "shuangsui.E001" in result.stderr
    assert "未设置 SECRET_KEY" in result.stderr and "SECRET_KEY is not set" in result.stderr


def test_the_server_refuses_to_start_without_a_key(tmp_path):
    result = run(["-c", "import shuangsui.wsgi"], tmp_path)
    assert result.returncode != 0
    assert "未设置 SECRET_KEY" in result.stderr
    assert "secret-key --ensure" in result.stderr


def test_it_has_no_published_default_key(tmp_path):
    result = run(show_key(), tmp_path, DJANGO_SETTINGS_MODULE="shuangsui.settings")
    assert result.returncode != 0  # Django: The SECRET_KEY setting must not be empty.
    assert "dev-only-insecure" not in (settings.PACKAGE_DIR / "settings.py").read_text()


def test_ensure_generates_a_private_key_file_once_and_keeps_it(tmp_path):
    first = run(cli("secret-key", "--ensure"), tmp_path)
    assert first.returncode == 0, first.stderr
    assert "已生成" in first.stdout
    path = tmp_path / secretkey.FILENAME
    key = path.read_text().strip()
    assert len(key) >= 50
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    second = run(cli("secret-key", "--ensure"), tmp_path)
    assert "已有" in second.stdout
    assert path.read_text().strip() == key
    # 之后 DEBUG=0 的进程用这把密钥，服务能启动、部署检查不再报 E001
    env = {"DJANGO_SETTINGS_MODULE": "shuangsui.settings"}
    assert run(show_key(), tmp_path, **env).stdout.strip() == key
    assert run(["-c", "import shuangsui.wsgi"], tmp_path).returncode == 0
    assert "shuangsui.E001" not in run(cli("check", "--deploy"), tmp_path).stderr


def test_the_environment_variable_wins_over_the_file(tmp_path):
    secretkey.ensure(tmp_path / secretkey.FILENAME)
    env = {"DJANGO_SETTINGS_MODULE": "shuangsui.settings", "SECRET_KEY": "from-env-" + "x" * 50}
    assert run(show_key(), tmp_path, **env).stdout.strip() == env["SECRET_KEY"]


def test_debug_keeps_a_generated_key_for_the_next_start(tmp_path):
    env = {"DJANGO_SETTINGS_MODULE": "shuangsui.settings", "DEBUG": "1"}
    first = run(show_key(), tmp_path, **env).stdout.strip()
    assert first and first == run(show_key(), tmp_path, **env).stdout.strip()
    assert (tmp_path / secretkey.FILENAME).read_text().strip() == first
