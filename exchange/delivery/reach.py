"""How the exchange reaches a member off the page: their notification settings as one object.

``settings_of`` reads them: each kind's channels (``live``, ``email``, ``push``; the defaults
with the member's choices over them, ``exchange.notifications.preferences``), the notices that
always go (``always``), the digest (``off``, ``daily``, ``weekly``) and whether pushes may show
what an ask says (``push_details``). ``change_settings`` changes any part of that and answers
the whole again.

Rules: a notice in ``ALWAYS`` cannot be switched off on any channel (asking to is a field error;
asking to keep it on is fine), every part is checked before anything is written, and only an
active member may change anything (a suspended member reads, like every other write).
"""

from __future__ import annotations

from exchange.errors import InvalidInput
from exchange.members.models import Member
from exchange.members.service import require_active
from exchange.notifications import preferences
from exchange.notifications.preferences import ALWAYS, DIGESTS

ALWAYS_NOTE = "This one always reaches you: when a moderator acts, you should hear why."


def settings_of(session, member: Member) -> dict:
    kinds = preferences.for_member(session, member.id)
    return {"kinds": {kind: channels.as_dict() for kind, channels in kinds.items()},
            "always": sorted(ALWAYS), "digest": member.digest,
            "push_details": bool(member.push_details)}


def change_settings(uow, *, actor: Member, kinds: dict | None = None,
                    digest: str | None = None, push_details: bool | None = None) -> dict:
    """Apply the parts given (``kinds`` maps a kind to the channels to set) and answer all."""
    require_active(actor)
    kinds = kinds or {}
    _check(kinds, digest)
    for kind, channels in kinds.items():
        if kind not in ALWAYS and channels:
            preferences.choose(uow.session, actor.id, kind, **channels)
    if digest is not None:
        actor.digest = digest
    if push_details is not None:
        actor.push_details = push_details
    uow.flush()
    return settings_of(uow.session, actor)


def _check(kinds: dict, digest: str | None) -> None:
    unknown = {kind: ["We don't know this kind of notification."]
               for kind in kinds if kind not in preferences.DEFAULTS}
    fixed = {kind: {channel: [ALWAYS_NOTE] for channel, on in channels.items() if not on}
             for kind, channels in kinds.items() if kind in ALWAYS}
    fixed = {kind: off for kind, off in fixed.items() if off}
    if unknown or fixed:
        message = ("Some notices always reach you, so they can't be switched off." if fixed
                   else "We don't know that kind of notification.")
        raise InvalidInput(message, fields={"kinds": {**unknown, **fixed}})
    if digest is not None and digest not in DIGESTS:
        raise InvalidInput("Choose off, daily or weekly.",
                           fields={"digest": [f"One of {', '.join(DIGESTS)}."]})
