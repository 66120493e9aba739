"""The OpenAPI document at /api/v1/openapi.json describes the API the app actually serves."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from tests.web.api_routes import SPEC_PATH, api_routes

MAX_ID = 2**31 - 1


@pytest.fixture
def spec(client) -> dict:
    r = client.get(SPEC_PATH)
    assert r.status_code == 200 and r.is_json
    return r.get_json()


def test_anyone_can_read_the_document_without_signing_in(client):
    assert client.get(SPEC_PATH).status_code == 200


def test_the_document_is_valid_openapi_3(spec):
    assert spec["openapi"].startswith("3.")
    validate(spec)  # raises with the offending path if the document is not valid


def test_every_route_and_method_of_the_app_is_described(app, spec):
    described = {f"{method.upper()} {path}" for path, item in spec["paths"].items()
                 for method in item if method != "parameters"}
    missing = [r.key for r in api_routes(app) if r.key not in described]
    assert not missing


def test_nothing_is_described_that_the_app_does_not_serve(app, spec):
    served = {r.key for r in api_routes(app)}
    described = {f"{method.upper()} {path}" for path, item in spec["paths"].items()
                 for method in item if method != "parameters"}
    assert described <= served


def _path_parameters(spec):
    for path, item in spec["paths"].items():
        for param in item.get("parameters", []):
            yield path, param
        for method, operation in item.items():
            if method != "parameters":
                for param in operation.get("parameters", []):
                    yield path, param


def test_integer_path_parameters_are_bounded_like_database_ids(spec):
    ints = [(path, p) for path, p in _path_parameters(spec)
            if p["in"] == "path" and p["schema"].get("type") == "integer"]
    assert ints, "expected at least one integer path parameter (ask ids)"
    for path, param in ints:
        assert (param["schema"].get("minimum"), param["schema"].get("maximum")) == (1, MAX_ID), \
            f"{path} {param['name']}"


def test_every_body_route_documents_its_422(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method != "parameters" and "requestBody" in operation:
                assert "422" in operation["responses"], f"{method.upper()} {path}"


def test_error_statuses_point_at_the_one_error_body(spec):
    """Decision 0015: no catch-all default; every 4xx an operation lists is a reference to the
    shared response for that status, whose body is the one Error schema."""
    error = spec["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"code", "status", "message", "reason", "errors"}
    assert set(error["required"]) == {"code", "status", "message"}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            assert "default" not in operation["responses"], f"{method.upper()} {path}"
            for status, response in operation["responses"].items():
                if status.startswith("4"):
                    name = response["$ref"].rsplit("/", 1)[-1]
                    body = spec["components"]["responses"][name]["content"]["application/json"]
                    assert body["schema"] == {"$ref": "#/components/schemas/Error"}, name


def test_rate_limited_operations_document_retry_after(spec):
    limited = spec["components"]["responses"]["RATE_LIMITED"]
    assert limited["headers"]["Retry-After"]["required"] is True
    assert spec["paths"]["/api/v1/asks"]["post"]["responses"]["429"] == {
        "$ref": "#/components/responses/RATE_LIMITED"}


def test_every_operation_documents_the_503_of_a_database_outage_with_retry_after(spec):
    unavailable = spec["components"]["responses"]["UNAVAILABLE"]
    assert unavailable["headers"]["Retry-After"]["required"] is True
    assert unavailable["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue  # path-level parameters
            assert operation["responses"]["503"] == {
                "$ref": "#/components/responses/UNAVAILABLE"}, (method, path)


def test_the_document_says_which_operations_need_no_sign_in(spec):
    from tests.web.test_authorization import ANONYMOUS_MAY
    open_ = {f"{method.upper()} {path}" for path, item in spec["paths"].items()
             for method, operation in item.items()
             if method != "parameters" and operation.get("security") == []}
    assert open_ == set(ANONYMOUS_MAY)


def test_every_link_leads_to_a_described_operation_and_parameter(spec):
    links = [(path, name, link) for path, item in spec["paths"].items()
             for method, operation in item.items() if method != "parameters"
             for response in operation["responses"].values()
             for name, link in response.get("links", {}).items()]
    assert len(links) >= 10
    for path, name, link in links:
        ref = link["operationRef"].removeprefix("#/paths/")
        target_path, target_method = ref.rsplit("/", 1)
        target_path = target_path.replace("~1", "/").replace("~0", "~")
        assert target_method in spec["paths"].get(target_path, {}), f"{path} {name}"
        for parameter in link["parameters"]:
            assert "{" + parameter + "}" in target_path, f"{path} {name}: {parameter}"
