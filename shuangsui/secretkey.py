"""SECRET_KEY 的来源：环境变量，或数据目录里的密钥文件（`shuangsui secret-key --ensure` 生成）。

仓库里没有任何默认密钥：DEBUG=0 时两处都没有，服务拒绝启动，`check --deploy` 报错。
本模块不依赖 Django，供 settings 在加载时使用。
"""

import os
import secrets

FILENAME = "secret_key"


def missing_message(path):
    return (
        "未设置 SECRET_KEY：请设置环境变量 SECRET_KEY，或运行 `shuangsui secret-key --ensure` "
        f"在数据目录生成密钥文件（{path}）。"
        " / SECRET_KEY is not set: set the SECRET_KEY environment variable, or run "
        f"`shuangsui secret-key --ensure` to create the key file {path}."
    )


def new_key():
    return secrets.token_urlsafe(50)


def read(path):
    """密钥文件的内容（去掉首尾空白）；文件不存在或读不了时为空串。"""
    try:
        return path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return ""


def ensure(path):
    """密钥文件不存在时生成（仅属主可读写）；返回 (密钥, 是否新生成)。多进程同时调用也只生成一份。"""
    key = read(path)
    if key:
        return key, False
    path.parent.mkdir(parents=True, exist_ok=True)
    key = new_key()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # 另一个进程刚刚写好
        return read(path), False
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key + "\n")
    return key, True
