"""Hostile values and the one check every hostile request must pass (not a test module).

``wrong_values(schema)`` are values no field of that schema may accept (a 422 naming the field);
``odd_texts(schema)`` are legal-looking but nasty strings a route must survive without a 500.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tests.web.api_routes import row_counts

HUGE = "x" * 100_000
BOGUS_INTS = ("0", "-1", str(2**31), str(2**63), "abc", "1.5", "1e3", "%00", "9" * 5000)
BOGUS_STRINGS = ("nobody_here", "%00", "a%00b", "%ED%A0%80", "%FF", "x" * 100, "..", "%2F")

JSON = "application/json"
# Bodies no route can parse into anything it should act on: (label, client.open kwargs).
GARBAGE_BODIES = (
    ("truncated JSON", {"data": '{"title": ', "content_type": JSON}),
    ("two documents", {"data": "{} {}", "content_type": JSON}),
    ("single quotes", {"data": "{'a': 1}", "content_type": JSON}),
    ("a JSON array", {"json": [1, "two", {"three": 3}]}),
    ("a JSON string", {"json": "please help"}),
    ("a JSON number", {"json": 42}),
    ("JSON true", {"json": True}),
    ("deeply nested arrays", {"data": "[" * 100_000 + "]" * 100_000, "content_type": JSON}),
    ("deeply nested objects", {"data": '{"a":' * 40_000 + "1" + "}" * 40_000,
                               "content_type": JSON}),
    ("a 5000-digit number", {"data": '{"n": 1' + "0" * 5000 + "}", "content_type": JSON}),
    ("NaN and Infinity", {"data": '{"n": NaN, "m": -Infinity}', "content_type": JSON}),
    ("a lone surrogate", {"data": '{"\\ud800": "\\udfff"}', "content_type": JSON}),
    ("NUL bytes", {"data": '{"\\u0000": "\\u0000"}', "content_type": JSON}),
    ("invalid UTF-8", {"data": b'{"t": "\xff\xfe"}', "content_type": JSON}),
    ("UTF-16", {"data": '{"t": 1}'.encode("utf-16"), "content_type": JSON}),
    ("only unknown fields", {"json": {"zzz_unknown": 1, "is_admin": True}}),
    ("a body over the size limit", {"data": '{"t": "' + "x" * 300_000 + '"}',
                                    "content_type": JSON}),
    ("JSON sent as text/plain", {"data": '{"title": "x"}', "content_type": "text/plain"}),
    ("a form post", {"data": {"title": "Read one paragraph of my essay", "minutes": "15"}}),
    ("an empty JSON body", {"data": "", "content_type": JSON}),
)


def wrong_values(schema: dict) -> list:
    """Values the field described by ``schema`` must refuse with a 422."""
    kind, values = schema.get("type"), []
    if not schema.get("nullable"):
        values.append(None)
    if kind == "integer":
        values += ["12", 2.5, 2.5e-42, 1e308, True, False, [], {}, "NaN", 2**63, -(2**63) - 1]
        if "minimum" in schema:
            values.append(schema["minimum"] - 1)
        if "maximum" in schema:
            values += [schema["maximum"] + 1, 10**30]
    elif kind == "string":
        values += [12, 1.5, True, [], {"a": 1}]
        values += _string_rules(schema)
    elif kind == "boolean":
        values += [1, 0, "true", "yes", [], {}]
    elif kind == "array":
        values += ["a", 1, True, {"0": "a"}, [[[]]]]
        values.append([{"a": 1}] if (schema.get("items") or {}).get("type") == "string" else ["a"])
    elif "properties" in schema or kind == "object":
        values += [[], "x", 1, True]
        if schema.get("required"):
            values.append({})
    return values


def _string_rules(schema: dict) -> list:
    values = []
    if "maxLength" in schema:
        values += ["y" * (schema["maxLength"] + 1), HUGE]
    if schema.get("minLength", 0) >= 1:
        values.append("")
    if "enum" in schema:
        values += ["not-one-of-these", schema["enum"][0].upper() + "!"]
    if "pattern" in schema:  # a value the pattern refuses (e.g. NUL for "no NUL")
        values.append(next(v for v in ("NOT A MATCH!", "a\x00b")
                           if not re.search(schema["pattern"], v)))
    if schema.get("format") == "date-time":
        values += ["2030-02-30T25:61:00Z", "next tuesday", "1e308"]
    if schema.get("format") == "email":
        values += ["not-an-email", "a@", "@b.org"]
    return values


def odd_texts(schema: dict) -> list:
    """Strings that may or may not be acceptable, but must never cause a 500."""
    values = ["a\x00b", "\x00", "\ud800", "a\udfffb", "\u202eevil", "😀" * 40, " " * 20,
              "<script>alert(1)</script>", "' OR 1=1 --", "%s%n{0}", HUGE]
    if schema.get("format") == "date-time":
        values += ["0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59",
                   "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2030-01-01T10:00:00"]
    return values


@dataclass
class Checker:
    """Sends a request as ``who`` and holds it to the API's promise: never a 500, errors are JSON
    (422s with per-field messages), and a refused request writes nothing.

    While a checker is in use only its own requests may write: the counts taken after a
    refusal serve as the "before" of the next request, halving the counting."""

    client: object
    db: object
    who: dict | None
    _counts: dict | None = field(default=None, repr=False)

    def __call__(self, method: str, url: str, **request):
        headers = dict(self.who["headers"]) if self.who else {}
        before = self._counts or row_counts(self.db)
        self._counts = None
        r = self.client.open(url, method=method, headers=headers, **request)
        where = f"{method} {url[:120]} with {_describe(request)}"
        assert r.status_code < 500, f"{where} -> {r.status_code} {r.get_data(as_text=True)}"
        if r.status_code >= 400:
            assert r.is_json, f"{where} -> {r.status_code} without a JSON body"
            assert r.get_json()["code"] == r.status_code, where
            if r.status_code == 422:
                assert field_messages(r), f"{where} -> 422 without field messages"
            after = row_counts(self.db)
            assert after == before, f"{where} -> {r.status_code} but wrote rows"
            self._counts = after
        return r


def field_messages(response) -> dict:
    """``{field: messages}`` of a 422, from ``errors.json`` or ``errors.query``."""
    errors = response.get_json().get("errors") or {}
    return {**errors.get("json", {}), **errors.get("query", {})}


def _describe(request: dict) -> str:
    text = repr(request.get("json", request.get("data", request.get("query_string", "nothing"))))
    return text if len(text) <= 120 else text[:117] + "..."
