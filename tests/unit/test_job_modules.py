"""Every job a process can enqueue names a module the worker imports at start
(``workers.cli.JOB_MODULES``), so no job pays for an import when it runs."""

from __future__ import annotations

import re
from pathlib import Path

from workers.cli import JOB_MODULES

ROOT = Path(__file__).resolve().parents[2]
JOB_PATH = re.compile(r'"(workers\.[a-z_]+)\.[a-z_]+"')


def test_every_job_function_named_in_the_code_is_preloaded():
    named = {m for folder in ("exchange", "workers") for path in (ROOT / folder).rglob("*.py")
             for m in JOB_PATH.findall(path.read_text())}
    assert named, "no job paths found: has the naming changed?"
    assert named <= set(JOB_MODULES), named - set(JOB_MODULES)
