"""The web entry point: Flask app, REST API (flask-smorest), pages, Socket.IO later.

``flask --app web`` finds ``create_app`` here.
"""

from web.app import create_app

__all__ = ["create_app"]
