"""Log lines: one JSON object per line (``EXCHANGE_LOG_FORMAT=json``) or plain text, each
carrying the request id of the request — or of the job — it was written for.

The request id lives in a context variable. The web process sets it for each request
(``web.observability``: a sane incoming ``X-Request-ID`` is kept, otherwise one is made up);
``exchange.adapters.rq_jobs`` copies it into the meta of every job the request enqueues; the
worker sets it again around that job (``workers.observability``), so the request's lines and
its jobs' lines share one id. Context variables are per thread (and per greenlet), so
concurrent requests and the matching lanes never see each other's id. ``received_at`` (when
the request arrived) travels the same way, for the post → offer figure
(``exchange.adapters.metrics``).

The security log is the ``exchange.security`` logger: sign-ins, failed sign-ins, refused
authorizations and moderator actions, one structured line each (``security(event, **fields)``).
Fields are ids, routes and outcomes — never a password, a token or a cookie.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar

request_id: ContextVar[str | None] = ContextVar("exchange_request_id", default=None)
job_id: ContextVar[str | None] = ContextVar("exchange_job_id", default=None)
received_at: ContextVar[float | None] = ContextVar("exchange_received_at", default=None)
FORMATS = ("plain", "json")
SANE_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")
SECURITY = logging.getLogger("exchange.security")
# LogRecord's own attributes: anything else on a record came from ``extra=`` and is a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def new_request_id() -> str:
    return uuid.uuid4().hex


def sane_request_id(value: str | None) -> str | None:
    """An incoming id worth keeping: 8–64 letters, digits and ``._:-``; anything else (a
    header stuffed with a log line, say) is replaced, never echoed."""
    return value if value and SANE_ID.fullmatch(value) else None


def security(event: str, **fields) -> None:
    """One security line: ``event`` and its fields (ids and outcomes only)."""
    SECURITY.info(event, extra={"event": event, **fields})


def _fields(record: logging.LogRecord) -> dict:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, var in (("request_id", request_id), ("job_id", job_id)):
            if var.get() is not None:
                line[name] = var.get()
        line.update(_fields(record))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class PlainFormatter(logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        extra = {k: v for k, v in _fields(record).items() if k != "event"}
        ids = [f"{name}={var.get()}" for name, var in (("request", request_id), ("job", job_id))
               if var.get() is not None]
        tail = " ".join(ids + [f"{k}={v}" for k, v in extra.items()])
        return f"{text} [{tail}]" if tail else text


def configure_logging(fmt: str = "plain", level: int = logging.INFO, stream=None) -> None:
    """The root logger writes one line per record to ``stream`` (stderr) in ``fmt``. Called
    once by each process's entry point; calling it again replaces the handler."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_exchange", False)]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else PlainFormatter())
    handler._exchange = True
    root.addHandler(handler)
    root.setLevel(level)
    # On a console (plain), RQ's four lines per job and per minute's sweep drown what a person
    # running `exchange serve` wants to see; JSON (production) keeps them for the log store.
    # RQ sets "rq.worker" to INFO when imported (if unset), so each of its loggers is named.
    for name in ("rq", "rq.worker", "rq.job", "rq.scheduler"):
        logging.getLogger(name).setLevel(logging.WARNING if fmt == "plain" else logging.NOTSET)
