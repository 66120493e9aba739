"""Push payload contracts: the flows run on the job fixtures of ``tests/fixtures/jobs.py``
(real Redis, an in-process RQ worker, a push channel of this session's own)."""
