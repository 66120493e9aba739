"""Python's garbage collector, tuned for the long-running processes: the web process that holds
thousands of sockets, and the worker whose waves must not wait.

CPython's cycle collector stops the whole process while it runs, every greenlet included, and a
full collection scans every tracked object: with 5,000 sockets connected the web process holds
about 1.1 million, and one full collection took 0.6 s on this project's two-core machine — a
stall every socket and every request waited out (docs/decisions/0022-garbage-collector.md).
During a storm of connections (after a deploy, every browser reconnecting) CPython's defaults
ran sixteen of them, each longer than the last.

``tune_for_serving`` does two things, once the app is built:

* ``gc.freeze()``: the objects made at start-up (modules, the app, its schemas and compiled
  statements; about 200,000) move to a generation no collection scans again. They live as long
  as the process anyway.
* a full collection only after ``FULL_EVERY`` collections of the middle generation (CPython's
  default: 10). The young generations are collected as often as before (their pauses stay
  short), and CPython still skips a full collection until the long-lived objects grew by a
  quarter; what changes is that a connection storm pays for two or three full scans instead of
  sixteen. Cyclic garbage that reached the oldest generation waits longer to be freed.

The worker calls it too, once its scheduler is forked and just before its work loop: its full
collections stopped a wave for up to 107 ms at 50 asks a second. The CLI's other commands and
the tests keep CPython's defaults.
"""

from __future__ import annotations

import gc

FULL_EVERY = 100


def tune_for_serving() -> None:
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_EVERY)
