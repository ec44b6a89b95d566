"""requirements.lock 与 pyproject.toml 一致：每个声明的依赖都在锁文件里固定了版本，且满足声明的范围。

新增依赖后忘了 `make lock`，`make install` 就会装不上它——这里先失败。
"""

import re
import tomllib
from pathlib import Path

from django.test import SimpleTestCase
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[3]


def normalise(name):
    return re.sub(r"[-_.]+", "-", name).lower()


class LockFileTests(SimpleTestCase):
    def test_every_declared_dependency_is_pinned_within_its_range(self):
        project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
        declared = list(project["dependencies"]) + list(project["optional-dependencies"]["test"])
        pinned = {}
        for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
            match = re.match(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s;]+)", line)
            if match:
                pinned[normalise(match.group(1))] = Version(match.group(2))
        for text in declared:
            requirement = Requirement(text)
            name = normalise(requirement.name)
            self.assertIn(name, pinned, f"{name} 不在 requirements.lock 中：请运行 make lock")
            self.assertIn(
                pinned[name],
                requirement.specifier,
                f"{name}=={pinned[name]} 不满足 {requirement.specifier}：请运行 make lock",
            )
