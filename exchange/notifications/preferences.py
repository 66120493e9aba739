"""Who hears of what, where: each notification kind's channels, a member's choices over them.

Three channels: ``live`` (the Socket.IO push while a page is open), ``email`` and ``push``
(Web Push). Each kind has defaults (``DEFAULTS``) chosen so that what a helper or asker would
want to hear of off the page reaches them, and the small things don't fill an inbox: offers,
messages and thanks go everywhere; an ask someone else took, or one that
closed before anyone took it, is only live; nudges are never
emailed unless asked for.

Some notices are not a member's to switch off (``ALWAYS``): a moderator's warning, a
suspension, a hidden ask with the reason. They still go live, by email and by push whatever
the settings say — a member must learn what was done and why. Account mail (verification,
password reset) is not a notification and has no setting at all.

A member's choices are stored only where they differ from the defaults (``NotificationSetting``
rows); ``for_member`` and ``effective`` read them back merged.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import bindparam, select

from exchange.notifications.models import KINDS, NotificationSetting


@dataclass(frozen=True)
class Channels:
    live: bool
    email: bool
    push: bool

    def as_dict(self) -> dict:
        return asdict(self)


ALL = Channels(True, True, True)
LIVE_AND_EMAIL = Channels(True, True, False)
LIVE_ONLY = Channels(True, False, False)

DEFAULTS: dict[str, Channels] = {
    "ask.offered": ALL,
    "ask.taken": LIVE_ONLY,
    "ask.accepted": ALL,
    "ask.withdrawn": LIVE_AND_EMAIL,
    "ask.cancelled": LIVE_AND_EMAIL,
    "ask.delivered": ALL,
    "ask.confirmed": LIVE_AND_EMAIL,
    "ask.expired": LIVE_AND_EMAIL,
    "ask.still_open": LIVE_AND_EMAIL,
    "message.new": ALL,
    "thanks.received": ALL,
    "reminder": LIVE_AND_EMAIL,
    "nudge": LIVE_ONLY,
    "mod.flagged": LIVE_ONLY,
    "mod.warning": ALL,
    "account.suspended": ALL,
    "ask.hidden": ALL,
    "offer.closed": LIVE_ONLY,
}
ALWAYS = frozenset({"mod.warning", "account.suspended", "ask.hidden"})

# What each kind is, in words a member reads (settings, unsubscribe pages).
LABELS: dict[str, str] = {
    "ask.offered": "asks you could help with",
    "ask.taken": "an ask you were offered being taken by someone else",
    "ask.accepted": "someone offering to help with your ask",
    "ask.withdrawn": "a helper stepping back from your ask",
    "ask.cancelled": "an ask you were helping with being cancelled",
    "ask.delivered": "a helper marking your ask as done",
    "ask.confirmed": "your help being confirmed",
    "ask.expired": "your ask closing after its time passed",
    "ask.still_open": "your ask staying open a little longer",
    "message.new": "new messages about an ask",
    "thanks.received": "thanks for your help",
    "reminder": "reminders about asks you're part of",
    "nudge": "gentle suggestions",
    "mod.flagged": "new reports for moderators",
    "mod.warning": "notes from the moderators",
    "account.suspended": "changes to your account",
    "ask.hidden": "an ask of yours being hidden by a moderator",
    "offer.closed": "an ask you were offered closing before anyone took it",
    "digest": "the digest of open asks",
}
DIGESTS = ("off", "daily", "weekly")

assert set(DEFAULTS) == set(KINDS), "every notification kind has default channels"
assert set(LABELS) == set(KINDS) | {"digest"}, "every kind has words"


def for_member(session, member_id: int) -> dict[str, Channels]:
    """Every kind's channels for this member: the defaults with their choices over them."""
    chosen = {row.kind: Channels(row.live, row.email, row.push) for row in session.scalars(
        select(NotificationSetting).where(NotificationSetting.member_id == member_id))}
    return {kind: (DEFAULTS[kind] if kind in ALWAYS else chosen.get(kind, DEFAULTS[kind]))
            for kind in KINDS}


def effective(session, member_id: int, kind: str) -> Channels:
    """One kind's channels for this member (the notices in ``ALWAYS`` on every channel)."""
    if kind in ALWAYS:
        return DEFAULTS[kind]
    row = session.get(NotificationSetting, (member_id, kind))
    return Channels(row.live, row.email, row.push) if row is not None else DEFAULTS[kind]


_SETTINGS = NotificationSetting.__table__
_CHOSEN_MANY = select(_SETTINGS.c.member_id, _SETTINGS.c.live, _SETTINGS.c.email,
                      _SETTINGS.c.push).where(
    _SETTINGS.c.member_id.in_(bindparam("members", expanding=True)),
    _SETTINGS.c.kind == bindparam("kind"))


def effective_many(session, member_ids: list[int], kind: str) -> dict[int, Channels]:
    """``effective`` for many members at once, in one query (none for an ``ALWAYS`` kind);
    a statement built once, as a wave runs it for every ask."""
    if kind in ALWAYS or not member_ids:
        return {m: DEFAULTS[kind] for m in member_ids}
    chosen = {row.member_id: Channels(row.live, row.email, row.push) for row in session.execute(
        _CHOSEN_MANY, {"members": sorted(set(member_ids)), "kind": kind})}
    return {m: chosen.get(m, DEFAULTS[kind]) for m in member_ids}


def choose(session, member_id: int, kind: str, **channels: bool) -> Channels:
    """Set some channels of one kind (``live=``, ``email=``, ``push=``); returns the result.
    A choice equal to the defaults leaves no row behind. ``ALWAYS`` kinds cannot change."""
    if kind not in DEFAULTS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if kind in ALWAYS:
        return DEFAULTS[kind]
    current = effective(session, member_id, kind).as_dict()
    wanted = Channels(**{**current, **{k: bool(v) for k, v in channels.items()}})
    row = session.get(NotificationSetting, (member_id, kind))
    if wanted == DEFAULTS[kind]:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(NotificationSetting(member_id=member_id, kind=kind, **wanted.as_dict()))
    else:
        row.live, row.email, row.push = wanted.live, wanted.email, wanted.push
    session.flush()
    return wanted
