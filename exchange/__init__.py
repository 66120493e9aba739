"""The exchange: the core.

Features live in sub-packages (members, asks, ledger, conversation, notifications), each with
models, services and schemas. This package imports no web framework, job queue or socket
library outside ``exchange.adapters``; ``web`` and ``workers`` depend on it, never the reverse.
"""
