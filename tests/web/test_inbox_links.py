"""Links in an email that work without signing in: "I can help", "Not this time" and
unsubscribe. Showing a page changes nothing; its one button's POST acts; an offer link acts
once; an unsubscribe link works again and again, also as a mail provider's one-click POST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from exchange.delivery import links
from exchange.notifications import preferences
from exchange.notifications.models import Notification


@pytest.fixture
def app_settings(app):
    return app.extensions["exchange"].settings


def _path(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.path, parse_qs(parts.query)["token"][0]


def _ask(api, who, ask_id) -> dict:
    return api.call(who, "GET", f"/asks/{ask_id}").get_json()


@pytest.fixture
def offer(api, app_settings):
    asker, helper = api.member("asker"), api.member("helper")
    ask = api.ask(asker, title="Check my bike's brakes with me", details="Ten minutes outside.")

    def link(action: str, who=helper) -> tuple[str, str]:
        return _path(links.offer(app_settings, member_id=who["id"], ask_id=ask["id"],
                                 action=action))
    return asker, helper, ask, link


def test_opening_an_i_can_help_link_shows_the_ask_and_changes_nothing(client, api, offer):
    asker, _, ask, link = offer
    path, token = link("accept")
    page = client.get(path, query_string={"token": token})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Check my bike&#39;s brakes with me" in html and "I can help</button>" in html
    assert 'method="post"' in html
    assert _ask(api, asker, ask["id"])["status"] == "open"


def test_its_button_takes_the_ask_as_that_member_without_signing_in(client, api, offer,
                                                                   make_uow):
    asker, helper, ask, link = offer
    path, token = link("accept")
    page = client.post(path, data={"token": token})
    assert page.status_code == 200
    assert "You're helping with this one" in page.get_data(as_text=True)
    mine = _ask(api, asker, ask["id"])
    assert mine["status"] == "matched" and mine["helper"]["handle"] == "helper"
    with make_uow() as uow:
        kinds = [n.kind for n in uow.session.query(Notification).filter_by(member_id=asker["id"])]
    assert kinds == ["ask.accepted"]


def test_an_offer_link_acts_once(client, offer):
    path, token = offer[3]("accept")
    client.post(path, data={"token": token})
    again = client.post(path, data={"token": token}).get_data(as_text=True)
    assert "used this link already" in again
    shown = client.get(path, query_string={"token": token}).get_data(as_text=True)
    assert "used this link already" in shown and "</button>" not in shown


def test_not_this_time_passes_privately(client, api, offer, make_uow):
    asker, helper, ask, link = offer
    path, token = link("pass")
    assert "Not this time</button>" in client.get(path, query_string={"token": token}) \
        .get_data(as_text=True)
    done = client.post(path, data={"token": token}).get_data(as_text=True)
    assert "nobody is told" in done
    feed = api.call(helper, "GET", "/asks?for_me=true").get_json()["items"]
    assert ask["id"] not in [a["id"] for a in feed]
    with make_uow() as uow:
        assert uow.session.query(Notification).count() == 0


def test_a_link_for_one_action_does_nothing_at_the_other(client, api, offer):
    asker, _, ask, link = offer
    _, token = link("pass")
    page = client.post("/offer/accept", data={"token": token}).get_data(as_text=True)
    assert "for something else" in page
    assert _ask(api, asker, ask["id"])["status"] == "open"


def test_an_ask_someone_else_took_first_is_a_kind_thank_you(client, api, offer):
    asker, _, ask, link = offer
    path, token = link("accept")
    other = api.member("quick")
    assert api.call(other, "POST", f"/asks/{ask['id']}/accept").status_code == 200
    page = client.post(path, data={"token": token}).get_data(as_text=True)
    assert "thank you for offering" in page.lower()
    assert _ask(api, asker, ask["id"])["helper"]["handle"] == "quick"


def test_an_offer_link_expires_after_a_week(client, offer, time_machine):
    time_machine.move_to(datetime.now(UTC), tick=False)
    path, token = offer[3]("accept")
    time_machine.move_to(datetime.now(UTC) + timedelta(days=8), tick=False)
    page = client.post(path, data={"token": token}).get_data(as_text=True)
    assert "This link has expired." in page


@pytest.mark.parametrize("token", ["", "nonsense", "a" * 3000])
def test_a_broken_link_gets_a_kind_page_not_an_error(client, token):
    for path in ("/offer/accept", "/offer/pass", "/unsubscribe"):
        for method in (client.get, client.post):
            page = method(path, query_string={"token": token})
            html = page.get_data(as_text=True)
            assert page.status_code == 200, path
            assert "This link is not" in html and "</button>" not in html, path


# --- unsubscribe --------------------------------------------------------------------------------

@pytest.fixture
def unsubscribe_link(api, app_settings):
    member = api.member("reader")
    url = links.unsubscribe(app_settings, member_id=member["id"],
                            kinds=["ask.offered", "message.new", "mod.warning"])
    return member, *_path(url)


def _email_on(make_uow, member_id, kind) -> bool:
    with make_uow() as uow:
        return preferences.effective(uow.session, member_id, kind).email


def test_the_unsubscribe_page_asks_first(client, make_uow, unsubscribe_link):
    member, path, token = unsubscribe_link
    page = client.get(path, query_string={"token": token}).get_data(as_text=True)
    assert "asks you could help with" in page and "Stop these emails</button>" in page
    assert _email_on(make_uow, member["id"], "ask.offered")


def test_one_click_stops_just_those_kinds_without_a_session(client, make_uow, unsubscribe_link):
    member, path, token = unsubscribe_link
    r = client.post(path, query_string={"token": token},
                    data={"List-Unsubscribe": "One-Click"})
    assert r.status_code == 200 and "no more of those emails" in r.get_data(as_text=True)
    assert not _email_on(make_uow, member["id"], "ask.offered")
    assert not _email_on(make_uow, member["id"], "message.new")
    assert _email_on(make_uow, member["id"], "thanks.received")  # not named in the link
    assert _email_on(make_uow, member["id"], "mod.warning")  # never switched off
    again = client.post(path, query_string={"token": token})
    assert again.status_code == 200


def test_the_api_one_click_takes_a_form_body_and_answers_204(client, make_uow,
                                                             unsubscribe_link):
    member, _, token = unsubscribe_link
    r = client.post("/api/v1/mail/unsubscribe", query_string={"token": token},
                    data={"List-Unsubscribe": "One-Click"})
    assert r.status_code == 204
    assert not _email_on(make_uow, member["id"], "ask.offered")


def test_the_api_refuses_a_forged_token_with_a_field_message(client):
    r = client.post("/api/v1/mail/unsubscribe", query_string={"token": "forged"})
    assert r.status_code == 422 and r.get_json()["errors"]["json"]["token"]


def test_an_unsubscribe_link_of_a_deleted_account_says_so(client, api, unsubscribe_link):
    member, path, token = unsubscribe_link
    assert api.call(member, "DELETE", "/me").status_code == 204
    page = client.post(path, query_string={"token": token}).get_data(as_text=True)
    assert "not valid any more" in page
