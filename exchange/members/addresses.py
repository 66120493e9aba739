"""Members' email addresses: verifying one, changing it, and never saying whose one is.

A member has up to two addresses. ``email`` is the one they sign in with and the only one mail
goes to (notification mail once it is verified; account mail as each kind allows).
``pending_email`` waits for its confirmation link: a change of address, or a registration that
named an address another account already has.

The rules:

- An address is one account's ``email`` at most (unique in the database). Asked for an address
  another account has — at registration or as a change — we answer exactly as if it were free,
  send no link to it, and tell its owner instead (at most once a day per address). Whoever asked
  learns nothing from us about whose address it is.
- A link proves the mailbox. The verify link (``tokens`` purpose ``verify``: member and
  address) marks ``email`` verified while it is still the member's address. The confirm link
  (purpose ``email``: member, new address, and the address it replaces) makes ``pending_email``
  the verified ``email``, only while the account still has the address it replaces and still
  wants the new one; confirming twice is harmless, and an address another account took in the
  meantime is refused (409) rather than taken from it.
- Mail never leaves in the request: a service emits ``AccountMailRequested`` and a job sends
  it, signing the link at send time, so no link is ever stored.
"""

from __future__ import annotations

import secrets

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from exchange import tokens
from exchange.clock import utcnow
from exchange.errors import Conflict, InvalidInput
from exchange.events import AccountMailRequested
from exchange.members.models import Member

GONE = ("deleted", "banned")


def normalize(address: str) -> str:
    return address.strip().lower()


def get_by_email(session, address: str) -> Member | None:
    """The account whose ``email`` this is (never a pending one)."""
    address = normalize(address)
    if not address or "\x00" in address:
        return None
    return session.scalar(select(Member).where(func.lower(Member.email) == address))


def new_ref() -> str:
    """What makes one request for mail its own (job id and delivery key)."""
    return secrets.token_hex(8)


def today_ref() -> str:
    """Notices sent at most once a day share the day as their ref."""
    return utcnow().strftime("%Y%m%d")


def mail(uow, purpose: str, member: Member | None, address: str, *, ref: str | None = None,
         other_address: str = "") -> None:
    uow.emit(AccountMailRequested(purpose=purpose, member_id=member.id if member else None,
                                  address=address if member else "", ref=ref or new_ref(),
                                  other_address=other_address))


def ask_to_verify(uow, member: Member) -> None:
    mail(uow, "verify", member, member.email)


def tell_owner(uow, owner: Member) -> None:
    """Someone asked for the owner's address: they hear of it, once a day at most."""
    mail(uow, "address_in_use", owner, owner.email, ref=today_ref())


def request_address(uow, member: Member, address: str) -> None:
    """``member`` wants ``address`` (already their ``pending_email``): the confirmation link
    goes to it if no other account has it, else its owner is told and nothing goes to it."""
    owner = get_by_email(uow.session, address)
    if owner is None:
        mail(uow, "email_change", member, address, other_address=member.email or "")
    elif owner.id != member.id:
        tell_owner(uow, owner)


def change_email(uow, *, actor: Member, address: str) -> None:
    """Ask for a new address: it waits as ``pending_email`` until its link is opened. The old
    address, if verified, is told (so a change nobody asked for does not go unnoticed)."""
    address = normalize(address)
    if address == actor.email:
        actor.pending_email = None  # back to the address they have: nothing left to confirm
        return
    if address == actor.pending_email:
        return  # already waiting for this one; sending the link again is its own request
    actor.pending_email = address
    request_address(uow, actor, address)
    if actor.email_verified:
        mail(uow, "email_change_notice", actor, actor.email, other_address=address)


def send_link_again(uow, *, actor: Member) -> bool:
    """The link still owed, sent again; False when there is nothing to confirm."""
    if actor.pending_email:
        request_address(uow, actor, actor.pending_email)
        return True
    if actor.email and not actor.email_verified:
        ask_to_verify(uow, actor)
        return True
    return False


# --- the links' payloads (signed by the job that sends them) ----------------------------------

def verify_link_payload(member: Member) -> dict:
    return {"m": member.id, "a": member.email}


def change_link_payload(member: Member) -> dict:
    return {"m": member.id, "a": member.pending_email, "o": member.email}


# --- opening a link -----------------------------------------------------------------------------

def confirm(uow, *, token: str) -> Member:
    """Open a verify or confirm link (one page serves both). Idempotent."""
    purpose, payload = _read_either(uow.settings.verifying_keys, token)
    member = _member_of(uow.session, payload)
    if purpose == "verify":
        return _verify(member, payload["a"])
    return _move(uow, member, payload["a"], payload.get("o") or None)


def _read_either(secret: tuple[str, ...], token: str) -> tuple[str, dict]:
    try:
        return "verify", tokens.read(secret, "verify", token)
    except InvalidInput as as_verify:
        try:
            return "email", tokens.read(secret, "email", token)
        except InvalidInput as as_email:
            # Say "expired" when it is one of ours that expired, not "not valid".
            raise (as_email if as_email.code == "token_expired" else as_verify) from None


def _member_of(session, payload: dict) -> Member:
    member_id, address = payload.get("m"), payload.get("a")
    if not isinstance(member_id, int) or not isinstance(address, str):
        raise stale("This link is not valid. Please open it from the email again.")
    member = session.get(Member, member_id)
    if member is None or member.status in GONE:
        raise stale("This link no longer works: the account it was for has closed.")
    return member


def _verify(member: Member, address: str) -> Member:
    if member.email != address:
        raise stale("This link is for an address your account no longer uses, so there's "
                    "nothing to confirm. Your profile shows the address you have now.")
    if member.email_verified_at is None:
        member.email_verified_at = utcnow()
    return member


def _move(uow, member: Member, address: str, replaces: str | None) -> Member:
    if member.email == address and member.email_verified_at is not None:
        return member  # confirmed already: opening the link twice is fine
    if member.email != replaces or member.pending_email != address:
        raise stale("This link is from an earlier request, and your account has moved on "
                    "since. You can send a fresh one from your profile.")
    owner = get_by_email(uow.session, address)
    if owner is not None and owner.id != member.id:
        raise address_in_use()
    member.email, member.pending_email, member.email_verified_at = address, None, utcnow()
    try:
        with uow.session.begin_nested():
            uow.session.flush()
    except IntegrityError:  # another account took it between our look and our write
        raise address_in_use() from None
    return member


def stale(message: str) -> InvalidInput:
    return InvalidInput(message, code="token_used", fields={"token": [message]})


def address_in_use() -> Conflict:
    # Only someone who holds the mailbox (the link came there) ever reads this.
    return Conflict("Another account uses this address now, so we couldn't move yours to it. "
                    "Your account keeps the address it had.", code="address_in_use")
