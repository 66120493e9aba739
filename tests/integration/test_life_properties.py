"""The whole life of asks, as a stateful property test (issue 13): members post, helpers accept
(two at once, too), withdraw, pass, deliver; askers cancel, confirm (and confirm again), thank;
matching sends waves; a moderator suspends and reinstates members and reverses helps; members
delete their accounts — in any order hypothesis finds, through the API as a member or a
moderator would, with matching run as its job runs it.

A model of what should have happened predicts every answer (the status code) and, after every
step, the database is read back and must agree:

- every ask is where the model says, and got there along the contract's diagram (its previous
  state is tracked per ask), its helper as the state requires;
- the ledger sums to 0 and `exchange ledger verify`'s checks all pass;
- exactly one help transfer per confirmed ask (author → helper, the confirmed minutes), at
  most one reversal per help (a moderator's correction), none for any other ask;
- each member's totals (``ledger.totals``, a deleted member's tombstone too) equal the sums
  of their entries and what the model expects; whenever the ledger or the membership moved,
  the same totals are read as the API reports them (``GET /me/balance``, which returns them,
  and the community view's minutes and helps);
- at most one accepted offer per ask; no offer to the author, to a member who passed or
  withdrew, or to anyone not active; the match pool holds exactly the rows its triggers should;
- thanks only for confirmed asks, once; one audit entry per moderator's action;
- and at the end of each example ``exchange ledger verify`` and ``exchange audit verify`` say OK.

Every example starts from empty tables. The examples run are counted (printed: run with
``-rP`` to see the line), and the run must have reached each kind of step that changes
something — so a model that refuses everything cannot pass quietly. ``EXCHANGE_LIFE_EXAMPLES``
asks for more examples (and a random rather than fixed draw) when exploring by hand.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select, text

from exchange.asks import ledger_check
from exchange.asks.models import Ask, AskSkip, Thanks
from exchange.dispatch import Dispatcher
from exchange.ledger import service as ledger
from exchange.ledger.models import Transfer
from exchange.matching import service as matching
from exchange.matching.models import MatchWave
from exchange.matching.pool import REFRESH_ALL
from exchange.members.models import Member
from exchange.members.service import issue_token
from exchange.moderation.models import AuditEntry
from exchange.offers.models import Offer
from exchange.uow import UnitOfWork
from tests.integration.support import empty_tables, in_lockstep
from tests.web.api_routes import module_settings

MEMBERS = 4
CAPACITY = 3
MAX_OPEN = 5  # exchange.asks.service.MAX_OPEN_ASKS, as the contract states it (§11)

# The contract's diagram (§4), written out: (from, to) for every edge a step may take.
EDGES = {("open", "matched"), ("matched", "open"), ("matched", "delivered"),
         ("matched", "confirmed"), ("delivered", "confirmed"), ("open", "cancelled"),
         ("matched", "cancelled"), ("open", "expired")}
HELD = {"matched", "delivered", "confirmed"}  # a helper is named; open/expired: nobody

EXAMPLES = int(os.environ.get("EXCHANGE_LIFE_EXAMPLES", "40"))
life = settings(max_examples=EXAMPLES, stateful_step_count=30, deadline=None, database=None,
                derandomize="EXCHANGE_LIFE_EXAMPLES" not in os.environ,
                suppress_health_check=[HealthCheck.too_slow],
                phases=[p for p in Phase if p is not Phase.shrink or
                        "EXCHANGE_LIFE_NO_SHRINK" not in os.environ])

# What the run did, over all examples (the closing note quotes these).
RUN: Counter = Counter()

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("life")]

# Mostly a step by the one it suits; now and then anyone (most of those are refused).
fitting = st.sampled_from([True, True, True, False])
anyone = st.integers(0, MEMBERS - 1)
pick = st.integers(0, 1 << 16)


@dataclass
class Person:
    id: int
    handle: str
    headers: dict
    status: str = "active"  # active | suspended | deleted


@dataclass
class AskModel:
    id: int
    author: int
    minutes: int
    status: str = "open"
    helper: int | None = None
    actual: int | None = None
    hidden: bool = False  # hidden by its author's suspension
    skips: dict[int, str] = field(default_factory=dict)  # member → withdrew | passed
    thanked: bool = False
    reversed: bool = False
    waves: dict[int, int] = field(default_factory=dict)  # match round → waves sent


class Life(RuleBasedStateMachine):
    def __init__(self, app, db, make_uow, run_cli):
        super().__init__()
        self.client, self.db, self.make_uow = app.test_client(), db, make_uow
        self.app, self.run_cli = app, run_cli
        empty_tables(db)
        with make_uow() as uow:
            rows = [Member(handle=f"life{i}", email=f"life{i}@example.org",
                           display_name=f"Life {i}", capacity=CAPACITY) for i in range(MEMBERS)]
            rows.append(Member(handle="steward", email="steward@example.org",
                               display_name="Steward", role="moderator", helping=False))
            uow.session.add_all(rows)
            uow.flush()
            people = [Person(m.id, m.handle, {"Authorization": "Bearer "
                                              + issue_token(uow, member=m)}) for m in rows]
            uow.commit()
        *self.people, self.mod = people
        self.by_id = {p.id: p for p in self.people}
        self.asks: dict[int, AskModel] = {}
        self.seen: dict[int, str] = {}  # ask → the status the database last showed
        self.reported = None  # (transfers, member statuses) when the API was last read
        self.audited: Counter = Counter()  # moderators' actions that went through
        self.races = 0
        RUN["examples"] += 1

    # -- calling the API ------------------------------------------------------------------

    def call(self, who: Person, method: str, path: str, **kwargs):
        RUN["requests"] += 1
        return self.client.open("/api/v1" + path, method=method, headers=who.headers, **kwargs)

    def expect(self, response, code: int, what: str) -> None:
        assert response.status_code == code, (what, code, response.status_code,
                                              response.get_data(as_text=True)[:300])
        RUN[f"{what} {code}"] += 1

    def gate(self, who: Person) -> int | None:
        """The answer every write gets from who is not active: 401 once deleted (the token is
        gone with the account), 403 while suspended. None: active, go on."""
        return {"active": None, "suspended": 403, "deleted": 401}[who.status]

    def visible(self, who: Person, ask: AskModel) -> bool:
        if who.id in (ask.author, ask.helper):
            return True
        return not ask.hidden and self.by_id[ask.author].status != "deleted"

    def load(self, member_id: int) -> int:
        return sum(1 for a in self.asks.values()
                   if a.helper == member_id and a.status in ("matched", "delivered"))

    def some(self, *states: str) -> bool:
        """A rule runs when some ask is where it can act (it may still pick another one)."""
        return any(a.status in states for a in self.asks.values())

    def choose(self, n: int, fit: bool, suits) -> AskModel:
        pool = sorted(self.asks)
        suited = [i for i in pool if suits(self.asks[i])]
        ids = suited if fit and suited else pool
        return self.asks[ids[n % len(ids)]]

    def person(self, who: int, fit: bool, prefer=None) -> Person:
        if fit and prefer is not None and prefer in self.by_id:
            return self.by_id[prefer]
        return self.people[who]

    # -- members --------------------------------------------------------------------------

    @rule(who=anyone, fit=fitting, minutes=st.integers(5, 120),
          bad=st.sampled_from([False] * 9 + [True]))
    def post(self, who, fit, minutes, bad):
        active = [p for p in self.people if p.status == "active"]
        person = active[who % len(active)] if fit and active else self.people[who]
        body = {"title": "Read one paragraph of my essay", "minutes": 121 if bad else minutes}
        r = self.call(person, "POST", "/asks", json=body)
        gate = self.gate(person)
        open_now = sum(1 for a in self.asks.values()
                       if a.author == person.id and a.status == "open")
        if bad:  # the body is checked before anything else
            return self.expect(r, 422, "post")
        if gate:
            return self.expect(r, gate, "post")
        if open_now >= MAX_OPEN:
            return self.expect(r, 409, "post")
        self.expect(r, 201, "post")
        ask = r.get_json()
        self.asks[ask["id"]] = AskModel(ask["id"], person.id, minutes)
        self.seen[ask["id"]] = "open"

    @precondition(lambda self: self.some("open"))
    @rule(n=pick)
    def wave(self, n):
        """The matching job's one wave for an open ask, as ``workers.matching.match_ask`` runs
        it (the next wave of the ask's current round)."""
        ask = self.choose(n, True, lambda a: a.status == "open")
        with self.make_uow() as uow:
            round_ = uow.session.get(Ask, ask.id).match_round
            wave = ask.waves.get(round_, 0) + 1
            offered = matching.run_wave(uow, ask_id=ask.id, round_=round_, wave=wave)
            uow.commit()
        if ask.status != "open" or ask.hidden:
            assert offered is None
            return
        ask.waves[round_] = wave
        RUN["wave"] += 1
        RUN["offers"] += len(offered or [])
        for member_id in offered or []:
            person = self.by_id.get(member_id)
            assert person is not None and person.status == "active", member_id
            assert member_id != ask.author and member_id not in ask.skips, member_id
            assert self.load(member_id) < CAPACITY, member_id

    @precondition(lambda self: self.some("confirmed")
                  and all(p.status != "suspended" for p in self.people))
    @rule(who=anyone, fit=fitting, days=st.integers(1, 365))
    def suspend(self, who, fit, days):
        active = [p for p in self.people if p.status == "active"]
        person = active[who % len(active)] if fit and active else self.people[who]
        r = self.call(self.mod, "POST", f"/mod/members/{person.handle}/suspend",
                      json={"days": days, "reason": "Repeated spam."})
        if person.status == "deleted":
            return self.expect(r, 404, "suspend")
        self.expect(r, 200, "suspend")
        self.audited["suspend"] += 1
        person.status = "suspended"
        for ask in self.asks.values():
            if ask.author == person.id and ask.status == "open":
                ask.hidden = True

    @precondition(lambda self: any(p.status == "suspended" for p in self.people))
    @rule(who=anyone, fit=fitting)
    def reinstate(self, who, fit):
        suspended = [p for p in self.people if p.status == "suspended"]
        person = suspended[0] if fit else self.people[who]
        r = self.call(self.mod, "POST", f"/mod/members/{person.handle}/reinstate",
                      json={"reason": "Served the suspension."})
        if person.status == "deleted":
            return self.expect(r, 404, "reinstate")
        if person.status != "suspended":
            return self.expect(r, 409, "reinstate")
        self.expect(r, 200, "reinstate")
        self.audited["reinstate"] += 1
        person.status = "active"
        for ask in self.asks.values():
            if ask.author == person.id:
                ask.hidden = False

    @precondition(lambda self: any(a.status == "confirmed" for a in self.asks.values())
                  and all(p.status != "deleted" for p in self.people))
    @rule(who=anyone, fit=fitting)
    def delete_account(self, who, fit):
        """Once per example, and only once some help has been confirmed: a tombstone with
        entries is the case that matters."""
        person = self.people[who]
        if fit and person.status != "active":
            return
        r = self.call(person, "DELETE", "/me")
        if self.gate(person):
            return self.expect(r, self.gate(person), "delete")
        self.expect(r, 204, "delete")
        person.status = "deleted"
        for ask in self.asks.values():
            if ask.author == person.id and ask.status in ("open", "matched"):
                ask.status = "cancelled"
            elif ask.helper == person.id and ask.status == "matched":
                ask.status, ask.helper = "open", None
                ask.skips[person.id] = "withdrew"

    # -- helpers ---------------------------------------------------------------------------

    def _accept_answer(self, person: Person, ask: AskModel) -> int:
        if self.gate(person):
            return self.gate(person)
        if not self.visible(person, ask):
            return 404
        if ask.helper == person.id and ask.status in ("matched", "delivered"):
            return 200  # a retry of an accept already won
        if ask.author == person.id:
            return 403
        if ask.status != "open" or ask.skips.get(person.id) == "withdrew":
            return 409
        if self.load(person.id) >= CAPACITY:
            return 409
        return 200

    def _accepted(self, person: Person, ask: AskModel) -> None:
        if ask.status == "open":
            ask.status, ask.helper = "matched", person.id

    @precondition(lambda self: self.some("open"))
    @rule(n=pick, who=anyone, fit=fitting)
    def accept(self, n, who, fit):
        ask = self.choose(n, fit, lambda a: a.status == "open")
        able = [p for p in self.people if self._accept_answer(p, ask) == 200]
        person = able[who % len(able)] if fit and able else self.people[who]
        want = self._accept_answer(person, ask)
        r = self.call(person, "POST", f"/asks/{ask.id}/accept")
        self.expect(r, want, "accept")
        if want == 200:
            self._accepted(person, ask)

    @precondition(lambda self: self.races < 2)  # else races crowd out every other step
    @rule(who=anyone, first=anyone, gap=st.integers(1, MEMBERS - 1),
          minutes=st.integers(5, 120))
    def race(self, who, first, gap, minutes):
        """Two helpers accept one fresh ask at the same moment: exactly one wins (200), the
        other is told it was taken (409); the asker confirms at once. Which one wins is the
        database's choice, not hypothesis's, so the ask is closed straight away: nothing a later
        step draws may depend on the winner (the same draws must lead to the same states)."""
        authors = [p for p in self.people if p.status == "active" and sum(
            1 for a in self.asks.values() if a.author == p.id and a.status == "open") < MAX_OPEN]
        if not authors:
            return
        self.races += 1
        author = authors[who % len(authors)]
        r = self.call(author, "POST", "/asks", json={"title": "Two of you at once, please",
                                                     "minutes": minutes})
        self.expect(r, 201, "post")
        ask = self.asks[r.get_json()["id"]] = AskModel(r.get_json()["id"], author.id, minutes)
        self.seen[ask.id] = "open"
        able = [p for p in self.people if self._accept_answer(p, ask) == 200]
        if len(able) < 2:
            return  # nobody to race: the ask stays open like any other
        pair = [able[first % len(able)], able[(first + gap) % len(able)]]
        if pair[0] is pair[1]:
            pair[1] = able[(first + 1) % len(able)]
        clients = [self.app.test_client() for _ in pair]
        answers = in_lockstep(2, lambda i: clients[i].post(f"/api/v1/asks/{ask.id}/accept",
                                                           headers=pair[i].headers))
        codes = sorted(a.status_code for a in answers)
        assert codes == [200, 409], [(a.status_code, a.get_json()) for a in answers]
        (winner,) = [p for p, a in zip(pair, answers, strict=True) if a.status_code == 200]
        (loser,) = [a for a in answers if a.status_code == 409]
        assert loser.get_json()["reason"] == "ask_taken"
        self._accepted(winner, ask)
        with self.make_uow() as uow:  # the step between, as the diagram has it
            row = uow.session.get(Ask, ask.id)
            assert (row.status, row.helper_id) == ("matched", winner.id)
        self.seen[ask.id] = "matched"
        RUN["race won by one of two"] += 1
        r = self.call(author, "POST", f"/asks/{ask.id}/confirm", json={})
        self.expect(r, 200, "confirm")
        ask.status, ask.actual = "confirmed", minutes

    @precondition(lambda self: self.some("matched"))
    @rule(n=pick, who=anyone, fit=fitting)
    def withdraw(self, n, who, fit):
        ask = self.choose(n, fit, lambda a: a.status == "matched")
        person = self.person(who, fit, ask.helper)
        r = self.call(person, "POST", f"/asks/{ask.id}/withdraw")
        if self.gate(person):
            return self.expect(r, self.gate(person), "withdraw")
        if not self.visible(person, ask):
            return self.expect(r, 404, "withdraw")
        if ask.status == "open" and ask.skips.get(person.id) == "withdrew":
            return self.expect(r, 200, "withdraw")  # a retry
        if ask.helper != person.id:
            return self.expect(r, 403, "withdraw")
        if ask.status != "matched":
            return self.expect(r, 409, "withdraw")
        self.expect(r, 200, "withdraw")
        ask.status, ask.helper = "open", None
        ask.skips[person.id] = "withdrew"

    @precondition(lambda self: self.some("open"))
    @rule(n=pick, who=anyone)
    def pass_(self, n, who):
        ask = self.choose(n, True, lambda a: a.status == "open")
        person = self.people[who]
        r = self.call(person, "POST", f"/asks/{ask.id}/pass")
        if self.gate(person):
            return self.expect(r, self.gate(person), "pass")
        if not self.visible(person, ask):
            return self.expect(r, 404, "pass")
        if ask.author == person.id:
            return self.expect(r, 403, "pass")
        if ask.helper == person.id and ask.status in ("matched", "delivered"):
            return self.expect(r, 409, "pass")
        self.expect(r, 204, "pass")
        ask.skips.setdefault(person.id, "passed")

    @precondition(lambda self: self.some("matched"))
    @rule(n=pick, who=anyone, fit=fitting)
    def deliver(self, n, who, fit):
        ask = self.choose(n, fit, lambda a: a.status == "matched")
        person = self.person(who, fit, ask.helper)
        r = self.call(person, "POST", f"/asks/{ask.id}/deliver")
        if self.gate(person):
            return self.expect(r, self.gate(person), "deliver")
        if not self.visible(person, ask):
            return self.expect(r, 404, "deliver")
        if ask.helper != person.id:
            return self.expect(r, 403, "deliver")
        if ask.status in ("delivered", "confirmed"):
            return self.expect(r, 200, "deliver")
        if ask.status != "matched":
            return self.expect(r, 409, "deliver")
        self.expect(r, 200, "deliver")
        ask.status = "delivered"

    # -- askers ----------------------------------------------------------------------------

    def _author_answer(self, person: Person, ask: AskModel) -> int | None:
        if self.gate(person):
            return self.gate(person)
        if not self.visible(person, ask):
            return 404
        if ask.author != person.id:
            return 403
        return None

    @precondition(lambda self: self.some("open", "matched"))
    @rule(n=pick, who=anyone, fit=st.sampled_from([True, *[False] * 7]))
    def cancel(self, n, who, fit):
        ask = self.choose(n, fit, lambda a: a.status in ("open", "matched"))
        person = self.person(who, fit, ask.author)
        r = self.call(person, "POST", f"/asks/{ask.id}/cancel")
        refused = self._author_answer(person, ask)
        if refused:
            return self.expect(r, refused, "cancel")
        if ask.status == "cancelled":
            return self.expect(r, 200, "cancel")
        if ask.status not in ("open", "matched"):
            return self.expect(r, 409, "cancel")
        self.expect(r, 200, "cancel")
        ask.status = "cancelled"

    @precondition(lambda self: self.some("matched", "delivered"))
    @rule(n=pick, who=anyone, fit=fitting,
          minutes=st.sampled_from([None, 0, 241, *[None] * 4, *range(1, 241, 7)]),
          retry=st.booleans())
    def confirm(self, n, who, fit, minutes, retry):
        ask = self.choose(n, fit, lambda a: a.status in ("matched", "delivered"))
        person = self.person(who, fit, ask.author)
        body = {} if minutes is None else {"minutes": minutes}
        for attempt in range(2 if retry else 1):
            r = self.call(person, "POST", f"/asks/{ask.id}/confirm", json=body)
            refused = self._author_answer(person, ask)
            if minutes in (0, 241):  # the body is checked before anything else
                self.expect(r, 422, "confirm")
            elif refused:
                self.expect(r, refused, "confirm")
            elif ask.status == "confirmed":
                self.expect(r, 200, "confirm again" if attempt else "confirm")
                assert r.get_json()["status"] == "confirmed"
            elif ask.status not in ("matched", "delivered"):
                self.expect(r, 409, "confirm")
            else:
                self.expect(r, 200, "confirm")
                ask.status, ask.actual = "confirmed", minutes or ask.minutes

    @precondition(lambda self: self.some("confirmed"))
    @rule(n=pick, who=anyone, fit=fitting)
    def thanks(self, n, who, fit):
        ask = self.choose(n, fit, lambda a: a.status == "confirmed" and not a.thanked)
        person = self.person(who, fit, ask.author)
        r = self.call(person, "POST", f"/asks/{ask.id}/thanks",
                      json={"message": "Thank you, that helped a lot."})
        refused = self._author_answer(person, ask)
        if refused:
            return self.expect(r, refused, "thanks")
        if ask.status != "confirmed" or ask.thanked:
            return self.expect(r, 409, "thanks")
        self.expect(r, 201, "thanks")
        ask.thanked = True

    # -- the moderator's correction ---------------------------------------------------------

    @precondition(lambda self: any(a.status == "confirmed" for a in self.asks.values()))
    @rule(n=pick, of_reversal=st.sampled_from([False] * 4 + [True]))
    def reverse(self, n, of_reversal):
        confirmed = sorted(i for i, a in self.asks.items() if a.status == "confirmed")
        fresh = [i for i in confirmed if not self.asks[i].reversed]
        ask = self.asks[(fresh or confirmed)[n % len(fresh or confirmed)]]
        with self.make_uow() as uow:
            help_id = ledger.transfer_for_ask(uow.session, ask.id).id
            reversal = uow.session.scalar(select(Transfer.id).where(
                Transfer.reverses_id == help_id))
        target = reversal if of_reversal and reversal else help_id
        r = self.call(self.mod, "POST", f"/mod/transfers/{target}/reverse",
                      json={"reason": "Logged twice by mistake."})
        if target != help_id or ask.reversed:
            return self.expect(r, 409, "reverse")  # a reversal's, or a second, reversal
        self.expect(r, 201, "reverse")
        self.audited["reverse_transfer"] += 1
        ask.reversed = True

    # -- after every step -------------------------------------------------------------------

    @invariant()
    def asks_move_only_along_the_diagram(self):
        with self.make_uow() as uow:
            rows = uow.session.execute(select(Ask.id, Ask.status, Ask.helper_id, Ask.hidden,
                                              Ask.actual_minutes)).all()
        assert {row.id for row in rows} == set(self.asks)
        for row in rows:
            before, model = self.seen[row.id], self.asks[row.id]
            assert row.status == before or (before, row.status) in EDGES, (row.id, before,
                                                                           row.status)
            self.seen[row.id] = row.status
            assert (row.status, row.helper_id, row.hidden) == (
                model.status, model.helper, model.hidden), (row, model)
            assert (row.helper_id is not None) == (row.status in HELD) or (
                row.status == "cancelled"), row
            if row.status == "confirmed":
                assert row.actual_minutes == model.actual, (row, model)
        RUN["steps checked"] += 1

    @invariant()
    def the_ledger_verifies(self):
        with self.make_uow() as uow:
            s = uow.session
            assert ledger.entries_total(s) == 0
            report = ledger_check.verify(s)
            assert report.ok, report.problems
            rows = s.execute(select(Transfer.id, Transfer.kind, Transfer.ask_id,
                                    Transfer.reverses_id, Transfer.from_member_id,
                                    Transfer.to_member_id, Transfer.minutes)).all()
        helps = {t.ask_id: t for t in rows if t.kind == "help"}
        reversals = [t for t in rows if t.kind == "reversal"]
        confirmed = {a.id: a for a in self.asks.values() if a.status == "confirmed"}
        assert set(helps) == set(confirmed)
        for ask_id, t in helps.items():
            ask = confirmed[ask_id]
            assert (t.from_member_id, t.to_member_id, t.minutes) == (
                ask.author, ask.helper, ask.actual)
        by_id = {t.id: t for t in helps.values()}
        assert sorted(r.reverses_id for r in reversals) == sorted(
            t.id for a, t in helps.items() if confirmed[a].reversed)
        for r in reversals:
            original = by_id[r.reverses_id]
            assert (r.from_member_id, r.to_member_id, r.minutes) == (
                original.to_member_id, original.from_member_id, original.minutes)

    def expected_totals(self, member_id: int) -> dict:
        kept = [a for a in self.asks.values() if a.status == "confirmed" and not a.reversed]
        given = [a.actual for a in kept if a.helper == member_id]
        received = [a.actual for a in kept if a.author == member_id]
        return {"given_minutes": sum(given), "received_minutes": sum(received),
                "balance": sum(given) - sum(received), "helps_given": len(given),
                "asks_received": len(received)}

    @invariant()
    def totals_equal_the_entries(self):
        with self.make_uow() as uow:
            sums = ledger.sums_by_member(uow.session)
            totals = {p.id: ledger.totals(uow.session, p.id) for p in self.people}
            transfers = uow.session.scalar(select(func.count()).select_from(Transfer))
        for person in self.people:
            want = self.expected_totals(person.id)
            assert totals[person.id] == want, (person, totals[person.id], want)
            assert sums.get(person.id, (0, 0)) == (want["given_minutes"],
                                                   want["received_minutes"])
        # The same totals as the API reports them, whenever the ledger or the membership moved
        # (``GET /me/balance`` returns ``ledger.totals``; reading it after every step would
        # only repeat the read above at the price of most of the run).
        moment = (transfers, tuple(p.status for p in self.people))
        if moment != self.reported:
            self.reported = moment
            self.totals_as_the_api_reports_them(totals)

    def totals_as_the_api_reports_them(self, totals: dict) -> None:
        for person in self.people:
            if person.status == "deleted":  # a tombstone has no sign-in: the service's word
                continue
            r = self.call(person, "GET", "/me/balance")  # suspended: still reads own data
            assert (r.status_code, r.get_json()) == (200, totals[person.id]), person
        view = self.call(self.mod, "GET", "/stats/community").get_json()
        assert view["minutes_exchanged"] == sum(t["given_minutes"] for t in totals.values())
        assert view["helps_confirmed"] == sum(t["helps_given"] for t in totals.values())
        assert view["members"] == 1 + sum(p.status != "deleted" for p in self.people)
        RUN["totals read through the API"] += 1

    @invariant()
    def offers_skips_thanks_and_the_pool_hold(self):
        with self.make_uow() as uow:
            s = uow.session
            accepted = s.execute(select(Offer.ask_id, func.count()).where(
                Offer.response == "accepted").group_by(Offer.ask_id)).all()
            offers = s.execute(select(Offer.ask_id, Offer.member_id, Offer.response)).all()
            skips = {(k.ask_id, k.member_id): k.reason for k in s.scalars(select(AskSkip))}
            thanked = list(s.scalars(select(Thanks.ask_id)))
            pool = sorted(s.execute(text(
                "SELECT member_id, tag, last_offered_at, area, timezone FROM match_pool")).all())
            dialect = s.get_bind().dialect.name
            derived = sorted(s.execute(text(REFRESH_ALL[dialect].split("\n", 2)[2])).all())
            waves = s.scalar(select(func.count()).select_from(MatchWave))
        assert all(n == 1 for _, n in accepted), accepted
        for ask_id, member_id, response in offers:
            if response == "accepted":  # the helper who holds it (or held it when cancelled)
                assert self.asks[ask_id].helper == member_id, (ask_id, member_id)
        assert skips == {(a.id, m): why for a in self.asks.values() for m, why in a.skips.items()}
        assert sorted(thanked) == sorted(a.id for a in self.asks.values() if a.thanked)
        assert pool == derived
        assert waves == sum(sum(a.waves.values()) for a in self.asks.values())

    @invariant()
    def each_moderators_action_is_audited(self):
        with self.make_uow() as uow:
            actions = Counter(dict(uow.session.execute(select(
                AuditEntry.action, func.count()).group_by(AuditEntry.action)).all()))
        assert actions == self.audited  # every moderator's action, and nothing else

    def teardown(self):
        """At the end of each example, the operator's own checks, as they would run them."""
        result = self.run_cli("ledger", "verify")
        assert (result.exit_code, result.output[:3]) == (0, "OK:"), result.output
        result = self.run_cli("audit", "verify")
        assert (result.exit_code, result.output[:2]) == (0, "OK"), result.output
        RUN["ledger and audit verified by the command line"] += 1


def test_the_whole_life_keeps_every_invariant(db, database_url, tmp_path_factory, run_cli):
    app_settings = module_settings(database_url, tmp_path_factory)
    from web import create_app
    app = create_app(app_settings, db=db, dispatcher=Dispatcher())

    def make_uow():
        return UnitOfWork(db, Dispatcher(), app_settings)

    before = RUN["examples"]
    run_state_machine_as_test(lambda: Life(app, db, make_uow, run_cli), settings=life)
    ran = RUN["examples"] - before
    print(f"life property: {ran} examples, {RUN['steps checked']} steps checked, "
          f"{RUN['requests']} requests; " + ", ".join(
              f"{k}: {v}" for k, v in sorted(RUN.items())
              if k not in ("examples", "steps checked", "requests")))
    assert ran >= min(EXAMPLES, 10)
    if ran < 30:
        return  # a short run by hand (EXCHANGE_LIFE_EXAMPLES) need not reach everything
    # The run went everywhere the life goes, not only into refusals.
    for reached in ("totals read through the API", "post 201", "accept 200",
                    "race won by one of two", "withdraw 200", "pass 204", "deliver 200",
                    "confirm 200", "confirm again 200",
                    "thanks 201", "suspend 200", "reinstate 200", "reverse 201", "delete 204",
                    "wave", "offers", "ledger and audit verified by the command line"):
        assert RUN[reached] > 0, (reached, RUN)
