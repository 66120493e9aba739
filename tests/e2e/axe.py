"""axe-core (Deque's accessibility engine) for the browser tests, fetched from the npm registry.

The version is pinned here. ``axe_source()`` runs ``npm pack axe-core@VERSION`` once into
``.cache/axe-core/VERSION/`` at the repository root (git-ignored) and reads ``axe.min.js`` out
of the tarball; later runs read the cached file. npm checks the tarball against the registry's
integrity hash. Nothing loads from a CDN, and no page is changed to carry it: the tests add it
to a browser context with ``add_init_script`` (the DevTools protocol's "evaluate on new
document"), which a page's ``Content-Security-Policy`` does not govern, so every page is checked
under its real, strict policy.

``scripts/test`` installs Debian's ``npm`` when it is missing; without it these tests fail with
that advice rather than skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import pytest

VERSION = "4.14.1"
ROOT = Path(__file__).parents[2]
CACHE = ROOT / ".cache" / "axe-core" / VERSION
SERIOUS = ("serious", "critical")

RUN = """async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({ target: n.target.join(" "), summary: n.failureSummary })),
  }));
}"""


def axe_source() -> str:
    script = CACHE / "axe.min.js"
    if not script.exists():
        _fetch(script)
    return script.read_text()


def _fetch(script: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is not installed, and the accessibility tests fetch axe-core with it: "
                    "run scripts/test (it installs Debian's npm) or `apt-get install -y npm`.",
                    pytrace=False)
    script.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=script.parent) as work:
        done = subprocess.run(
            [npm, "pack", f"axe-core@{VERSION}", "--pack-destination", work, "--silent"],
            cwd=work, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            pytest.fail(f"npm pack axe-core@{VERSION} failed:\n{done.stderr}", pytrace=False)
        [tarball] = Path(work).glob("axe-core-*.tgz")
        with tarfile.open(tarball) as archive:
            member = archive.extractfile("package/axe.min.js")
            (Path(work) / "axe.min.js").write_bytes(member.read())
        os.replace(Path(work) / "axe.min.js", script)  # atomic: parallel workers may race here


def violations(page) -> list[dict]:
    """Every axe violation on the page as it is now (WCAG 2.x A/AA and axe's best practices)."""
    return page.evaluate(RUN)


def serious(found: list[dict]) -> list[dict]:
    return [v for v in found if v["impact"] in SERIOUS]


def describe(found: list[dict]) -> str:
    return "\n".join(f"  {v['impact']}: {v['id']} ({v['help']}) at "
                     + "; ".join(n["target"] for n in v["nodes"][:5]) for v in found)
