"""Seed a small demo community (``exchange demo``) through the ordinary services.

Everything goes through the same verbs a member's request would use (register, update the
profile, post, accept, deliver, confirm, thank, message), so the demo data obeys every rule
and the ledger invariant; rate limits are switched off for the seeding unit of work only.

Idempotent: the whole community is written in one transaction, so it is either all there or
not at all, and a second run finds the marker member (the moderator, by the demo email) and
changes nothing. Every demo member signs in with ``DEMO_PASSWORD``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from exchange import demo_data
from exchange.asks import service as asks
from exchange.asks.thanks import send_thanks
from exchange.clock import utcnow
from exchange.conversation.service import post_message
from exchange.members import service as members
from exchange.members.admin import set_role
from exchange.members.models import Member
from exchange.uow import UnitOfWork

DEMO_PASSWORD = "small-asks-welcome"
EMAIL_DOMAIN = "demo.example.org"


@dataclass(frozen=True)
class DemoResult:
    created: bool
    members: int = 0
    asks: int = 0
    moderator: str = demo_data.MODERATOR


def demo_email(handle: str) -> str:
    return f"{handle}@{EMAIL_DOMAIN}"


def is_seeded(session) -> bool:
    return members.get_by_login(session, demo_email(demo_data.MODERATOR)) is not None


def seed(db, dispatcher, settings) -> DemoResult:
    with UnitOfWork(db, dispatcher, replace(settings, rate_limits=False)) as uow:
        if is_seeded(uow.session):
            return DemoResult(created=False)
        people = {p.handle: _add_member(uow, p) for p in demo_data.PEOPLE}
        for ask in demo_data.ASKS:
            _add_ask(uow, people, ask)
        uow.commit()
    return DemoResult(created=True, members=len(people), asks=len(demo_data.ASKS))


def _add_member(uow, person: demo_data.Person) -> Member:
    # Verified: the demo's addresses are made up, so no link could ever be opened; verified,
    # they show the mail a member would get (as .eml files under <instance>/mail/).
    member = members.register(uow, handle=person.handle, email=demo_email(person.handle),
                              password=DEMO_PASSWORD, display_name=person.name, verified=True)
    slots = [{"weekday": day, "start": _minutes(start), "end": _minutes(end)}
             for day, start, end in person.slots]
    members.update_profile(uow, actor=member, changes={
        "bio": person.bio, "timezone": person.timezone, "skills": list(person.skills),
        "availability": slots, "area": person.area, "capacity": person.capacity})
    if person.role != "member":
        set_role(uow, member=member, role=person.role)
    return member


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _add_ask(uow, people: dict[str, Member], spec: demo_data.Ask) -> None:
    author = people[spec.author]
    ask = asks.post_ask(uow, actor=author, data=_ask_fields(spec))
    if spec.helper is None:
        return
    helper = people[spec.helper]
    asks.accept_ask(uow, actor=helper, ask_id=ask.id)
    for who, body in spec.messages:
        post_message(uow, actor=people[who], ask_id=ask.id, body=body)
    if not spec.confirm:
        return
    asks.deliver_ask(uow, actor=helper, ask_id=ask.id)
    asks.confirm_ask(uow, actor=author, ask_id=ask.id, minutes=spec.actual)
    if spec.thanks:
        message, impact = spec.thanks
        send_thanks(uow, actor=author, ask_id=ask.id, message=message, impact=impact)


def _ask_fields(spec: demo_data.Ask) -> dict:
    fields = {"title": spec.title, "details": spec.details, "minutes": spec.minutes,
              "tags": list(spec.tags), "mode": spec.mode, "area": spec.area}
    if spec.window_days:
        today = utcnow().replace(minute=0, second=0, microsecond=0)
        first, last = spec.window_days
        fields["window_start"] = today + timedelta(days=first)
        fields["window_end"] = today + timedelta(days=last)
    return fields
