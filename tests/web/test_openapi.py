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
