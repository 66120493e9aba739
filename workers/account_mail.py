"""The account-mail job (``account-{purpose}-{member}-{ref}`` on the ``mail`` queue).

A shell around ``exchange.delivery.accounts``: prepare (guard, sign, render, claim), commit the
claim, hand the message over, commit the outcome. A deferred send commits the claim given back
and raises, so RQ's retries (with backoff) try again; everything else is recorded and ends here.
"""

from __future__ import annotations

from exchange.delivery import accounts
from exchange.ports import DeliveryDeferred
from workers.runtime import runtime


def send_account_mail(purpose: str, member_id: int | None, address: str, ref: str,
                      other_address: str = "") -> str:
    rt = runtime()
    mail = accounts.AccountMail(purpose, member_id, address, ref, other_address)
    with rt.unit_of_work() as uow:
        outgoing, why = accounts.prepare(uow, mail, settings=rt.settings)
        uow.commit()  # the claim is on record before anything leaves
        if outgoing is None:
            return why
        try:
            outcome = accounts.hand_over(uow, outgoing, mailer=rt.mailer)
        except DeliveryDeferred:
            uow.commit()
            raise
        uow.commit()
        return outcome
