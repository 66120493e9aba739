"""Figures that several processes add to, kept in Redis, and the collector that shows them.

Workers are separate processes, often on other hosts (docker-compose.yml), so what they measure
— a wave's duration, post → offer, mail and push sent or failed — is added to Redis
(``SharedMetrics``: ``HINCRBY`` on a hash per figure, one pipelined round trip) and read back
by ``SharedCollector`` whenever ``/metrics`` is scraped; queue depths are read live from RQ's
queues. The web process's own figures (request latency by route, its connected sockets) stay in
its memory (``web.observability``). docs/decisions/0013-metrics-across-processes.md says why.
"""

from __future__ import annotations

import logging
import math

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

from exchange.adapters.rq_jobs import QUEUES

log = logging.getLogger(__name__)
PREFIX = "exchange:metrics:"
# Seconds: a wave takes milliseconds; post → offer includes the queue, so up to minutes.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
HISTOGRAMS = {
    "match_wave_duration_seconds": "Time to run one wave of matching (select, offer, commit).",
    "post_to_offer_seconds": "From an ask's POST reaching the web process to its first "
                             "wave's offers committed and published.",
}
COUNTERS = {
    "mail_sent": "Emails the mail system accepted.",
    "mail_failed": "Emails deferred or refused by the mail system.",
    "push_sent": "Web Push messages a push service accepted.",
    "push_failed": "Web Push messages refused, gone or deferred.",
}


class SharedMetrics:
    def __init__(self, connection):
        self.redis = connection

    def inc(self, name: str, amount: int = 1) -> None:
        self._safely(lambda pipe: pipe.hincrby(PREFIX + "counters", name, amount))

    def observe(self, name: str, seconds: float) -> None:
        bucket = next((str(b) for b in BUCKETS if seconds <= b), "+Inf")

        def write(pipe):
            pipe.hincrby(PREFIX + name, bucket, 1)
            pipe.hincrbyfloat(PREFIX + name, "sum", max(seconds, 0.0))
        self._safely(write)

    def _safely(self, write) -> None:
        """A figure is never worth failing a job for: Redis away, the figure is lost."""
        try:
            with self.redis.pipeline(transaction=False) as pipe:
                write(pipe)
                pipe.execute()
        except Exception:  # noqa: BLE001
            log.warning("could not record a metric", exc_info=True)

    def read_histogram(self, name: str) -> tuple[list[tuple[str, int]], float]:
        raw = {_text(k): _text(v) for k, v in self.redis.hgetall(PREFIX + name).items()}
        running, cumulative = 0, []
        for bound in [str(b) for b in BUCKETS] + ["+Inf"]:
            running += int(raw.get(bound, 0))
            cumulative.append((bound, running))
        return cumulative, float(raw.get("sum", 0.0))

    def read_counters(self) -> dict[str, int]:
        raw = self.redis.hgetall(PREFIX + "counters")
        return {_text(k): int(v) for k, v in raw.items()}


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else value


class SharedCollector:
    """A prometheus_client collector over ``SharedMetrics`` and RQ's queue lengths."""

    def __init__(self, shared: SharedMetrics):
        self.shared = shared

    def collect(self):
        try:
            families = list(self._families())
        except Exception:  # noqa: BLE001 - the process's own figures still answer
            log.warning("could not read the shared metrics", exc_info=True)
            families = []
        up = GaugeMetricFamily("exchange_shared_metrics_up",
                               "1 when the figures shared in Redis could be read.")
        up.add_metric([], 1 if families else 0)
        yield up
        yield from families

    def _families(self):
        for name, help_text in HISTOGRAMS.items():
            buckets, total = self.shared.read_histogram(name)
            yield HistogramMetricFamily(f"exchange_{name}", help_text, buckets=buckets,
                                        sum_value=0.0 if math.isnan(total) else total)
        counts = self.shared.read_counters()
        for name, help_text in COUNTERS.items():
            family = CounterMetricFamily(f"exchange_{name}", help_text)
            family.add_metric([], counts.get(name, 0))
            yield family
        depth = GaugeMetricFamily("exchange_queue_depth", "Jobs waiting in each RQ queue.",
                                  labels=["queue"])
        with self.shared.redis.pipeline(transaction=False) as pipe:
            for queue in QUEUES:
                pipe.llen(f"rq:queue:{queue}")
            lengths = pipe.execute()
        for queue, length in zip(QUEUES, lengths, strict=True):
            depth.add_metric([queue], length)
        yield depth


class CountingMailer:
    """A ``Mailer`` that counts what it sends (``mail_sent``) and what fails (``mail_failed``)."""

    def __init__(self, mailer, shared: SharedMetrics):
        self.mailer, self.shared = mailer, shared

    def send(self, message) -> None:
        try:
            self.mailer.send(message)
        except Exception:
            self.shared.inc("mail_failed")
            raise
        self.shared.inc("mail_sent")

    def __getattr__(self, name):
        return getattr(self.mailer, name)


class CountingPusher:
    """A ``PushSender`` that counts accepted pushes and refused, gone or deferred ones."""

    def __init__(self, pusher, shared: SharedMetrics):
        self.pusher, self.shared = pusher, shared

    def send(self, subscription, payload, **options) -> bool:
        try:
            ok = self.pusher.send(subscription, payload, **options)
        except Exception:
            self.shared.inc("push_failed")
            raise
        self.shared.inc("push_sent" if ok else "push_failed")
        return ok

    def __getattr__(self, name):
        return getattr(self.pusher, name)
