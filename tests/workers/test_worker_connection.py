"""The worker's blocking dequeue never times out on a connection made for quick calls.

``exchange serve``'s worker logged "could not connect to Redis instance: Timeout reading from
socket" seconds after start and about once a minute after: the worker shared the runtime's
Redis client (5 s socket timeout), ``wait_for_redis`` left a pinged connection in its pool, and
RQ raises only the pool's timeout for connections made later — so the dequeue's BLPOP, waiting
minutes for a job, ran on that 5 s connection and was cut off (and a job pushed at that moment
could be popped by Redis and never read). The steps below are ``exchange worker``'s own
(``workers.cli.worker``), up to its first dequeue.
"""

from __future__ import annotations

from rq.worker import BaseWorker

from exchange.adapters.rq_jobs import connect
from workers import dead_workers, recovery
from workers import runtime as worker_runtime
from workers.cli import make_worker


def test_the_dequeue_waits_past_the_quick_timeout_on_the_workers_connection(job_settings, db):
    name = dead_workers.name("worker")
    rt = worker_runtime.configure(job_settings, db=db,
                                  redis=connect(job_settings.redis_url, client_name=name))
    try:
        recovery.wait_for_redis(rt.jobs.connection)  # as the worker does before building RQ's
        worker = make_worker(rt, name=name)
        quick = rt.jobs.connection.connection_pool.connection_kwargs["socket_timeout"]
        assert quick == 5  # requests and enqueues still fail fast
        assert worker.connection_timeout > quick

        # The dequeue's own call (rq.Queue.lpop), waiting past the quick timeout: it must come
        # back empty-handed, not raise TimeoutError.
        assert worker.connection.blpop(["rq:queue:nothing-here"], quick + 1) is None
        client = worker.connection.connection_pool.get_connection()
        try:
            assert client.socket_timeout >= worker.connection_timeout
            assert client.socket_timeout >= BaseWorker.dequeue_timeout.fget(worker)
        finally:
            worker.connection.connection_pool.release(client)
    finally:
        worker_runtime.reset()
