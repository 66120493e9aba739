"""The WSGI entry point for production servers:

    gunicorn --worker-class gthread --workers 1 --threads 100 --bind 0.0.0.0:8000 web.wsgi:app

One process per container (Socket.IO keeps per-connection state in the process; scale out with
more containers behind a proxy with sticky sessions — docs/decisions/0004-realtime.md).
"""

from web import create_app

app = create_app()
