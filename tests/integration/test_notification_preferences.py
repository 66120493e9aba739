"""A member's channels per notification kind: defaults, choices over them, notices that
always go, and live pushes that respect the choice."""

from __future__ import annotations

import pytest

from exchange.events import NotificationStored
from exchange.members.models import Member
from exchange.notifications import preferences
from exchange.notifications.models import KINDS, NotificationSetting
from exchange.notifications.service import notify


@pytest.fixture
def member_id(make_uow):
    with make_uow() as uow:
        member = Member(handle="pref", display_name="Pref", email="pref@example.org")
        uow.session.add(member)
        uow.commit()
        return member.id


def test_every_kind_has_defaults_and_offers_go_everywhere(make_uow, member_id):
    with make_uow() as uow:
        channels = preferences.for_member(uow.session, member_id)
    assert set(channels) == set(KINDS)
    assert channels["ask.offered"] == preferences.Channels(True, True, True)
    assert channels["message.new"].email and channels["message.new"].push
    assert not channels["nudge"].email  # nudges are not emailed unless asked for


def test_a_choice_is_kept_and_a_choice_equal_to_the_defaults_leaves_no_row(make_uow, member_id):
    with make_uow() as uow:
        preferences.choose(uow.session, member_id, "ask.offered", email=False)
        uow.commit()
    with make_uow() as uow:
        assert preferences.effective(uow.session, member_id, "ask.offered") == \
            preferences.Channels(True, False, True)
        preferences.choose(uow.session, member_id, "ask.offered", email=True)
        uow.commit()
    with make_uow() as uow:
        assert uow.session.query(NotificationSetting).count() == 0


def test_moderation_notices_cannot_be_switched_off(make_uow, member_id):
    with make_uow() as uow:
        result = preferences.choose(uow.session, member_id, "mod.warning", email=False,
                                    live=False, push=False)
        uow.commit()
    assert result == preferences.Channels(True, True, True)
    with make_uow() as uow:
        assert preferences.effective(uow.session, member_id, "mod.warning").email


def test_a_kind_switched_off_live_is_stored_but_not_pushed(make_uow, member_id):
    with make_uow() as uow:
        preferences.choose(uow.session, member_id, "nudge", live=False)
        note = notify(uow, member_id=member_id, kind="nudge",
                      data={"nudge": "try_small_ask", "message": "Ask something small?"})
        stored = [e for e in uow.events if isinstance(e, NotificationStored)]
        uow.commit()
    assert note.id and stored[0].payload is None
    with make_uow() as uow:
        note = notify(uow, member_id=member_id, kind="reminder", data={})
        assert [e for e in uow.events if isinstance(e, NotificationStored)][0].payload
