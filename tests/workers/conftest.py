"""Job tests: real Redis (a database of this run's own, emptied per test), a worker runtime on
the test database, and ``run_jobs`` — a real RQ worker in burst mode, in-process. The fixtures
live in ``tests/fixtures/jobs.py``, shared with the folders that also run jobs."""
