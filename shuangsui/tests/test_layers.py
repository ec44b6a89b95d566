"""单向分层：下层应用的领域模块不得依赖上层应用。

层次按业务流程的先后（README“目录”一节）：core ← catalog、directory、inspectors ← transfer、
plans ← draws ← inspections ← 后续应用；api 与演示数据在最上面。上层对下层的事件作出反应
（信号在上层的 AppConfig.ready 里接上），下层从不调用上层。

领域模块是除下面“汇集模块”以外的一切模块（models、services、rules、protocol、choices、
signals、receivers、exporters、filters、eligibility……）。汇集模块（页面、接口、表单、后台、
命令、迁移、测试）可以从多个阶段取数据。源码用 ast 解析，函数内的导入、按字符串引用的模型
（ForeignKey("app.Model")、apps.get_model("app", …)、import_module("shuangsui.app…")）都算。
新应用在 LAYERS 里加一行。
"""

import ast
from pathlib import Path

from django.test import SimpleTestCase

import shuangsui

PACKAGE = Path(shuangsui.__file__).resolve().parent

# 应用 → 层次（数字小的在下）；同层的应用可以互相引用，但不能成环。
LAYERS = {
    "lib": 0,  # 与业务无关的小工具（表格读写、导出）
    "core": 1,
    "jobs": 1,  # 后台任务的基础设施：不引用领域应用，领域应用在 ready() 里登记任务种类
    "catalog": 2,
    "directory": 2,
    "inspectors": 2,
    "transfer": 3,
    "plans": 3,
    "draws": 4,
    "inspections": 5,
    "results": 6,  # 检查结果、审核、期限
    "notices": 6,  # 告知书与邮寄送达（不依赖 results）
    "listings": 7,  # 列入经营异常名录、移出（信用修复）
    "followups": 7,  # 后续处置（责令改正与复查、立案与处罚决定书、“两张清单”“一书一函”）
    "credit": 8,  # 信用反馈：检查结果、列异、后续处置 → 分类调整建议
    "dossier": 9,  # 立卷归档：一户一个 ZIP，下层各阶段的材料由本应用汇集，上层应用登记自己的部分
    "publicity": 10,  # 公示与公众门户（检查结果、列异与后续处置的公开部分）
    "rechecks": 11,  # 再检查与交叉检查：从已检查完毕的对象中抽样复查
    # 后续应用在此加一行
    "stats": 20,  # 统计与监督：在业务流程的最上面，只读各阶段的数据
    "api": 90,
    "demo": 99,
}

# 汇集模块：文件名（不含 .py）或目录名；这些模块可以向上引用。
GATHERING = {
    "views",
    "urls",
    "forms",
    "api",
    "admin",
    "templates",
    "tests",
    "management",
    "migrations",
}

_MODEL_FIELDS = {"ForeignKey", "OneToOneField", "ManyToManyField"}


def app_dirs():
    """shuangsui 下的每个子包（有 __init__.py 的目录，tests/static/templates 除外）。"""
    skip = {"tests", "static", "templates", "__pycache__"}
    return sorted(
        p.name
        for p in PACKAGE.iterdir()
        if p.is_dir() and p.name not in skip and (p / "__init__.py").exists()
    )


def domain_modules(app):
    for path in sorted((PACKAGE / app).rglob("*.py")):
        parts = path.relative_to(PACKAGE / app).with_suffix("").parts
        if any(part in GATHERING for part in parts):
            continue
        yield path


def _app_of_module(name):
    """'shuangsui.draws.services' → 'draws'；不是本项目的模块返回 None。"""
    parts = name.split(".")
    if parts[0] != "shuangsui" or len(parts) < 2:
        return None
    return parts[1]


def _package_of(path):
    rel = path.resolve().relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    return parts if path.name == "__init__.py" else parts[:-1]


def _string_arg(call):
    if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value
    return None


def references(source, path):
    """源码引用的本项目应用：[(行号, 应用, 怎样引用)]。"""
    out = []
    tree = ast.parse(source, filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                app = _app_of_module(alias.name)
                if app:
                    out.append((node.lineno, app, f"import {alias.name}"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = _package_of(path)[: len(_package_of(path)) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module == "shuangsui":
                names = [f"shuangsui.{a.name}" for a in node.names]
            else:
                names = [module]
            for name in names:
                app = _app_of_module(name)
                if app:
                    out.append((node.lineno, app, f"from {module} import …"))
        elif isinstance(node, ast.Call):
            func = node.func
            fname = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            text = _string_arg(node)
            if text is None:
                continue
            if fname in _MODEL_FIELDS or fname == "get_model":
                label = text.split(".")[0]
                if label in LAYERS:
                    out.append((node.lineno, label, f'{fname}("{text}")'))
            elif fname == "import_module":
                app = _app_of_module(text)
                if app:
                    out.append((node.lineno, app, f'import_module("{text}")'))
    return sorted(out)


def upward_references(app, path, source=None):
    source = path.read_text(encoding="utf-8") if source is None else source
    mine = LAYERS[app]
    found = []
    for line, other, how in references(source, path):
        if other != app and other in LAYERS and LAYERS[other] > mine:
            rel = path.relative_to(PACKAGE.parent) if path.is_absolute() else path
            found.append(
                f"{rel}:{line} {how}：{app}（第{mine}层）引用了上层的 {other}（第{LAYERS[other]}层）"
            )
    return found


class LayerTests(SimpleTestCase):
    maxDiff = None

    def test_it_places_every_app_in_a_layer(self):
        missing = [app for app in app_dirs() if app not in LAYERS]
        self.assertEqual(missing, [], "新应用须在 LAYERS 中标明层次")

    def test_it_finds_no_upward_reference_in_domain_modules(self):
        found = []
        for app in app_dirs():
            for path in domain_modules(app):
                found += upward_references(app, path)
        self.assertEqual(found, [], "\n".join(found))

    def test_it_finds_no_cycle_between_apps_of_one_layer(self):
        edges = set()
        for app in app_dirs():
            for path in domain_modules(app):
                for _, other, _ in references(path.read_text(encoding="utf-8"), path):
                    if other != app and LAYERS.get(other) == LAYERS[app]:
                        edges.add((app, other))
        cycles = sorted(f"{a} ↔ {b}" for a, b in edges if (b, a) in edges and a < b)
        self.assertEqual(cycles, [])

    def test_it_catches_function_level_and_string_references(self):
        path = PACKAGE / "draws" / "services.py"
        source = (
            "from . import protocol\n"
            "from shuangsui.plans.models import Task\n"
            "def run():\n"
            "    from shuangsui.inspections import services  # 避免循环导入\n"
            "    from ..inspections.models import Inspection\n"
            "    apps.get_model('inspections', 'Inspection')\n"
            "    import_module('shuangsui.inspections.services')\n"
            "x = models.ForeignKey('inspections.Inspection', on_delete=models.CASCADE)\n"
        )
        found = upward_references("draws", path, source)
        self.assertEqual(
            [f.split(" ")[0].rsplit(":", 1)[1] for f in found], ["4", "5", "6", "7", "8"]
        )
        d, i = LAYERS["draws"], LAYERS["inspections"]
        self.assertIn(f"draws（第{d}层）引用了上层的 inspections（第{i}层）", found[0])

    def test_it_treats_views_and_commands_as_gathering(self):
        paths = {p.relative_to(PACKAGE).as_posix() for p in domain_modules("draws")}
        self.assertIn("draws/services.py", paths)
        self.assertIn("draws/protocol.py", paths)
        self.assertNotIn("draws/views.py", paths)
        self.assertNotIn("draws/management/commands/draw.py", paths)
