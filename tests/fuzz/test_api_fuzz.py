"""schemathesis fuzzes the API through its own OpenAPI document (issue 13; decision 0015).

The document at ``/api/v1/openapi.json`` is loaded from the real app (WSGI, the suite's real
database) and every operation in it is called with generated requests — ones the document
calls valid and ones it calls invalid — once as a signed-in member and once as a moderator.
Every response must be no server error, carry a status the operation documents and match the
body documented for that status; a body the document calls valid for ``POST /asks`` must be
accepted. Path parameters are drawn both at random and from the rows the world seeded, so
requests reach real asks, flags, transfers and members, not only 404s.

Size: ``EXCHANGE_FUZZ_EXAMPLES`` examples per operation and mode (default 15: ≥ 1,000
requests per role); ``scripts/fuzz`` is the long run. Rate limits are off for this module's
app through configuration (``EXCHANGE_RATE_LIMITS=off``, as in the other route-sweeping
suites): a fuzzer is many requests a second from one member by design. The examples are
derandomized so CI sees the same requests every run; ``EXCHANGE_FUZZ_SEED`` picks others.
"""

from __future__ import annotations

import os
from collections import Counter
from itertools import count

import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.web.api_routes import SPEC_PATH, module_app, module_settings
from tests.web.seed import seeding

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("fuzz")]

EXAMPLES = int(os.environ.get("EXCHANGE_FUZZ_EXAMPLES", "15"))
SEED = os.environ.get("EXCHANGE_FUZZ_SEED")
# Per role: the suite's size (15) makes ≥ 1,000 requests, scripts/fuzz's (250) ≥ 20,000.
MIN_REQUESTS = 20_000 if EXAMPLES >= 250 else 1_000 if EXAMPLES >= 15 else 0
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
# Bodies the document calls valid must be taken. A window is the one thing it can only say in
# words ("within the next 14 days", relative to now): bodies carrying one are not held to it.
ACCEPTS_VALID = {"POST /api/v1/asks": lambda case: not any(
    isinstance(case.body, dict) and case.body.get(k) is not None
    for k in ("window_start", "window_end"))}
# Operations after which the caller's token no longer works.
SIGNS_OUT = {"DELETE /api/v1/me", "DELETE /api/v1/auth/tokens/current"}


@pytest.fixture(scope="module")
def app(db, database_url, tmp_path_factory):
    return module_app(db, module_settings(database_url, tmp_path_factory))


class World:
    """The seeded rows, and a caller for each role that can be replaced when the fuzzer deletes
    its account or revokes its token."""

    def __init__(self, app, db):
        self.db, self.settings = db, app.extensions["exchange"].settings
        self._n = count(1)
        with seeding(db, self.settings) as seed_:
            people = {name: seed_.member(name) for name in ("member", "alice", "bob", "mo")}
            member, alice, bob = people["member"], people["alice"], people["bob"]
            asks = [seed_.ask(alice), seed_.matched(alice, member), seed_.ask(member),
                    seed_.confirmed(member, bob), seed_.matched(member, bob)]
            self.real = {"ask_id": asks, "transfer_id": [seed_.transfer_of(asks[3])],
                         "flag_id": [seed_.flag(alice, bob), seed_.flag(member, alice)],
                         "handle": [p["handle"] for p in people.values()]}
            seed_.set(people["mo"], role="moderator")
        self.callers = {"member": member, "moderator": people["mo"]}

    def renew(self, role: str) -> None:
        with seeding(self.db, self.settings) as seed_:
            who = seed_.member(f"{role[:4]}{next(self._n)}")
            if role == "moderator":
                seed_.set(who, role="moderator")
        self.callers[role] = who


@pytest.fixture
def world(app, db):
    return World(app, db)


def fuzz_operations(app, world: World, role: str):
    """Every operation, both modes; returns (requests made per operation, failures)."""
    schema = schemathesis.openapi.from_wsgi(SPEC_PATH, app)
    made, failures = Counter(), []
    for result in schema.get_all_operations():
        operation = result.ok()
        label = operation.label
        names = [p.name for p in operation.path_parameters]
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategies = [operation.as_strategy(generation_mode=mode)]
            if names and all(n in world.real for n in names) and mode.is_positive:
                ids = st.fixed_dictionaries({n: st.sampled_from(world.real[n]) for n in names})
                strategies.append(ids.flatmap(
                    lambda p, o=operation, m=mode: o.as_strategy(generation_mode=m,
                                                                  path_parameters=p)))

            try:
                _fuzz(label, mode, st.one_of(strategies), world, role, made, failures)
            except Unsatisfiable:
                # Nothing in this operation can be made invalid (no parameters, no body).
                assert not mode.is_positive, label
    return made, failures


def _fuzz(label, mode, cases, world: World, role: str, made: Counter, failures: list) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              derandomize=SEED is None, suppress_health_check=list(HealthCheck))
    @given(case=cases)
    def run(case):
        made[label] += 1
        checks = list(CHECKS)
        if mode.is_positive and label in ACCEPTS_VALID and ACCEPTS_VALID[label](case):
            checks.append(positive_data_acceptance)
        try:
            response = case.call_and_validate(headers=world.callers[role]["headers"],
                                              checks=checks)
        except BaseExceptionGroup as group:
            failures.extend((label, mode.value, _describe(exc)) for exc in group.exceptions)
            return
        except AssertionError as exc:
            failures.append((label, mode.value, _describe(exc)))
            return
        if label in SIGNS_OUT and response.status_code < 300:
            world.renew(role)

    if SEED is not None:
        run = seed(int(SEED))(run)
    run()


def _describe(exc) -> str:
    return f"{getattr(exc, 'title', type(exc).__name__)}: {getattr(exc, 'message', exc)}"


def _report(role, made, failures) -> str:
    distinct = {}
    for label, mode, text in failures:
        distinct.setdefault((label, text.split("\n\n")[0]), (mode, text))
    lines = [f"{role}: {sum(made.values())} requests, {len(failures)} failures"]
    for (label, _), (mode, text) in sorted(distinct.items()):
        lines.append(f"--- {label} ({mode})\n{text[:1200]}")
    return "\n".join(lines)


@pytest.mark.parametrize("role", ["member", "moderator"])
def test_every_operation_keeps_its_documented_promises(app, world, role):
    made, failures = fuzz_operations(app, world, role)
    report = _report(role, made, failures)
    print(report)  # the request count, in the log of a passing run too (pytest -s)
    assert not failures, report
    assert sum(made.values()) >= MIN_REQUESTS, report
    assert len(made) >= 50, "every operation in the document was called"

