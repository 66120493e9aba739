"""Member services: registration, tokens, profiles, blocks, export and deletion.

Services take a unit of work and an explicit actor, flush, never commit. Lookups come in three
strengths: ``get_*`` returns None, ``get_*_or_raise`` raises NotFound, ``access_*`` also checks
that the actor may see the target (blocks hide members from each other).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import bindparam, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload

from exchange.clock import utcnow
from exchange.errors import Conflict, Forbidden, InvalidInput, NotAuthenticated, NotFound
from exchange.events import TokenRevoked
from exchange.members import addresses, passwords
from exchange.members.models import ApiToken, AvailabilitySlot, Block, Member, MemberSkill
from exchange.members.timeutil import slot_to_utc
from exchange.policy import can

TOKEN_PREFIX = "exk_"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def get_member(session, member_id: int) -> Member | None:
    return session.get(Member, member_id)


def skill_tags(session, member_id: int) -> list[str]:
    return list(session.scalars(select(MemberSkill.tag).where(MemberSkill.member_id == member_id)
                                .order_by(MemberSkill.tag)))


def names_by_id(session, ids) -> dict[int, tuple[str, str]]:
    """``{member id: (handle, display name)}`` for many members in one query."""
    if not ids:
        return {}
    rows = session.execute(select(Member.id, Member.handle, Member.display_name)
                           .where(Member.id.in_(ids)))
    return {member_id: (handle, shown) for member_id, handle, shown in rows}


def get_by_handle(session, handle: str) -> Member | None:
    if "\x00" in handle:  # no stored handle has one, and PostgreSQL refuses NUL in a query
        return None
    return session.scalar(select(Member).where(Member.handle == handle.strip().lower()))


def get_by_login(session, login: str) -> Member | None:
    if "\x00" in login:
        return None
    login = login.strip().lower()
    column = Member.email if "@" in login else Member.handle
    return session.scalar(select(Member).where(func.lower(column) == login))


def is_blocked_between(session, a: int, b: int) -> bool:
    pair = or_(
        (Block.blocker_id == a) & (Block.blocked_id == b),
        (Block.blocker_id == b) & (Block.blocked_id == a),
    )
    return session.scalar(select(func.count()).select_from(Block).where(pair)) > 0


def access_member(session, *, actor: Member, handle: str) -> Member:
    """A member the actor may see: absent, deleted, banned, blocked either way, or hidden by
    moderation (except to themselves and moderators) → NotFound."""
    member = get_by_handle(session, handle)
    if member is None or member.status in ("deleted", "banned"):
        raise NotFound("No member with that handle.")
    if member.id != actor.id and is_blocked_between(session, actor.id, member.id):
        raise NotFound("No member with that handle.")
    if member.hidden and member.id != actor.id and not can(actor, "see_hidden"):
        raise NotFound("No member with that handle.")  # hidden pending moderation review
    return member


def register(uow, *, handle: str, email: str, password: str, display_name: str,
             verified: bool = False, timezone: str | None = None) -> Member:
    """A new member. A handle another member has is a 409 (handles are public); an email
    another account has is not: the account is made all the same, with the address waiting
    as ``pending_email`` (never verified, no link sent to it), and the address's owner is told
    (``exchange.members.addresses``). The answer is the same either way. ``verified``: an
    address an operator vouches for (``exchange admin create``, the demo), no link needed."""
    handle, email = handle.strip().lower(), addresses.normalize(email)
    problems = passwords.problems(password, handle=handle, email=email)
    if problems:
        raise InvalidInput("Choose another password.", fields={"password": problems})
    s = uow.session
    _require_free_handle(s, handle)
    fields = dict(handle=handle, display_name=display_name.strip(),
                  password_hash=passwords.hash_password(password))
    if timezone:
        fields["timezone"] = timezone
    owner = addresses.get_by_email(s, email)
    member = _insert(s, fields, email, taken=owner is not None, verified=verified)
    if member is None:  # lost a race for the handle or the address to a registration just now
        _require_free_handle(s, handle)
        owner = addresses.get_by_email(s, email)
        member = _insert(s, fields, email, taken=owner is not None, verified=verified)
    if member is None:  # a third registration raced this one too
        raise Conflict("Someone else joined at the very same moment; please try once more.")
    if owner is not None:
        addresses.tell_owner(uow, owner)
    elif not verified:
        addresses.ask_to_verify(uow, member)
    return member


def _require_free_handle(session, handle: str) -> None:
    if get_by_handle(session, handle) is not None:
        raise Conflict("That handle is taken.", code="handle_taken",
                       fields={"handle": ["That handle is taken."]})


def _insert(session, fields: dict, email: str, *, taken: bool, verified: bool) -> Member | None:
    """The new member, or None when a unique column clashed (nothing of it is left behind)."""
    member = Member(**fields, email=None if taken else email,
                    pending_email=email if taken else None,
                    email_verified_at=utcnow() if verified and not taken else None)
    try:
        with session.begin_nested():
            session.add(member)
            session.flush()
    except IntegrityError:
        return None
    return member


def _flush_unique(uow, message: str) -> None:
    try:
        with uow.session.begin_nested():
            uow.session.flush()
    except IntegrityError:
        raise Conflict(message) from None


def check_password(uow, *, login: str, password: str) -> Member:
    member = get_by_login(uow.session, login)
    ok = passwords.verify(member.password_hash if member else None, password)
    if not ok or member.status in ("deleted", "banned"):
        raise NotAuthenticated("That sign-in did not match an account.", code="bad_credentials")
    return member


def issue_token(uow, *, member: Member) -> str:
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    uow.session.add(ApiToken(member_id=member.id, digest=token_digest(plain)))
    uow.flush()
    return plain


# Built once: it runs on every API request, and building the query with its options and their
# cache key each time cost more than the lookup.
_FOR_TOKEN = (select(Member, ApiToken).join(ApiToken, ApiToken.member_id == Member.id)
              .where(ApiToken.digest == bindparam("digest"))
              .options(lazyload(Member.skills), lazyload(Member.slots)))


def member_for_token(session, plain: str) -> tuple[Member, ApiToken] | None:
    """The token's member in one query, done on every API request: skills and slots are left
    to load when a route reads them (most don't)."""
    found = session.execute(_FOR_TOKEN, {"digest": token_digest(plain)}).first()
    if found is None:
        return None
    member, token = found
    if token.revoked_at is not None or member.status in ("deleted", "banned"):
        return None
    return member, token


def revoke_all_tokens(uow, *, member: Member) -> None:
    """Every API token of the member ends, and any socket opened with one is dropped."""
    live = uow.session.scalars(select(ApiToken).where(ApiToken.member_id == member.id,
                                                      ApiToken.revoked_at.is_(None)))
    now = utcnow()
    for token in live:
        token.revoked_at = now
        uow.emit(TokenRevoked(token_id=token.id, member_id=member.id))
    uow.flush()


def revoke_token(uow, *, actor: Member, token_id: int) -> None:
    token = uow.session.get(ApiToken, token_id)
    if token is None or token.member_id != actor.id:
        raise NotFound("No such token.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        uow.emit(TokenRevoked(token_id=token.id, member_id=actor.id))
    uow.flush()


SEEN_EVERY = 300  # seconds: "last seen" is for digests, so a coarse mark is plenty


def note_seen(session, member_id: int) -> None:
    """Mark the member as on the site now (a page or a socket), at most every few minutes:
    one conditional UPDATE, so a busy member costs no writes between marks."""
    now = utcnow()
    session.execute(update(Member).where(
        Member.id == member_id,
        or_(Member.last_seen_at.is_(None),
            Member.last_seen_at < now - timedelta(seconds=SEEN_EVERY)))
        .values(last_seen_at=now).execution_options(synchronize_session=False))


def require_active(actor: Member) -> None:
    """Writes are refused (403) for anyone not active: suspended members can still read."""
    if actor.status == "suspended" and actor.suspended_until and actor.suspended_until <= utcnow():
        return
    if actor.status != "active":
        raise Forbidden("Your account can't make changes right now.",
                        code="account_" + actor.status)


SIMPLE_FIELDS = ("display_name", "bio", "timezone", "helping", "capacity", "area")


def update_profile(uow, *, actor: Member, changes: dict) -> Member:
    require_active(actor)
    for name in SIMPLE_FIELDS:
        if name in changes:
            setattr(actor, name, changes[name].strip() if name == "display_name" else changes[name])
    if isinstance(changes.get("area"), str):
        # Matching compares it with the ask's stripped area: " Leeds " must still be Leeds.
        actor.area = changes["area"].strip() or None
    if "skills" in changes:
        actor.skills = [MemberSkill(tag=t) for t in changes["skills"]]
    if "availability" in changes:
        actor.slots = [AvailabilitySlot(weekday=s["weekday"], start_minute=s["start"],
                                        end_minute=s["end"]) for s in changes["availability"]]
    if "availability" in changes or "timezone" in changes:
        place_slots_in_utc(actor)
    if "quiet_hours" in changes:
        quiet = changes["quiet_hours"] or {}
        actor.quiet_start, actor.quiet_end = quiet.get("start"), quiet.get("end")
    if "email" in changes:
        addresses.change_email(uow, actor=actor, address=changes["email"])
    uow.flush()
    return actor


def send_email_link(uow, *, actor: Member) -> bool:
    """The address link still owed, sent again (False: the address is verified already)."""
    require_active(actor)
    return addresses.send_link_again(uow, actor=actor)


def place_slots_in_utc(member: Member, now=None) -> None:
    """Refresh each slot's UTC minutes of the week (informational: matching compares slots
    on the member's own clock, see ``exchange.matching.candidates``)."""
    now = now or utcnow()
    for slot in member.slots:
        slot.utc_start, slot.utc_end = slot_to_utc(slot.weekday, slot.start_minute,
                                                   slot.end_minute, member.timezone, now)


def block(uow, *, actor: Member, handle: str) -> None:
    require_active(actor)
    target = get_by_handle(uow.session, handle)
    if target is None or target.status == "deleted":
        raise NotFound("No member with that handle.")
    if target.id == actor.id:
        raise InvalidInput("You can't block yourself.", fields={"handle": ["That's you."]})
    if uow.session.get(Block, (actor.id, target.id)) is None:
        uow.session.add(Block(blocker_id=actor.id, blocked_id=target.id))
        _flush_unique(uow, "Already blocked.")


def unblock(uow, *, actor: Member, handle: str) -> None:
    require_active(actor)
    target = get_by_handle(uow.session, handle)
    if target is None:
        raise NotFound("No member with that handle.")
    uow.session.execute(
        delete(Block).where(Block.blocker_id == actor.id, Block.blocked_id == target.id))


def blocked_handles(session, actor: Member) -> list[str]:
    rows = session.scalars(select(Member.handle).join(Block, Block.blocked_id == Member.id)
                           .where(Block.blocker_id == actor.id).order_by(Member.handle))
    return list(rows)


def erase(uow, *, actor: Member) -> None:
    """Delete an account: personal data erased, the row kept as a tombstone for the ledger.

    Open and in-progress asks are withdrawn or cancelled by the asks feature before this runs
    (see ``exchange.account.delete_account``)."""
    actor.status = "deleted"
    actor.deleted_at = utcnow()
    actor.handle = f"deleted_{actor.id}"
    actor.display_name = "Former member"
    actor.email = actor.pending_email = actor.email_verified_at = None
    actor.password_hash = None
    actor.bio = ""
    actor.area = None
    actor.helping = False
    actor.skills = []
    actor.slots = []
    actor.quiet_start = actor.quiet_end = None
    uow.session.execute(delete(ApiToken).where(ApiToken.member_id == actor.id))
    uow.session.execute(delete(Block).where(
        or_(Block.blocker_id == actor.id, Block.blocked_id == actor.id)))
    uow.flush()
