def test_a_member_can_ask_another_can_help_and_both_see_the_minutes(api):
    alice, bob = api.member("alice"), api.member("bob")
    ask = api.confirmed(alice, bob, minutes=45)
    assert ask["status"] == "confirmed"
    assert api.call(bob, "GET", "/me/balance").get_json()["given_minutes"] == 45
    assert api.call(alice, "GET", "/me/balance").get_json()["received_minutes"] == 45
