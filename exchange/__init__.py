"""The exchange: the core.

Features live in sub-packages (members, asks, offers, ledger, conversation, notifications,
reminders, matching, moderation), each with models, services and schemas, over a thin kernel
(``uow``, ``dispatch``, ``events``, ``policy``, ``outbox``, ``db``, ``config`` …). Features depend
downward only, and nothing here imports a web framework, job queue or socket library outside
``exchange.adapters``; ``web`` and ``workers`` depend on it, never the reverse. The layers are
``[tool.importlinter]`` contracts in pyproject.toml, checked on every test run.
"""
