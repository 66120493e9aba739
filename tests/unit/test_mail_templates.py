"""The notification and digest emails, rendered for real through ``compose.render``: every kind
(and variant) gives both parts, a short subject, the links it promises, and member text only
ever as text."""

from __future__ import annotations

from dataclasses import replace

import pytest
from jinja2 import UndefinedError
from markupsafe import escape

from exchange import payloads
from exchange.mail import kinds, views
from exchange.mail.compose import Letter, render
from exchange.notifications import preferences
from exchange.notifications.models import KINDS
from tests.mail_samples import (
    BASE,
    SAMPLES,
    SCRIPT,
    SETTINGS,
    ask,
    member,
    note,
    notifications_context,
    rendered,
)

SUBJECT_LIMIT = 78
TITLE = "“A second pair of eyes on one paragraph”"


def matched(**changes) -> dict:
    return ask(status="matched", helper={"handle": "ada", "display_name": "Ada"}, **changes)


# --- the samples are honest ----------------------------------------------------------------------

def test_every_notification_kind_has_a_sample_and_its_own_wording():
    assert {kind for kind, _, _ in SAMPLES.values()} == set(KINDS)
    assert set(kinds.WORDS) == set(KINDS) == set(views.IMPORTANCE)


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_each_sample_is_shaped_as_the_exchange_stores_it(sample):
    kind, data, _ = SAMPLES[sample]
    payloads.validate(kind, data)


def test_the_notices_mail_always_sends_are_the_ones_members_cannot_switch_off():
    assert views.ALWAYS == preferences.ALWAYS


# --- every kind ----------------------------------------------------------------------------------

@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_every_kind_renders_both_parts_with_a_short_subject(sample):
    message, text, html = rendered(notifications_context(sample))
    subject = str(message["Subject"])
    assert 0 < len(subject) <= SUBJECT_LIMIT
    assert text.startswith("Hi Ada Okafor,")
    assert "<p style=\"margin:0 0 16px\">Hi Ada Okafor,</p>" in html
    assert f"<title>{escape(subject)}</title>" in html
    assert f"{BASE}/settings" in text and f"{BASE}/settings" in html


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_every_kind_says_what_happened_in_both_parts_alike(sample):
    _, text, html = rendered(notifications_context(sample))
    context = notifications_context(sample)
    mail = views.notification_mail(context["member"], context["notes"], context["ask"],
                                   context["links"], BASE)
    [written] = mail.notes
    for words in (written.headline, *written.paragraphs):
        assert words in text and escape(words) in html
    for action in mail.actions:
        assert action.url in text and f'href="{action.url}"' in html


@pytest.mark.parametrize("sample", sorted(s for s in SAMPLES if SAMPLES[s][2] is not None))
def test_notes_about_an_ask_link_to_it_or_offer_a_way_in(sample):
    _, text, _ = rendered(notifications_context(sample))
    assert f"{BASE}/asks/42" in text or f"{BASE}/home" in text


def test_a_context_missing_a_key_fails_loudly_rather_than_sending_a_gap():
    context = notifications_context("ask.accepted")
    del context["links"]
    with pytest.raises(UndefinedError):
        rendered(context)


# --- offers --------------------------------------------------------------------------------------

def test_an_offer_says_what_how_long_when_and_why_with_two_buttons():
    message, text, html = rendered(notifications_context("ask.offered"))
    assert str(message["Subject"]) == f"Could you help with {TITLE}?"
    assert "Sam Rivera could use a hand with “A second pair of eyes on one paragraph”" in text
    assert "> It's the opening of my cover letter.\n> About 150 words, due Friday." in text
    assert "How long: about 15 minutes" in text
    assert "When: Thursday 10 December, 14:00–15:30 (Berlin time)" in text
    assert "Why we asked you: you know writing and you're free Thursday" in text
    assert "online now" not in text  # no longer true by the time mail goes
    assert f"I can help: {BASE}/offers/accept?token=yes-token" in text
    assert f"Not this time: {BASE}/offers/pass?token=no-token" in text
    assert f'href="{BASE}/offers/accept?token=yes-token"' in html
    assert f'href="{BASE}/offers/pass?token=no-token"' in html
    assert ">I can help</a>" in html and ">Not this time</a>" in html


def test_an_offer_makes_clear_that_passing_is_fine_and_private():
    _, text, _ = rendered(notifications_context("ask.offered"))
    assert "completely fine, and private: Sam Rivera isn't told" in text


def test_an_offer_taken_since_it_was_made_shows_no_buttons_and_asks_nothing():
    context = notifications_context("ask.offered", ask=matched())
    message, text, html = rendered(context)
    assert "doesn't need a helper any more" in str(message["Subject"])
    assert "accept?token" not in text and "pass?token" not in html
    assert "Thank you for being open to it." in text


def test_an_in_person_offer_names_the_area_and_an_open_window_says_any_time():
    now = ask(mode="in_person", area="Leith", window_start=None, window_end=None)
    context = notifications_context("ask.offered", ask=now)
    context["notes"][0]["data"]["ask"] = now
    _, text, _ = rendered(context)
    assert "Where: in person, around Leith" in text
    assert "When: whenever suits, there's no set time" in text


# --- member text is text -------------------------------------------------------------------------

def test_a_title_with_a_script_tag_is_escaped_in_html_and_plain_in_text():
    hostile = ask(title=SCRIPT, details="<b>bold?</b> & more")
    context = notifications_context("ask.offered", ask=hostile)
    context["notes"][0]["data"]["ask"] = hostile
    message, text, html = rendered(context)
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&#39;hi&#39;)&lt;/script&gt;" in html
    assert "&lt;b&gt;bold?&lt;/b&gt; &amp; more" in html
    assert SCRIPT in text and "<b>bold?</b> & more" in text
    assert "<script>" in str(message["Subject"])  # a header is text too; no one renders it


def test_a_message_with_markup_and_line_breaks_reads_as_written():
    context = notifications_context("message.new")
    context["notes"][0]["data"]["message"]["body"] = "<img src=x onerror=alert(1)>\nsecond line"
    _, text, html = rendered(context)
    assert "> <img src=x onerror=alert(1)>\n> second line" in text
    assert "&lt;img src=x onerror=alert(1)&gt;<br>\nsecond line" in html


def test_a_title_with_a_line_break_stays_on_the_subject_line():
    broken = ask(title="Help me\nSubject: free money\nplease")
    context = notifications_context("ask.accepted", ask=broken)
    message, text, _ = rendered(context)
    assert str(message["Subject"]).endswith("“Help me Subject: free money please”")
    assert text.startswith("Hi Ada Okafor,")


# --- what each kind shows ------------------------------------------------------------------------

def test_a_new_message_shows_its_text_and_who_wrote_it():
    message, text, _ = rendered(notifications_context("message.new"))
    assert str(message["Subject"]) == f"Ada Okafor wrote about {TITLE}"
    assert "> Happy to!\n> Send it over when ready." in text
    assert f"Reply: {BASE}/asks/42" in text


def test_thanks_shows_the_thanks_and_the_difference_it_made():
    _, text, html = rendered(notifications_context("thanks.received"))
    assert "> Thank you, that was exactly what it needed." in text
    assert "The difference it made:\n> I sent it off the same evening" in text
    assert "The difference it made:" in html


@pytest.mark.parametrize("sample, reason", [("mod.warning.warned", "Please keep messages"),
                                            ("ask.hidden", "Looks like an advert."),
                                            ("account.suspended", "Repeated off-topic asks.")])
def test_moderation_notices_state_what_was_done_and_the_moderators_reason(sample, reason):
    _, text, html = rendered(notifications_context(sample))
    assert f"The moderator's reason:\n> {reason}" in text
    assert reason in html.replace("&#39;", "'")
    assert "always send notes like this one by email" in text


def test_a_suspension_says_until_when_in_the_members_own_time():
    _, text, _ = rendered(notifications_context("account.suspended"))
    assert "Your account is paused until Thursday 10 December, 09:00 (Berlin time)" in text


def test_content_hidden_pending_review_names_what_was_hidden():
    message, _, _ = rendered(notifications_context("mod.warning.hidden"))
    assert str(message["Subject"]) == "Your message is hidden for now"


def test_a_confirmed_help_names_the_minutes_given():
    _, text, _ = rendered(notifications_context("ask.confirmed"))
    assert "20 minutes given, now on your record." in text


def test_times_are_in_utc_and_say_so_when_the_members_timezone_is_unknown():
    context = notifications_context("ask.offered", member=member(timezone=None))
    _, text, _ = rendered(context)
    assert "When: Thursday 10 December, 13:00–14:30 (UTC)" in text


# --- several notes in one email ------------------------------------------------------------------

def test_several_notes_of_one_ask_come_in_order_under_the_most_important_subject():
    now = matched()
    said = SAMPLES["message.new"][1]
    context = notifications_context("ask.accepted", ask=now, notes=[
        note("ask.accepted", {"ask": now}), note("message.new", said),
        note("message.new", said)])
    message, text, _ = rendered(context)
    assert str(message["Subject"]) == "Ada is helping with “A second pair of eyes on one paragraph”"
    assert "Here's what happened with “A second pair of eyes on one paragraph”:" in text
    assert text.index("* Ada is helping") < text.index("* Ada Okafor wrote about")
    assert text.count("> Happy to!") == 2
    assert text.count(f"{BASE}/asks/42") == 1  # one next step, not one per note


def test_several_messages_alone_are_counted_in_the_subject():
    said = SAMPLES["message.new"][1]
    context = notifications_context("message.new",
                                    notes=[note("message.new", said) for _ in range(3)])
    message, _, _ = rendered(context)
    assert str(message["Subject"]) == f"3 new messages about {TITLE}"


def test_a_moderation_notice_leads_the_subject_over_ordinary_news():
    hidden = SAMPLES["ask.hidden"][1]
    context = notifications_context("ask.hidden", notes=[
        note("ask.still_open", SAMPLES["ask.still_open"][1]), note("ask.hidden", hidden)])
    message, _, _ = rendered(context)
    assert str(message["Subject"]).startswith("Your ask “A second pair")


def test_a_long_title_is_shortened_in_the_subject_but_whole_in_the_body():
    long_title = "Talk through " + "a rather long and winding decision " * 3
    context = notifications_context("ask.accepted", ask=matched(title=long_title))
    message, text, _ = rendered(context)
    assert len(str(message["Subject"])) <= SUBJECT_LIMIT
    assert str(message["Subject"]).endswith("…”")
    assert " ".join(long_title.split()) in text


def test_the_templates_render_without_a_base_url_setting():
    message = render(Letter(to="a@example.org", template="notifications",
                            context=notifications_context("ask.accepted"),
                            message_id="x@example.org"), replace(SETTINGS, base_url=""))
    assert "http://127.0.0.1:5000" in message.get_body(("plain",)).get_content()


def test_an_accepted_ask_links_to_its_conversation():
    _, _, html = rendered(notifications_context("ask.accepted"))
    assert f'href="{BASE}/asks/42"' in html and ">Open the conversation</a>" in html


def test_a_closed_offer_names_a_hidden_ask_nowhere():
    """A moderator's hide reaches offered helpers without the ask's title, even by email."""
    _, text, html = rendered(notifications_context("offer.closed.hidden"))
    assert SAMPLES["ask.offered"][1]["ask"]["title"] not in text + html
    assert "An ask you were offered doesn't need a helper any more" in text
    _, text, _ = rendered(notifications_context("offer.closed.cancelled"))
    assert "The person who asked doesn't need it any more" in text
