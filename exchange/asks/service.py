"""Ask services: post, read, list, and the transitions of ``asks.states``.

Every transition is one conditional UPDATE (``WHERE id = ? AND status IN (sources)``): exactly
one of any number of racing callers changes the row, the rest see 0 rows and lose with 409.
Retrying a transition one already won (same actor, same target state) is a no-op that returns
the ask, so double clicks and client retries are harmless. The ledger is written on confirm in
the same transaction, once per ask (see ``exchange.ledger``).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, or_, select, update

from exchange.asks.models import AUTO_CONFIRM_AFTER, OPEN_FOR, Ask, AskSkip, AskTag
from exchange.asks.schemas import dump_ask
from exchange.asks.states import IN_PROGRESS, TRANSITIONS
from exchange.clock import utcnow
from exchange.errors import Conflict, Forbidden, NotFound, RateLimited
from exchange.events import (
    AskClosedToHelpers,
    AskPosted,
    AskReopened,
    AskStateChanged,
    HelpConfirmed,
)
from exchange.ledger import service as ledger
from exchange.ledger.models import MemberTotals
from exchange.members.models import Member
from exchange.members.service import is_blocked_between, require_active
from exchange.notifications.service import notify, notify_many
from exchange.offers import service as offers
from exchange.policy import can

MAX_OPEN_ASKS = 5
ASKS_PER_DAY = 10
ASKS_PER_DAY_NEW = 3


# What a helper who tries to take a closed ask hears: the truth, which is never "someone
# else is helping" when nobody is.
CLOSED_WORDS = {
    "cancelled": "The person who asked doesn't need this one any more, so there's nothing to "
                 "take — thank you for offering.",
    "expired": "This ask's time has passed and it has closed, so there's nothing to take — "
               "thank you for offering.",
}
GONE_WORDS = "This ask isn't open any more — thank you for offering."


class LostRace(Conflict):
    """Someone else took the ask first. The ``ask.taken`` note written for the loser is kept."""

    code = "ask_taken"
    persist = True


def get_ask(session, ask_id: int) -> Ask | None:
    return session.get(Ask, ask_id)


def get_ask_or_raise(session, ask_id: int) -> Ask:
    ask = get_ask(session, ask_id)
    if ask is None:
        raise NotFound("No such ask.")
    return ask


def can_see(session, actor: Member, ask: Ask) -> bool:
    if actor.id in (ask.author_id, ask.helper_id) or can(actor, "see_hidden"):
        return True
    if ask.hidden or ask.author.status in ("deleted", "banned"):
        return False
    return not is_blocked_between(session, actor.id, ask.author_id)


def access_ask(session, *, actor: Member, ask_id: int) -> Ask:
    """The ask if the actor may see it; hidden or blocked asks are simply absent (404)."""
    ask = get_ask_or_raise(session, ask_id)
    if not can_see(session, actor, ask):
        raise NotFound("No such ask.")
    return ask


def is_new_member(session, member: Member) -> bool:
    if utcnow() - member.created_at >= timedelta(hours=24):
        return False
    totals = session.get(MemberTotals, member.id)
    return not totals or (totals.helps_given + totals.asks_received) == 0


def _check_posting_limits(uow, actor: Member) -> None:
    s = uow.session
    open_count = s.scalar(select(func.count()).select_from(Ask).where(
        Ask.author_id == actor.id, Ask.status == "open"))
    if open_count >= MAX_OPEN_ASKS:
        raise Conflict(f"You have {open_count} open asks already — once one is taken or closed, "
                       "you can post another.", code="too_many_open_asks")
    if uow.settings is not None and not uow.settings.rate_limits:
        return
    since = utcnow() - timedelta(days=1)
    recent = list(s.scalars(select(Ask.created_at).where(
        Ask.author_id == actor.id, Ask.created_at > since).order_by(Ask.created_at)))
    limit = ASKS_PER_DAY_NEW if is_new_member(s, actor) else ASKS_PER_DAY
    if len(recent) >= limit:
        wait = int((recent[-limit] - since).total_seconds()) + 1
        raise RateLimited(f"That's {limit} asks today — the limit resets within a day.",
                          retry_after=max(wait, 1), code="asks_per_day")


def post_ask(uow, *, actor: Member, data: dict) -> Ask:
    require_active(actor)
    _check_posting_limits(uow, actor)
    now = utcnow()
    ask = Ask(author_id=actor.id, title=data["title"].strip(), details=data.get("details", ""),
              minutes=data["minutes"], window_start=data.get("window_start"),
              window_end=data.get("window_end"), mode=data.get("mode", "online"),
              area=(data.get("area") or "").strip() or None, status="open",
              created_at=now, updated_at=now)
    ask.tag_rows = [AskTag(tag=t) for t in data.get("tags", [])]
    uow.session.add(ask)
    uow.flush()
    uow.emit(AskPosted(ask_id=ask.id, expires_at=ask.expires_at.isoformat()))
    return ask


def _apply(uow, ask: Ask, name: str, **values) -> bool:
    """Run transition ``name`` as one conditional UPDATE; True if this caller won."""
    step = TRANSITIONS[name]
    now = utcnow()
    query = (update(Ask).where(Ask.id == ask.id, Ask.status.in_(step.sources))
             .values(status=step.target, updated_at=now, **values)
             .execution_options(synchronize_session=False))
    won = uow.session.execute(query).rowcount == 1
    uow.session.refresh(ask)
    if won:
        start = ask.window_start.isoformat() if ask.window_start else None
        uow.emit(AskStateChanged(ask_id=ask.id, status=step.target, round=ask.match_round,
                                 window_start=start, at=now.isoformat()))
    return won


def _notify_ask(uow, member_id: int | None, kind: str, ask: Ask, **extra) -> None:
    if member_id is not None:
        notify(uow, member_id=member_id, kind=kind, data={"ask": dump_ask(ask), **extra})


def tell_offered_closed(uow, ask: Ask, why: str) -> list[int]:
    """An open ask closed before anyone took it (``why``: ``cancelled``, ``expired`` or
    ``hidden``): every helper still holding an unanswered offer of it hears so
    (``offer.closed``), so an open page drops the card and its "I can help". A hidden ask's
    title is not repeated to them. Pages that list it without an offer hear of it by the
    ``AskClosedToHelpers`` signal. Returns the members told."""
    if why not in ("cancelled", "expired", "hidden"):
        raise ValueError(f"unknown reason {why!r}")
    holders = offers.pending_holders(uow.session, ask_id=ask.id)
    data = {"ask_id": ask.id, "why": why, "title": None if why == "hidden" else ask.title}
    notify_many(uow, kind="offer.closed", items=[(m, dict(data)) for m in holders])
    uow.emit(AskClosedToHelpers(ask_id=ask.id, why=why, tags=tuple(ask.tags)))
    return holders


def _open_load(session, member_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Ask).where(
        Ask.helper_id == member_id, Ask.status.in_(IN_PROGRESS)))


def _check_can_accept(session, actor: Member, ask: Ask) -> None:
    if ask.author_id == actor.id:
        raise Forbidden("This is your own ask.", code="own_ask")
    if is_blocked_between(session, actor.id, ask.author_id):
        raise Forbidden("You can't take this ask.", code="blocked")
    skipped = session.get(AskSkip, (ask.id, actor.id))
    if skipped is not None and skipped.reason == "withdrew" and ask.status == "open":
        raise Conflict("You stepped back from this ask earlier.", code="withdrew_before")
    load = _open_load(session, actor.id)
    if load >= actor.capacity:
        raise Conflict(f"You're already helping with {load} asks (your capacity is "
                       f"{actor.capacity}); finish one first or raise it in your profile.",
                       code="at_capacity")


def accept_ask(uow, *, actor: Member, ask_id: int) -> Ask:
    require_active(actor)
    s = uow.session
    ask = get_ask_or_raise(s, ask_id)
    if not ask.hidden and is_blocked_between(s, actor.id, ask.author_id):
        # A block refuses the accept with a reason (403), not a bare 404: the helper saw it.
        raise Forbidden("You can't take this ask.", code="blocked")
    try:
        ask = access_ask(s, actor=actor, ask_id=ask_id)
    except NotFound:  # hidden by a moderator (or never there): it can't be taken, kindly said
        raise NotFound(GONE_WORDS) from None
    if ask.helper_id == actor.id and ask.status in IN_PROGRESS:
        return ask  # a retry of an accept this helper already won
    _check_can_accept(s, actor, ask)
    offers.hold_counters(s, actor.id)  # one lock order with matching waves: no deadlock
    if not _apply(uow, ask, "accept", helper_id=actor.id, matched_at=utcnow()):
        if ask.status in CLOSED_WORDS:  # closed, not taken: no ask.taken note
            raise Conflict(CLOSED_WORDS[ask.status], code="wrong_state")
        _notify_ask(uow, actor.id, "ask.taken", ask)
        raise LostRace("Someone else is already helping with this one — thank you for "
                       "offering.", code="ask_taken")
    _notify_ask(uow, ask.author_id, "ask.accepted", ask)
    for member_id in offers.settle_after_accept(uow, ask=ask, winner_id=actor.id):
        _notify_ask(uow, member_id, "ask.taken", ask)
    uow.emit(AskClosedToHelpers(ask_id=ask.id, why="taken", tags=tuple(ask.tags)))
    return ask


def withdraw_ask(uow, *, actor: Member, ask_id: int) -> Ask:
    require_active(actor)
    s = uow.session
    ask = access_ask(s, actor=actor, ask_id=ask_id)
    skipped = s.get(AskSkip, (ask.id, actor.id))
    if ask.status == "open" and skipped is not None and skipped.reason == "withdrew":
        return ask  # already withdrawn (a pass is not a withdrawal: that one never helped)
    if ask.helper_id != actor.id:
        raise Forbidden("Only the helper can step back from an ask.", code="not_helper")
    if ask.status != "matched" or not _apply(uow, ask, "withdraw", helper_id=None,
                                             matched_at=None, widened=False,
                                             match_round=Ask.match_round + 1):
        raise Conflict(f"This ask is {ask.status}; stepping back is for matched asks.",
                       code="wrong_state")
    if skipped is None:
        s.add(AskSkip(ask_id=ask.id, member_id=actor.id))
    else:  # they had passed, changed their mind and accepted: now it is a withdrawal
        skipped.reason = "withdrew"
    offers.settle_withdraw(uow, ask=ask, member_id=actor.id)
    uow.flush()
    _notify_ask(uow, ask.author_id, "ask.withdrawn", ask)
    uow.emit(AskReopened(ask_id=ask.id, skip_member_id=actor.id, round=ask.match_round))
    return ask


def pass_ask(uow, *, actor: Member, ask_id: int) -> None:
    """"Not this time": privately, and for good. The ask leaves the helper's feed and is never
    offered to them again; nobody is told. Passing twice is passing once. A helper already
    helping steps back with ``withdraw`` instead, so the asker hears of it."""
    require_active(actor)
    s = uow.session
    ask = access_ask(s, actor=actor, ask_id=ask_id)
    if ask.author_id == actor.id:
        raise Forbidden("This is your own ask.", code="own_ask")
    if ask.helper_id == actor.id and ask.status in IN_PROGRESS:
        raise Conflict("You're helping with this one — to step back, withdraw, so the asker "
                       "knows.", code="wrong_state")
    if s.get(AskSkip, (ask.id, actor.id)) is None:
        s.add(AskSkip(ask_id=ask.id, member_id=actor.id, reason="passed"))
    offers.settle_pass(uow, ask=ask, member_id=actor.id)
    uow.flush()


def cancel_ask(uow, *, actor: Member, ask_id: int) -> Ask:
    require_active(actor)
    ask = access_ask(uow.session, actor=actor, ask_id=ask_id)
    _require_author(actor, ask, "cancel")
    if ask.status == "cancelled":
        return ask
    helper_id, was_open = ask.helper_id, ask.status == "open"
    if not _apply(uow, ask, "cancel", closed_at=utcnow()):
        raise Conflict(f"This ask is {ask.status} and can't be cancelled now.", code="wrong_state")
    _notify_ask(uow, helper_id, "ask.cancelled", ask)
    if was_open and not ask.hidden:  # a hidden ask's offered helpers were told when it was hidden
        tell_offered_closed(uow, ask, "cancelled")
    return ask


def deliver_ask(uow, *, actor: Member, ask_id: int) -> Ask:
    require_active(actor)
    ask = access_ask(uow.session, actor=actor, ask_id=ask_id)
    if ask.helper_id != actor.id:
        raise Forbidden("Only the helper marks an ask as delivered.", code="not_helper")
    if ask.status in ("delivered", "confirmed"):
        return ask
    if not _apply(uow, ask, "deliver", delivered_at=utcnow()):
        raise Conflict(f"This ask is {ask.status}; only a matched ask can be delivered.",
                       code="wrong_state")
    _notify_ask(uow, ask.author_id, "ask.delivered", ask)
    return ask


def confirm_ask(uow, *, actor: Member | None, ask_id: int, minutes: int | None = None,
                auto: bool = False) -> Ask:
    """Close a help and write its ledger transfer, exactly once. ``actor=None`` is the job."""
    s = uow.session
    if auto:
        ask = get_ask_or_raise(s, ask_id)
    else:
        require_active(actor)
        ask = access_ask(s, actor=actor, ask_id=ask_id)
        _require_author(actor, ask, "confirm")
    if ask.status == "confirmed":
        return ask
    actual = minutes or ask.minutes
    step = "auto_confirm" if auto else "confirm"
    if not _apply(uow, ask, step, actual_minutes=actual, closed_at=utcnow(), auto_confirmed=auto):
        if ask.status == "confirmed":
            return ask
        raise Conflict(f"This ask is {ask.status}; it can be confirmed once someone has helped.",
                       code="wrong_state")
    transfer = ledger.record_help(uow, ask=ask, minutes=actual, auto=auto)
    _notify_ask(uow, ask.helper_id, "ask.confirmed", ask, minutes=actual)
    uow.emit(HelpConfirmed(ask_id=ask.id, transfer_id=transfer.id, at=utcnow().isoformat()))
    return ask


EXPIRED_MESSAGE = ("The time for this ask has passed, so we've closed it for you. If you "
                   "could still use a hand, you're very welcome to post it again — often it's "
                   "just a matter of timing.")


def expire_ask(uow, *, ask_id: int) -> Ask | None:
    """Close an open ask whose time has passed (the expiry job and the sweep call this).
    None when there is nothing to do: the ask is gone, has moved on, or is not due yet."""
    ask = get_ask(uow.session, ask_id)
    if ask is None or ask.status != "open" or ask.expires_at > utcnow():
        return None
    if _apply(uow, ask, "expire", closed_at=utcnow()):
        _notify_ask(uow, ask.author_id, "ask.expired", ask, message=EXPIRED_MESSAGE)
        if not ask.hidden:
            tell_offered_closed(uow, ask, "expired")
    return ask


def auto_confirm_ask(uow, *, ask_id: int) -> Ask | None:
    """Confirm a delivery the asker left unconfirmed for ``AUTO_CONFIRM_AFTER`` (job, sweep).
    None when there is nothing to do: gone, no longer delivered, or not due yet."""
    ask = get_ask(uow.session, ask_id)
    if ask is None or ask.status != "delivered" or ask.auto_confirms_at > utcnow():
        return None
    return confirm_ask(uow, actor=None, ask_id=ask_id, auto=True)


def _require_author(actor: Member, ask: Ask, verb: str) -> None:
    if ask.author_id != actor.id:
        raise Forbidden(f"Only the person who asked can {verb} it.", code="not_author")


def overdue_ask_ids(session, limit: int = 500) -> tuple[list[int], list[int]]:
    """Open asks past their expiry, and deliveries a week old (for the periodic sweep)."""
    now = utcnow()
    open_rows = session.execute(select(Ask.id, Ask.created_at, Ask.window_end).where(
        Ask.status == "open", or_(Ask.created_at <= now - OPEN_FOR, Ask.window_end <= now))
        .limit(limit)).all()
    delivered = session.scalars(select(Ask.id).where(
        Ask.status == "delivered", Ask.delivered_at <= now - AUTO_CONFIRM_AFTER).limit(limit))
    return [r.id for r in open_rows], list(delivered)
