"""Sign-up, API tokens and browser sessions."""

from __future__ import annotations

from tests.conftest import PASSWORD
from tests.web.flow_helpers import field_errors


def register(client, handle="alice", email=None, password=PASSWORD):
    body = {"handle": handle, "email": email or f"{handle}@example.org", "password": password,
            "display_name": "Alice"}
    return client.post("/api/v1/auth/register", json=body)


def token_for(client, login, password=PASSWORD):
    return client.post("/api/v1/auth/tokens", json={"login": login, "password": password})


def login(client, login="alice"):
    r = client.post("/api/v1/auth/login", json={"login": login, "password": PASSWORD})
    assert r.status_code == 200, r.get_json()
    return r.get_json()["csrf_token"]


def test_register_returns_the_new_member_without_a_password(client):
    r = register(client)
    assert r.status_code == 201
    body = r.get_json()
    assert body["handle"] == "alice" and body["role"] == "member" and body["status"] == "active"
    assert not {"password", "password_hash"} & body.keys()
    assert PASSWORD not in r.get_data(as_text=True)


def test_register_stores_the_email_lowercased(client):
    r = register(client, email="Alice.Smith@Example.ORG")
    assert r.get_json()["email"] == "alice.smith@example.org"


def test_a_handle_taken_in_another_case_is_a_conflict_on_the_handle(client):
    register(client, "alice")
    r = register(client, "ALICE", email="other@example.org")
    assert r.status_code == 409
    assert r.get_json()["errors"]["json"]["handle"]


def test_an_email_another_account_has_is_not_a_conflict_and_is_not_said(client):
    register(client, "alice", email="alice@example.org")
    r = register(client, "alice2", email="ALICE@example.org")
    assert r.status_code == 201
    assert r.get_json()["email"] == "alice@example.org"
    assert r.get_json()["email_verified"] is False


def test_a_password_under_ten_characters_is_refused_on_the_password_field(client):
    assert "password" in field_errors(register(client, password="short1!"))


def test_a_common_password_is_refused_on_the_password_field(client):
    assert "password" in field_errors(register(client, password="password123"))


def test_a_refused_registration_creates_no_account(client):
    register(client, password="password123")
    assert token_for(client, "alice", "password123").status_code == 401


def test_a_token_can_be_had_with_the_handle(client):
    register(client)
    r = token_for(client, "alice")
    assert r.status_code == 201
    assert r.get_json()["token"] and r.get_json()["member"]["handle"] == "alice"


def test_a_token_can_be_had_with_the_email_in_any_case(client):
    register(client)
    assert token_for(client, "Alice@Example.org").status_code == 201


def test_a_wrong_password_gets_no_token(client):
    register(client)
    r = token_for(client, "alice", "not the right one")
    assert r.status_code == 401
    assert "token" not in r.get_json()


def test_a_revoked_token_no_longer_signs_in(client):
    register(client)
    headers = {"Authorization": f"Bearer {token_for(client, 'alice').get_json()['token']}"}
    assert client.delete("/api/v1/auth/tokens/current", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_revoking_one_token_leaves_the_others_working(client):
    register(client)
    first, second = (token_for(client, "alice").get_json()["token"] for _ in range(2))
    client.delete("/api/v1/auth/tokens/current", headers={"Authorization": f"Bearer {first}"})
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {second}"}).status_code \
        == 200


def test_requests_without_credentials_are_unauthenticated(client):
    assert client.get("/api/v1/me").status_code == 401


def test_browser_login_sets_a_session_cookie(client):
    register(client)
    login(client)
    assert client.get_cookie("session") is not None
    assert client.get("/api/v1/me").get_json()["handle"] == "alice"


def test_a_cookie_request_that_changes_something_needs_the_csrf_token(client):
    register(client)
    login(client)
    r = client.patch("/api/v1/me", json={"bio": "hello"})
    assert r.status_code == 400
    assert r.get_json()["reason"] == "csrf"


def test_the_csrf_token_from_login_lets_a_cookie_request_through(client):
    register(client)
    token = login(client)
    r = client.patch("/api/v1/me", json={"bio": "hello"}, headers={"X-CSRFToken": token})
    assert r.status_code == 200
    assert r.get_json()["bio"] == "hello"


def test_the_csrf_endpoint_gives_a_token_that_works_for_the_session(client):
    register(client)
    login(client)
    r = client.get("/api/v1/auth/csrf")
    assert r.status_code == 200
    token = r.get_json()["csrf_token"]
    r = client.patch("/api/v1/me", json={"bio": "hi"}, headers={"X-CSRFToken": token})
    assert r.status_code == 200


def test_logout_ends_the_browser_session(client):
    register(client)
    token = login(client)
    r = client.post("/api/v1/auth/logout", headers={"X-CSRFToken": token})
    assert r.status_code == 204
    assert client.get("/api/v1/me").status_code == 401


def test_browser_login_with_a_wrong_password_sets_no_session(client):
    register(client)
    r = client.post("/api/v1/auth/login", json={"login": "alice", "password": "nope nope nope"})
    assert r.status_code == 401
    assert client.get("/api/v1/me").status_code == 401


def test_a_handle_typed_with_capitals_is_stored_lowercase(client):
    assert register(client, "Alice").get_json()["handle"] == "alice"
