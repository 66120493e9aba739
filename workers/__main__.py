"""``python -m workers``: the same as ``exchange worker`` (used by ``exchange serve``)."""

from workers.cli import worker

worker(prog_name="exchange worker")
