"""The WSGI entry point for production servers (docker-compose.yml's ``web`` command):

    gunicorn --worker-class gevent --workers 1 --worker-connections 10000 \\
        --bind 0.0.0.0:8000 web.wsgi:app

One process per container, one greenlet per connection (Socket.IO gevent mode + simple-
websocket): a connected socket costs a greenlet, not an OS thread, so one process holds
thousands (docs/decisions/0009-server-mode.md). Scale out with more containers behind a proxy
with sticky sessions (docs/decisions/0004-realtime.md).

gevent's monkey patching comes first, before Flask, SQLAlchemy, psycopg or redis-py are
imported, so every socket, lock and sleep they make is cooperative. Gunicorn's gevent worker
patches too before it loads this module; patching twice is harmless, and this keeps the module
right under any server that imports it.
"""

from gevent import monkey

monkey.patch_all()

from exchange.adapters.logs import configure_logging  # noqa: E402
from exchange.collector import tune_for_serving  # noqa: E402
from exchange.config import Settings  # noqa: E402
from web import create_app  # noqa: E402 - after the patching, on purpose

settings = Settings.from_env()
configure_logging(settings.log_format)  # EXCHANGE_LOG_FORMAT: json by default in production
app = create_app(settings)
tune_for_serving()  # the start-up heap frozen, full collections rarer (exchange/collector.py)
