"""Small helpers shared by the core-flow API tests (not a test module itself)."""

from __future__ import annotations

from sqlalchemy import update

from exchange.asks.models import Ask


def notes(api, who, kind: str | None = None) -> list[dict]:
    """``who``'s stored notifications, oldest first, optionally of one kind."""
    r = api.call(who, "GET", "/notifications")
    assert r.status_code == 200, r.get_json()
    items = r.get_json()["items"]
    return [n for n in items if kind is None or n["kind"] == kind]


def field_errors(response) -> dict:
    """The per-field messages of a 422 (flask-smorest's ``errors.json`` shape)."""
    assert response.status_code == 422, response.get_json()
    return response.get_json()["errors"]["json"]


def hide_ask(make_uow, ask_id: int) -> None:
    """Hide an ask as moderation would (the moderation API is a later feature)."""
    with make_uow() as uow:
        uow.session.execute(update(Ask).where(Ask.id == ask_id).values(hidden=True))
        uow.commit()


def ask_status(make_uow, ask_id: int) -> str:
    with make_uow() as uow:
        return uow.session.get(Ask, ask_id).status
