"""The ``exchange`` console script's entry: gevent for ``exchange serve``, nothing else.

``exchange serve`` serves like production, one greenlet per connection (gevent's WSGI server,
Flask-SocketIO's gevent mode): so gevent's monkey patching must happen before Flask,
SQLAlchemy, psycopg or redis-py are imported, which is before ``web.cli`` is. Only ``serve``
is patched: the worker, the bench, ``db`` and the rest stay plain threads and blocking I/O
(RQ forks, the bench runs thread pools of its own).
"""

from __future__ import annotations

import sys

# The ``exchange`` group's own options that take a value (FlaskGroup's), so the subcommand is
# found after them: ``exchange --app web serve``.
_VALUED = {"--app", "-A", "--env-file", "-e"}


def subcommand(argv: list[str]) -> str | None:
    """The subcommand named on the command line (``argv`` without the program), or None."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in _VALUED:
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def main() -> None:
    if subcommand(sys.argv[1:]) == "serve":
        from gevent import monkey
        monkey.patch_all()
    from web.cli import main as cli_main
    cli_main()
