"""The limits on account mail: password links per address asked about and per network address,
tries at a link, links sent again, and changes of address — each refused kindly with 429."""

from __future__ import annotations

from tests.web.test_rate_limits import throttled


def ask_reset(client, email: str, ip: str = "127.0.0.1"):
    return client.post("/api/v1/auth/password-reset", json={"email": email},
                       environ_base={"REMOTE_ADDR": ip})


def test_the_sixth_password_link_for_one_address_in_an_hour_waits_wherever_it_comes_from(
        client):
    spellings = ["sam@example.org", "SAM@example.org", " sam@example.org"]
    replies = [ask_reset(client, spellings[i % 3], ip=f"10.0.0.{i}") for i in range(6)]
    assert [r.status_code for r in replies[:5]] == [202] * 5
    assert throttled(replies[5])
    assert "check your inbox and spam folder" in replies[5].get_json()["message"]
    assert ask_reset(client, "kim@example.org").status_code == 202  # another address is free


def test_the_21st_password_link_from_one_network_address_in_an_hour_waits(client):
    replies = [ask_reset(client, f"person{i}@example.org") for i in range(21)]
    assert [r.status_code for r in replies[:20]] == [202] * 20
    assert throttled(replies[20])
    assert ask_reset(client, "person0@example.org", ip="10.9.9.9").status_code == 202


def test_tries_at_a_link_are_limited_per_network_address(client):
    for path, body in (("/api/v1/auth/password-reset/confirm",
                        {"token": "not-a-link", "password": "a quiet and winding river"}),
                       ("/api/v1/auth/email/confirm", {"token": "not-a-link"})):
        limit = 20 if "password" in path else 30
        replies = [client.post(path, json=body) for _ in range(limit + 1)]
        assert {r.status_code for r in replies[:limit]} == {422}, path
        assert throttled(replies[limit]), path


def test_the_sixth_link_sent_again_in_an_hour_waits(api):
    sam = api.member("sam")
    replies = [api.call(sam, "POST", "/me/email/verify") for _ in range(6)]
    assert [r.status_code for r in replies[:5]] == [202] * 5
    assert throttled(replies[5])


def test_the_sixth_change_of_address_in_an_hour_waits_but_other_profile_changes_do_not(api):
    sam = api.member("sam")
    replies = [api.call(sam, "PATCH", "/me", json={"email": f"sam{i}@new.example"})
               for i in range(6)]
    assert [r.status_code for r in replies[:5]] == [200] * 5
    assert throttled(replies[5])
    assert api.call(sam, "PATCH", "/me", json={"bio": "Still here."}).status_code == 200
