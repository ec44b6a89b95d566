"""立卷归档的组成部分：各部分登记一个函数，给出一户（检查对象）的若干文件。

本应用在 `parts.py` 里登记下层各阶段（告知书、邮寄、结果、材料、审核、后续处置）；
更上层的应用（公示、复查等）在自己的 `AppConfig.ready()` 里 `register(...)` 加上自己的部分。
函数 `fn(inspection)` 逐个给出 (文件名, 内容字节)；文件名在 ZIP 里放在该部分的目录下。
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Part:
    order: int
    folder: str
    label: str
    files: Callable


_PARTS = {}


def register(order, folder, label):
    """装饰器：登记一个组成部分（同名目录再登记即替换）。"""

    def wrap(fn):
        _PARTS[folder] = Part(order, folder, label, fn)
        return fn

    return wrap


def parts():
    return sorted(_PARTS.values(), key=lambda p: (p.order, p.folder))
