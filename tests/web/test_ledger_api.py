"""Balances, the own ledger, the community view — and asking never gated by a balance."""

from __future__ import annotations

from exchange.ledger import service as ledger


def balance(api, who) -> dict:
    return api.call(who, "GET", "/me/balance").get_json()


def test_a_confirmed_help_shows_on_both_balances(api):
    alice, bob = api.member("alice"), api.member("bob")
    api.confirmed(alice, bob, minutes=40)
    assert balance(api, bob) == {"given_minutes": 40, "received_minutes": 0, "balance": 40,
                                 "helps_given": 1, "asks_received": 0}
    assert balance(api, alice) == {"given_minutes": 0, "received_minutes": 40, "balance": -40,
                                   "helps_given": 0, "asks_received": 1}


def test_a_new_member_has_an_empty_balance_and_ledger(api):
    alice = api.member()
    assert balance(api, alice)["balance"] == 0
    assert api.call(alice, "GET", "/me/ledger").get_json() == {"items": [], "next_cursor": None}


def test_ledger_entries_name_the_ask_and_the_sign(api):
    alice, bob = api.member("alice"), api.member("bob")
    ask = api.confirmed(alice, bob, minutes=35)
    [entry] = api.call(bob, "GET", "/me/ledger").get_json()["items"]
    assert (entry["amount"], entry["kind"], entry["ask_id"]) == (35, "help", ask["id"])
    [mirror] = api.call(alice, "GET", "/me/ledger").get_json()["items"]
    assert mirror["amount"] == -35 and mirror["transfer_id"] == entry["transfer_id"]


def test_the_ledger_pages_with_a_cursor_newest_first(api):
    alice, bob = api.member("alice"), api.member("bob")
    asks = [api.confirmed(alice, bob, minutes=m) for m in (10, 20, 30)]
    first = api.call(bob, "GET", "/me/ledger?limit=2").get_json()
    assert [e["ask_id"] for e in first["items"]] == [asks[2]["id"], asks[1]["id"]]
    assert first["next_cursor"] is not None
    rest = api.call(bob, "GET", f"/me/ledger?limit=2&cursor={first['next_cursor']}").get_json()
    assert [e["ask_id"] for e in rest["items"]] == [asks[0]["id"]]
    assert rest["next_cursor"] is None


def test_a_ledger_page_limit_out_of_range_is_refused(api):
    r = api.call(api.member(), "GET", "/me/ledger?limit=0")
    assert r.status_code == 422


def test_the_sum_of_all_entries_stays_zero(api, make_uow):
    alice, bob, carol = api.member(), api.member(), api.member()
    api.confirmed(alice, bob, minutes=15)
    api.confirmed(bob, carol, minutes=50)
    with make_uow() as uow:
        assert ledger.entries_total(uow.session) == 0


def test_cached_totals_equal_the_sums_of_entries(api, make_uow):
    alice, bob = api.member(), api.member()
    api.confirmed(alice, bob, minutes=15)
    api.confirmed(bob, alice, minutes=25)
    with make_uow() as uow:
        for member_id, (given, received) in ledger.sums_by_member(uow.session).items():
            totals = ledger.totals(uow.session, member_id)
            assert (totals["given_minutes"], totals["received_minutes"]) == (given, received)


def test_community_counts_members_who_both_gave_and_received(api):
    alice, bob, carol = api.member(), api.member(), api.member()
    api.confirmed(alice, bob, minutes=10)
    api.confirmed(bob, alice, minutes=20)
    api.confirmed(alice, carol, minutes=30)
    stats = api.call(carol, "GET", "/stats/community").get_json()
    assert stats["two_way_members"] == 2
    assert (stats["givers"], stats["helps_confirmed"], stats["minutes_exchanged"]) == (3, 3, 60)


def test_community_view_needs_a_signed_in_member(api):
    assert api.call(None, "GET", "/stats/community").status_code == 401


def test_a_member_deep_in_negative_balance_can_still_ask(api):
    alice, bob = api.member("alice"), api.member("bob")
    for _ in range(3):
        api.confirmed(alice, bob, minutes=240)
    assert balance(api, alice)["balance"] == -720
    r = api.call(alice, "POST", "/asks", json={"title": "One more small question", "minutes": 5})
    assert r.status_code == 201
