"""A job's log lines carry the request id of the request that enqueued it.

``JobContext`` is mixed into every RQ worker class of ``exchange worker`` (the main worker and
the matching lanes): around each job it sets ``exchange.adapters.logs``' context variables from
the job's meta (written by ``exchange.adapters.rq_jobs`` at enqueue time) and the job's id, so
every line logged while the job runs — ours and RQ's own — names both.
"""

from __future__ import annotations

from exchange.adapters import logs


class JobContext:
    def perform_job(self, job, queue, *args, **kwargs):
        meta = job.meta or {}
        tokens = [(logs.request_id, logs.request_id.set(meta.get("request_id"))),
                  (logs.received_at, logs.received_at.set(meta.get("received_at"))),
                  (logs.job_id, logs.job_id.set(job.id))]
        try:
            return super().perform_job(job, queue, *args, **kwargs)
        finally:
            for var, token in reversed(tokens):
                var.reset(token)
