"""Account mail, composed and handed over once: verify links, reset links and their notices.

A job (``workers.account_mail``) sends what an ``AccountMailRequested`` asked for, in two
steps around a commit:

1. ``prepare`` re-fetches the member and checks the mail is still wanted (each purpose has its
   guard: the address is still theirs, still waiting, still resettable …), signs the link *now*
   (nothing to store, nothing to leak), renders the message, and claims its ``Delivery`` key —
   ``account-{purpose}-{member}-{ref}``, the job's id too — so a retried or doubled job finds
   the key taken and sends nothing. The job commits the claim before anything leaves.
2. ``hand_over`` gives the message to the mailer and records ``sent``; refused for good, it
   records ``failed``; deferred (the server is away), it gives the claim back so the job's
   retry can send.

A claim left behind by a worker that died mid-send is taken over by the retry once it is older
than ``STALE``; until then a retry defers (another attempt may be sending it right now). The
``Message-ID`` comes from the key, so the one duplicate SMTP cannot rule out folds in the
reader's mail client.

Account mail is not a notification: no unsubscribe link, no notification settings, no quiet
hours; it goes to the address it is about, verified or not as each purpose needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage

from sqlalchemy import update

from exchange import tokens
from exchange.clock import utcnow
from exchange.delivery import records
from exchange.delivery.models import Delivery
from exchange.mail.compose import Letter, message_id, render
from exchange.members.addresses import change_link_payload, get_by_email, verify_link_payload
from exchange.members.models import Member
from exchange.members.recovery import can_reset, reset_link_payload
from exchange.ports import DeliveryDeferred, DeliveryRefused, Mailer

STALE = timedelta(seconds=90)  # well past a job's 30 s timeout and the mailer's 20 s
ACTIVE = ("active", "suspended")
SECURITY_NOTICES = ("email_change_notice", "password_changed")


@dataclass(frozen=True)
class AccountMail:
    """What the job was asked to send: the ``AccountMailRequested`` event's fields."""

    purpose: str
    member_id: int | None
    address: str
    ref: str
    other_address: str = ""

    @property
    def key(self) -> str:
        return f"account-{self.purpose}-{self.member_id or 0}-{self.ref}"


@dataclass
class Outgoing:
    row: Delivery
    message: EmailMessage = field(repr=False)


# --- which mail is still wanted, and what it says -----------------------------------------------

def still_wanted(session, member: Member, mail: AccountMail) -> bool:
    """Checked when the job runs, not when it was asked for: things may have moved since."""
    if mail.purpose in SECURITY_NOTICES:
        # To the address the account had when it happened, even if it has changed since: a
        # change made (and confirmed) by someone else must not silence the warning.
        return member.status != "deleted"
    if mail.purpose == "reset":  # only to a verified address of an account that may sign in
        return can_reset(member) and member.email == mail.address
    if member.status not in ACTIVE:
        return False
    if mail.purpose == "verify":
        return member.email == mail.address and member.email_verified_at is None
    if mail.purpose == "email_change":  # still wanted, still replacing that address, still free
        owner = get_by_email(session, mail.address)
        return (member.pending_email == mail.address
                and (member.email or "") == mail.other_address
                and (owner is None or owner.id == member.id))
    # "Someone tried to use your address": only while it is still theirs.
    return mail.purpose == "address_in_use" and member.email == mail.address


def _link(settings, page: str, purpose: str, payload: dict) -> str:
    return settings.link(f"{page}?token={tokens.sign(settings.secret_key, purpose, payload)}")


def _context(member: Member, mail: AccountMail, settings) -> dict:
    context = {"name": member.display_name, "handle": member.handle,
               "signin": settings.link("/signin"), "forgot": settings.link("/forgot"),
               "profile": settings.link("/profile"), "new_address": mail.other_address,
               "can_reset": member.email_verified}
    # The guards above hold: the address the mail goes to is the member's email (verify) or
    # pending address (a change), so the payloads name exactly it.
    if mail.purpose == "verify":
        context["link"] = _link(settings, "/verify", "verify", verify_link_payload(member))
    elif mail.purpose == "email_change":
        context["link"] = _link(settings, "/verify", "email", change_link_payload(member))
    elif mail.purpose == "reset":
        context["link"] = _link(settings, "/reset", "reset", reset_link_payload(member))
    return context


# --- the two steps ------------------------------------------------------------------------------

def prepare(uow, mail: AccountMail, *, settings) -> tuple[Outgoing | None, str]:
    """The message to hand over with its claim flushed, or None and why not."""
    s = uow.session
    member = s.get(Member, mail.member_id) if mail.member_id else None
    if member is None or not still_wanted(s, member, mail):
        return None, "not wanted"
    letter = Letter(to=mail.address, template=f"account_{mail.purpose}",
                    context=_context(member, mail, settings),
                    message_id=message_id(mail.key, settings), kind=f"account.{mail.purpose}")
    message = render(letter, settings)
    row = _claim(s, mail.key, member.id, letter.message_id)
    if row is None:
        return None, "sent already"
    return Outgoing(row, message), "claimed"


def _claim(session, key: str, member_id: int, message_id_: str) -> Delivery | None:
    row = records.claim(session, key=key, channel="email", member_id=member_id,
                        message_id=message_id_)
    if row is not None:
        return row
    existing = records.get(session, key)
    if existing is not None and existing.status != "claimed":
        return None
    if existing is None or not _take_over(session, existing):
        raise DeliveryDeferred(f"{key}: another attempt is sending it now")
    return existing


def _take_over(session, row: Delivery) -> bool:
    """A claim older than ``STALE`` was abandoned: exactly one retry takes it over."""
    taken = session.execute(
        update(Delivery).where(Delivery.id == row.id, Delivery.status == "claimed",
                               Delivery.claimed_at < utcnow() - STALE)
        .values(claimed_at=utcnow(), attempts=Delivery.attempts + 1)
        .execution_options(synchronize_session=False))
    session.refresh(row)
    return taken.rowcount == 1


def hand_over(uow, outgoing: Outgoing, *, mailer: Mailer) -> str:
    """Send the claimed message and record how it went (flushed; the job commits)."""
    try:
        mailer.send(outgoing.message)
    except DeliveryRefused as err:
        records.finish(outgoing.row, "failed", str(err))
        uow.flush()
        return "failed"
    except DeliveryDeferred:
        uow.session.delete(outgoing.row)  # nothing left: the retry claims it afresh
        uow.flush()
        raise
    records.finish(outgoing.row, "sent")
    uow.flush()
    return "sent"
