"""Web and worker processes for the multi-process scenarios (``sustained``, ``scaleout``).

``fleet(database_url, redis_url, webs=W, workers=K)`` starts W web processes and K workers on
one database and one Redis, all on one push channel (so a push published by any worker reaches
a client connected to any web process), with hop tracing on; it yields the web URLs. Each web
process is ``exchange serve`` or, with ``server="production"``, docker-compose.yml's web command
(``benchmarks.live.LiveExchange``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

from benchmarks.live import LiveExchange


@dataclass
class Fleet:
    urls: list[str]
    lives: list[LiveExchange] = field(default_factory=list)

    @property
    def peak_mb(self) -> float:
        return max((live.peak_mb for live in self.lives), default=0.0)


@contextmanager
def fleet(database_url: str, redis_url: str, *, webs: int = 1, workers: int = 1,
          env: dict[str, str] | None = None, server: str = "serve") -> Iterator[Fleet]:
    channel = f"bench-{uuid.uuid4().hex}"
    shared = {"EXCHANGE_TRACE_HOPS": "1", "EXCHANGE_PUSH_CHANNEL": channel, **(env or {})}
    found = Fleet(urls=[])
    if workers > webs:
        raise ValueError("each worker runs beside a web process: workers <= webs")
    with ExitStack() as stack:
        for i in range(webs):
            live = LiveExchange(database_url, redis_url, worker=i < workers, env=shared,
                                server=server)
            stack.enter_context(live)
            found.urls.append(live.url)
            found.lives.append(live)
        yield found
    # each LiveExchange is stopped (and reaped, with its peak memory) by the ExitStack
