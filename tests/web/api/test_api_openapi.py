"""The OpenAPI description is served, names only real routes, and its examples behave as documented."""

from __future__ import annotations

import re
import uuid

import yaml

from survey.web.api.views import OPENAPI_FILE

SPEC = yaml.safe_load(OPENAPI_FILE.read_text(encoding="utf-8"))


def _resolve(node):
    while isinstance(node, dict) and "$ref" in node:
        target = SPEC
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_openapi_is_served_as_yaml_and_json(client):
    as_yaml = client.get("/api/v1/openapi.yaml")
    assert as_yaml.status_code == 200 and as_yaml.mimetype == "application/yaml"
    assert yaml.safe_load(as_yaml.get_data(as_text=True)) == SPEC
    as_json = client.get("/api/v1/openapi.json")
    assert as_json.status_code == 200 and as_json.get_json() == SPEC
    assert SPEC["openapi"].startswith("3.")


def test_every_documented_operation_is_a_route_and_every_api_route_is_documented(app):
    base = SPEC["servers"][0]["url"]
    routes = {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(base + "/") and rule.endpoint.startswith(("api.", "dossiers."))
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {
        (base + path, method.upper())
        for path, operations in SPEC["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert documented <= routes, f"documented but not served: {documented - routes}"
    submission_routes = {r for r in routes if r[0] in {base + p for p in SPEC["paths"]}}
    assert submission_routes == documented


def test_every_reference_resolves():
    for ref in _refs(SPEC):
        assert _resolve({"$ref": ref}) is not None, ref


def _check_against_schema(value, schema, path="$"):
    """A small validator for the parts of OpenAPI schemas this file uses."""
    schema = _resolve(schema)
    if value is None:
        assert schema.get("nullable"), f"{path}: null not allowed"
        return
    if "anyOf" in schema or "oneOf" in schema:
        options = schema.get("anyOf") or schema.get("oneOf")
        failures = []
        for option in options:
            try:
                _check_against_schema(value, option, path)
            except AssertionError as exc:
                failures.append(str(exc))
        matched = len(options) - len(failures)
        assert matched >= 1 and ("oneOf" not in schema or matched == 1), f"{path}: {failures}"
        return
    kind = schema.get("type")
    checks = {
        "object": lambda v: isinstance(v, dict), "array": lambda v: isinstance(v, list),
        "string": lambda v: isinstance(v, str), "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
    }
    if kind:
        assert checks[kind](value), f"{path}: expected {kind}, got {value!r}"
    if "enum" in schema:
        assert value in schema["enum"], f"{path}: {value!r} not in {schema['enum']}"
    if schema.get("format") == "uuid":
        uuid.UUID(value)
    if kind == "object":
        for name in schema.get("required", []):
            assert name in value, f"{path}: {name} missing"
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for name, item in value.items():
            if name in properties:
                _check_against_schema(item, properties[name], f"{path}.{name}")
            else:
                assert extra is not False, f"{path}: {name} not allowed"
                if isinstance(extra, dict):
                    _check_against_schema(item, extra, f"{path}.{name}")
    if kind == "array":
        for i, item in enumerate(value):
            _check_against_schema(item, schema.get("items", {}), f"{path}[{i}]")


def test_every_documented_example_is_accepted_by_a_fresh_demo(app, client, demo, db_session, stored):
    """Each request example, posted as written (only the tablet's token filled in), is stored: 201, then 200."""
    from survey.domain.api_tokens import create_token
    from survey.domain.staff import find_user

    _token, staff_secret = create_token(db_session, find_user(db_session, "thongke"), "examples")
    db_session.commit()
    tablet_of_ba_dinh = demo["kiosks"][2].split("/k/")[1]  # 00004 · Quầy 1
    operation = SPEC["paths"]["/responses"]["post"]
    content = operation["requestBody"]["content"]["application/json"]
    before = len(stored())
    for name, example in content["examples"].items():
        body = dict(example["value"])
        _check_against_schema(body, content["schema"])
        if "device_token" in body:
            body["device_token"] = tablet_of_ba_dinh
        headers = {"Authorization": f"Bearer {staff_secret}"}
        response = client.post("/api/v1/responses", json=body, headers=headers)
        assert response.status_code == 201, (name, response.get_json())
        result_schema = operation["responses"]["201"]["content"]["application/json"]["schema"]
        _check_against_schema(response.get_json(), result_schema)
        assert response.get_json() == {"uuid": body["uuid"], "status": "created"}
        again = client.post("/api/v1/responses", json=body, headers=headers)
        assert again.status_code == 200 and again.get_json()["status"] == "duplicate"
    rows = stored()[before:]
    assert sorted(str(r.uuid) for r in rows) == sorted(e["value"]["uuid"] for e in content["examples"].values())


def test_release_times_are_rfc3339_with_an_offset(client, demo, db_session):
    from survey.domain.api_tokens import create_token
    from survey.domain.staff import find_user

    _token, secret = create_token(db_session, find_user(db_session, "thongke"), "times")
    db_session.commit()
    releases = client.get("/api/v1/releases", headers={"Authorization": f"Bearer {secret}"}).get_json()["releases"]
    assert releases
    for release in releases:
        for name in ("published_at", "created_at"):
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00", release[name]), release[name]


def test_bad_ids_and_methods_on_api_paths_answer_the_json_error_shape(client):
    for method, path, status, code in [
        ("get", "/api/v1/releases/99999999999999999999999/indices", 404, "not_found"),
        ("get", "/api/v1/releases/9223372036854775808/indices", 404, "not_found"),
        ("get", "/api/v1/releases/-1/indices", 404, "not_found"),
        ("get", "/api/v1/releases/abc/indices", 404, "not_found"),
        ("delete", "/api/v1/releases", 405, "method_not_allowed"),
        ("get", "/api/v1/responses", 405, "method_not_allowed"),
    ]:
        response = getattr(client, method)(path)
        assert response.status_code == status and response.mimetype == "application/json", path
        assert [e["code"] for e in response.get_json()["errors"]] == [code], path
        assert code in SPEC["components"]["schemas"]["ErrorCode"]["enum"]


def test_documented_error_examples_and_real_errors_fit_the_error_schema(api):
    errors_schema = SPEC["components"]["schemas"]["Errors"]
    for status, spec in SPEC["paths"]["/responses"]["post"]["responses"].items():
        spec = _resolve(spec)
        example = spec.get("content", {}).get("application/json", {}).get("example")
        if example is not None and status.startswith("4"):
            _check_against_schema(example, errors_schema)
    real = {
        400: api.post(b"{"),
        401: api.post(api.payload(device_token=None, unit=api.unit_code, channel="phone"), staff=False),
        403: api.post(api.payload(device_token="unknown")),
        409: api.post(api.payload(version="9")),
        422: api.post(api.payload(answers={"rating": 0})),
    }
    for status, response in real.items():
        assert response.status_code == status
        assert str(status) in SPEC["paths"]["/responses"]["post"]["responses"]
        _check_against_schema(response.get_json(), errors_schema)
