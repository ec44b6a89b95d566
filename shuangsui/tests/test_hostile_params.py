"""任何查询参数都不能让页面或接口出 500：遍历 URL 配置里每个页面与 OpenAPI 里每个 GET 接口，
对它读取的每个查询参数逐一送上古怪的值（null、²、-1、10**30、空串、NUL、超长串、各种数字写法、
数组），断言没有 5xx。参数名从视图源码（request.GET 的键、所用 FilterSet 的筛选项、调用的辅助
函数）与 OpenAPI 的参数表里取，以后新增的页面与参数自动纳入。
"""

import importlib
import inspect
import re

import django_filters
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from shuangsui.api.api import api
from shuangsui.catalog.models import InspectionItem
from shuangsui.inspections.models import Inspection
from shuangsui.inspections.tests.helpers import MatchingTestCase
from shuangsui.plans import services as plans

HOSTILE = [
    "null",
    "²",
    "-1",
    str(10**30),
    "",
    "\x00",
    "9" * 3000,
    "١٢٣",  # 阿拉伯-印度数字
    "２０２６",  # 全角数字
    "1e309",
    "'\"<>%_\\😀",
    ["1", "2"],  # 数组：同名参数出现两次
    ["null", "²"],
]
# 逐个参数单独再试的几个值（其余参数不出现，避免一个参数无效时挡住另一个）
SINGLE = ["null", "²", str(10**30)]
ALWAYS = {"page", "per_page"}
_GET_KEY = re.compile(r"""GET(?:\.get|\.getlist|\.__getitem__)?\(?\[?\s*["'](\w+)["']""")
_LOCAL_IMPORT = re.compile(r"^\s+from (shuangsui[\w.]*) import ([\w, ]+)$", re.M)
_CALL = re.compile(r"\b([A-Za-z_][\w.]*)\s*\(")


def _patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith(("admin/", "api/")):
                continue
            yield from _patterns(entry, route)
        elif isinstance(entry, URLPattern):
            yield entry, route


def params_of(func, depth=3, seen=None):
    """视图（及其调用的本项目函数）读取的查询参数名。"""
    seen = seen if seen is not None else set()
    func = inspect.unwrap(func)
    if func in seen or depth < 0:
        return set()
    seen.add(func)
    try:
        source = inspect.getsource(func)
    except (OSError, TypeError):
        return set()
    names = set(_GET_KEY.findall(source))
    scope = dict(getattr(func, "__globals__", {}))
    for module, imported in _LOCAL_IMPORT.findall(source):  # 函数体里的 from … import …
        for name in imported.split(","):
            name = name.strip()
            scope[name] = getattr(importlib.import_module(module), name, None)
    for name in set(_CALL.findall(source)):
        first, *rest = name.split(".")
        target = scope.get(first)
        for attr in rest:  # exports.build_exporter(…) 之类：取模块里的函数
            target = getattr(target, attr, None) if inspect.ismodule(target) else None
        if isinstance(target, type) and issubclass(target, django_filters.FilterSet):
            names |= set(target.base_filters)
        elif inspect.isfunction(target) and target.__module__.startswith("shuangsui"):
            names |= params_of(target, depth - 1, seen)
    for value in scope.values():  # 模块里引用的 FilterSet（如 exports.build_exporter 间接用到）
        if isinstance(value, type) and issubclass(value, django_filters.FilterSet):
            if value.__name__ in source:
                names |= set(value.base_filters)
    return names


@override_settings(DEBUG=False)
class HostileParamsTest(MatchingTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        planner = cls.users["planner"]
        cls.plan = plans.create_plan(planner, kind="annual", year=2026, name="测试计划")
        cls.task = cls.draw.task
        cls.inspection = Inspection.objects.filter(draw=cls.draw).first()
        cls.item = InspectionItem.objects.filter(unit=cls.county).first()

    def kwargs_for(self, name, route):
        """路径参数的取值：已知的页面用测试数据里的对象，其余整数用 1、文字用 x。"""
        known = {
            "item-detail": {"pk": self.item.pk},
            "entity-detail": {"uid": self.entity.uid},
            "inspector-detail": {"pk": self.inspector.pk},
            "draw-freeze": {"task_pk": self.task.pk},
            "draw-file": {"pk": self.draw.pk, "kind": "public_record"},
            "import": {"kind": "entities"},
            "import-template": {"kind": "entities", "fmt": "csv"},
            "import-report": {"kind": "entities", "token": "x"},
            "export": {"kind": "entities"},
        }
        if name in known:
            return known[name]
        by_prefix = [
            ("plans/tasks/", self.task.pk),
            ("plans/", self.plan.pk),
            ("draws/", self.draw.pk),
            ("inspections/draws/", self.draw.pk),
            ("inspections/", self.inspection.pk),
        ]
        kwargs = {}
        for converter, key in re.findall(r"<(?:(\w+):)?(\w+)>", route):
            value = "x"
            if converter in ("int", ""):
                value = next((pk for p, pk in by_prefix if route.startswith(p)), 1)
            kwargs[key] = value
        return kwargs

    def page_targets(self):
        for pattern, route in _patterns():
            if "<" in route:
                path = "/" + route
                for key, value in self.kwargs_for(pattern.name, route).items():
                    path = re.sub(rf"<(?:\w+:)?{key}>", str(value), path)
            else:
                path = "/" + route
            yield path, params_of(pattern.callback) | ALWAYS

    def api_targets(self):
        schema = api.get_openapi_schema()
        values = {
            "uid": self.entity.uid,
            "item_id": self.item.pk,
            "inspector_id": self.inspector.pk,
            "plan_id": self.plan.pk,
            "code": self.task.code,
            "draw_id": self.draw.pk,
            "inspection_id": 1,  # 不存在或不可见的检查对象：应为 404，不是 500
            "listing_id": 1,
            "kind": "public_record",
        }
        for path, operations in schema["paths"].items():
            op = operations.get("get")
            if op is None:
                continue
            names = set(ALWAYS)
            for parameter in op.get("parameters", []):
                if parameter["in"] == "path":
                    name = parameter["name"]
                    # 其余的路径参数（新应用的 id）用 1：不存在或不可见的对象应为 404，不是 500
                    path = path.replace(f"{{{name}}}", str(values.get(name, 1)))
                elif parameter["in"] == "query":
                    names.add(parameter["name"])
            yield path, names

    def assert_no_server_error(self, path, params):
        response = self.client.get(path, params)
        self.assertLess(response.status_code, 500, f"{path}?{params!r} → {response.status_code}")
        return response

    def walk(self, targets):
        count = 0
        for path, names in targets:
            self.assert_no_server_error(path, {})
            for value in HOSTILE:
                self.assert_no_server_error(path, {name: value for name in names})
                count += 1
            for name in sorted(names - ALWAYS):
                for value in SINGLE:
                    self.assert_no_server_error(path, {name: value})
                    count += 1
        return count

    def test_it_finds_the_parameters_each_view_reads(self):
        targets = dict(self.page_targets())
        self.assertIn("unit", targets["/directory/entities/"])
        self.assertIn("year", targets["/plans/tasks/"])
        self.assertIn("plan", targets["/plans/tasks/new/"])
        self.assertIn("preview", targets[f"/plans/tasks/{self.task.pk}/"])
        self.assertIn("unit", targets["/transfer/export/entities/"])
        self.assertIn("unit", dict(self.api_targets())["/api/directory/entities"])

    def test_it_gives_no_server_error_on_any_page_for_any_parameter(self):
        self.login("planner")
        self.assertGreater(self.walk(self.page_targets()), 400)

    def test_it_gives_no_server_error_on_any_get_api_for_any_parameter(self):
        self.login("planner")
        self.assertGreater(self.walk(self.api_targets()), 100)

    def test_it_ignores_the_reported_bad_values(self):
        self.login("planner")
        for path, params in [
            ("/directory/entities/", {"unit": "null"}),
            ("/api/directory/entities", {"unit": "null"}),
            ("/transfer/export/entities/", {"unit": "null"}),
            ("/plans/tasks/", {"year": "²"}),
            ("/plans/tasks/new/", {"plan": "²"}),
            ("/plans/", {"year": str(10**30)}),
        ]:
            response = self.assert_no_server_error(path, params)
            self.assertEqual(response.status_code, 200, f"{path} {params}")
