"""Accounts by email, tested with real parts: the API in process, the account-mail jobs run by
a real RQ worker (``run_jobs``), and the mail they send read back from the ``.eml`` files the
file mailer writes under the instance folder (``mailbox``), links and all."""

from __future__ import annotations

import pytest

from tests.accounts.mail import Mailbox


@pytest.fixture
def mailbox(job_settings) -> Mailbox:
    return Mailbox(job_settings.mail_dir)
