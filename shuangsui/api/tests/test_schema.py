"""OpenAPI 如实声明接口会返回的 400/401/403/404/409/422 及其 JSON 内容，客户端与模糊测试可以依赖。"""

import json
import re

from shuangsui.api.api import api
from shuangsui.core.models import ApiToken
from shuangsui.plans.tests.helpers import PlansTestCase


def operation_for(schema, method, path):
    for template, operations in schema["paths"].items():
        pattern = "^" + re.sub(r"\{\w+\}", r"[^/]+", template) + "$"
        if re.match(pattern, path) and method in operations:
            return operations[method]
    raise AssertionError(f"{method} {path} 不在 OpenAPI 中")


class SchemaTest(PlansTestCase):
    def setUp(self):
        self.schema = json.loads(json.dumps(api.get_openapi_schema()))  # 与 /api/openapi.json 相同

    def token(self, name):
        _, raw = ApiToken.issue(self.user(name), "test")
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def test_it_declares_the_error_bodies_of_every_operation(self):
        components = self.schema["components"]["schemas"]
        self.assertEqual(set(components["InvalidOut"]["required"]), {"detail", "errors"})
        for path, operations in self.schema["paths"].items():
            for method, op in operations.items():
                declared = set(op["responses"])
                with self.subTest(f"{method} {path}"):
                    if path.startswith("/api/public/"):
                        # 公开接口不要登录：没有 401/403，但有限流的 429
                        self.assertLessEqual({"200", "422", "429"}, declared)
                        self.assertFalse({"401", "403"} & declared)
                    else:
                        self.assertLessEqual({"200", "401", "403", "422"}, declared)
                    if method == "post" and not path.startswith("/api/import/"):
                        self.assertLessEqual({"400", "404", "409"}, declared)
                    refs = {
                        code: body["content"]["application/json"]["schema"].get("$ref", "")
                        for code, body in op["responses"].items()
                        if code != "200"
                    }
                    self.assertTrue(refs["422"].endswith("/InvalidOut"))
                    for code in {"401", "429"} & set(refs):
                        self.assertTrue(refs[code].endswith("/ErrorOut"))

    def assert_declared(self, method, path, response, status):
        self.assertEqual(response.status_code, status, response.content)
        op = operation_for(self.schema, method, path)
        self.assertIn(str(status), op["responses"], f"{method} {path} 未声明 {status}")
        body = response.json()
        self.assertIsInstance(body["detail"], str)
        self.assertRegex(body["detail"], r"[\u4e00-\u9fff]")  # 中文原因
        return body

    def test_each_error_status_is_declared_and_has_a_chinese_detail(self):
        planner = self.token("planner")
        post = self.client.post
        path = "/api/plans/plans"
        self.assert_declared("get", path, self.client.get(path), 401)
        response = post(path, {"year": "明年"}, content_type="application/json", **planner)
        body = self.assert_declared("post", path, response, 422)
        self.assertEqual(body["errors"][0]["loc"][-1], "year")
        self.assertEqual(body["errors"][0]["msg"], "应为整数")
        witness = self.token("witness")
        response = post(path, {"year": 2026}, content_type="application/json", **witness)
        self.assert_declared("post", path, response, 403)
        response = self.client.get("/api/plans/plans/987654", **planner)
        self.assert_declared("get", "/api/plans/plans/987654", response, 404)
        body = {"year": 2026, "name": "同名计划"}
        self.assertEqual(
            post(path, body, content_type="application/json", **planner).status_code, 200
        )
        response = post(path, body, content_type="application/json", **planner)
        self.assert_declared("post", path, response, 409)
        task = self.task(class_ratios={"B": "0.5"})  # 超过事项的比例上限：批准答 400
        approve = f"/api/plans/tasks/{task.code}/approve"
        response = post(approve, {}, content_type="application/json", **planner)
        self.assert_declared("post", approve, response, 400)

    def test_unknown_api_addresses_answer_json_404(self):
        response = self.client.get("/api/no/such/thing", **self.token("planner"))
        self.assertEqual(response.status_code, 404)
        self.assertEqual(response["Content-Type"], "application/json")
        self.assertIn("没有", response.json()["detail"])
        self.assertEqual(self.client.get("/api/plans/%00").status_code, 404)
