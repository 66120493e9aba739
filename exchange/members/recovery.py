"""Password reset: a link by mail to a verified address, one new password, every sign-in ended.

Asking never says whether the address has an account: the request does the same work either
way (one lookup, one ``AccountMailRequested``, one job), and only a known, verified address of
an account that may sign in gets a link. The link (``tokens`` purpose ``reset``) carries the
member, their address and a fingerprint of their password hash, so it expires after an hour and
dies once the password changes — by this link or any other way — or the address does: single
use without storing anything, and the hash is replaced by a conditional update, so two tries
with one link at the same moment change it once. Setting the password ends every browser
session (they carry the same fingerprint, ``web.auth``) and revokes every API token, and the
address hears of it.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from exchange import tokens
from exchange.errors import InvalidInput
from exchange.members import passwords
from exchange.members.addresses import get_by_email, mail, stale
from exchange.members.models import Member
from exchange.members.service import revoke_all_tokens

MAY_RESET = ("active", "suspended")  # a suspended member still signs in to read their data


def can_reset(member: Member | None) -> bool:
    return member is not None and member.status in MAY_RESET and member.email_verified


def request_reset(uow, *, address: str) -> None:
    member = get_by_email(uow.session, address)
    known = member if can_reset(member) else None
    mail(uow, "reset", known, known.email if known else "")


def reset_link_payload(member: Member) -> dict:
    return {"m": member.id, "a": member.email, "f": tokens.fingerprint(member.password_hash)}


def reset_password(uow, *, token: str, password: str) -> Member:
    payload = tokens.read(uow.settings.verifying_keys, "reset", token)
    member = _still_valid(uow.session, payload)
    problems = passwords.problems(password, handle=member.handle, email=member.email or "")
    if problems:
        raise InvalidInput("Choose another password.", fields={"password": problems})
    _replace_hash(uow.session, member, passwords.hash_password(password))
    revoke_all_tokens(uow, member=member)
    mail(uow, "password_changed", member, member.email)
    uow.flush()
    return member


def _replace_hash(session, member: Member, new_hash: str) -> None:
    """A conditional update on the hash the link was made for: of two tries with one link at
    the same moment exactly one changes the password (the other finds the hash moved on)."""
    changed = session.execute(
        update(Member).where(Member.id == member.id,
                             Member.password_hash == member.password_hash)
        .values(password_hash=new_hash).execution_options(synchronize_session=False))
    if changed.rowcount != 1:
        raise _used()
    set_committed_value(member, "password_hash", new_hash)  # written just now, not dirty


def _still_valid(session, payload: dict) -> Member:
    member_id = payload.get("m")
    member = session.get(Member, member_id) if isinstance(member_id, int) else None
    if not can_reset(member) or payload != reset_link_payload(member):
        raise _used()
    return member


def _used():
    return stale("This link has already been used, or your password or address changed since "
                 "it was sent. You can ask for a fresh one.")
