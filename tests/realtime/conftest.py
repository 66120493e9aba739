"""Live Socket.IO tests: ``exchange serve`` subprocesses on the test database and Redis, and
clients that record their pushes. The fixtures (``server``, ``serve``, ``listen``,
``publisher``, and the in-process ``job_api``/``run_jobs`` on the same push channel) come from
``tests/fixtures/live.py`` and ``tests/fixtures/jobs.py``; ``live.py`` here has the helpers."""
