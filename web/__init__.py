"""The web entry point: Flask app, REST API (flask-smorest), pages, Socket.IO.

``flask --app web`` finds ``create_app`` here. It is loaded on first use, not when the package
is imported: ``web.entry`` (the ``exchange`` script) and ``web.wsgi`` must be able to apply
gevent's monkey patching before Flask and the database drivers are imported.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from web.app import create_app
        return create_app
    raise AttributeError(f"module 'web' has no attribute {name!r}")
