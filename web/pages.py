"""Server-rendered pages. For now a welcome page that explains the exchange and the API."""

from __future__ import annotations

from flask import Blueprint, render_template

pages = Blueprint("pages", __name__, template_folder="templates", static_folder="static",
                  static_url_path="/static")


@pages.get("/")
def index():
    return render_template("index.html")


@pages.get("/healthz")
def health():
    return {"ok": True}
