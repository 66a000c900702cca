"""Shared fixtures: repository paths and the real data beside the checkout in ``../shared/``.

Tests that need the real reference data (``../shared/reference-data/``) or the oracle test cases
(``../shared/oracles/``) go through :func:`need` or the ``reference_data`` / ``oracles`` fixtures:
on a laptop without the data they skip politely; under CI (``CI=true``, where ``../shared/`` is
always beside the checkout) a missing folder or file is a failure saying where it should be, so
CI never passes by skipping the real-data tests. The same rule holds for the headless browser
(``svimpact._browser.require_chromium``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import matplotlib
import pytest

matplotlib.use("Agg")

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / ".." / "shared").resolve()
REFERENCE = SHARED / "reference-data"
ORACLES = SHARED / "oracles"


def in_ci() -> bool:
    """True under continuous integration (``CI=true``), where missing real data is a failure."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _data_root(path: Path) -> Path:
    """The ``../shared`` folder ``path`` belongs to (reference-data or oracles), for the message."""
    path = Path(path).resolve()
    for root in (REFERENCE, ORACLES):
        if path == root or root in path.parents:
            return root
    return SHARED


def missing_data(path: Path) -> NoReturn:
    """Skip the test because ``path`` is absent; under CI, fail it instead, saying where the data go."""
    path = Path(path).resolve()
    root = _data_root(path)
    if not root.is_dir():
        what = f"{root} is missing: the real data sit beside the checkout in {SHARED}"
    else:
        what = f"{path} is missing from {root} (see {root / 'README.md'})"
    if in_ci():
        pytest.fail(f"{what} (CI=true: missing real data is a failure, never a skip)", pytrace=False)
    pytest.skip(what)


def need(path: Path) -> Path:
    """``path`` (a file or folder under ``../shared``), or skip politely when absent (fail under CI)."""
    if not Path(path).exists():
        missing_data(path)
    return path


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def reference_data() -> Path:
    return need(REFERENCE)


@pytest.fixture(scope="session")
def oracles() -> Path:
    return need(ORACLES)


@pytest.fixture(scope="session")
def demo_report(tmp_path_factory) -> Path:
    """The demo batch (params/year_one.yaml) run once per session into a temporary ``year-one`` folder."""
    from svimpact.report.batch import run_batch

    out = tmp_path_factory.mktemp("demo-session") / "year-one"
    result = run_batch(REPO / "params" / "year_one.yaml", out=out, progress=None)
    assert all(r.ok for r in result.results), [str(r.summary()) for r in result.results if not r.ok]
    return out
