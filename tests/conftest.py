"""Shared fixtures: repository paths, the reference-data folder (skipped politely when absent)."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / ".." / "shared").resolve()
REFERENCE = SHARED / "reference-data"
ORACLES = SHARED / "oracles"


def need(path: Path) -> Path:
    """``path`` under the reference data, or skip the test politely when it is absent."""
    if not path.exists():
        pytest.skip(f"reference data not found: {path} (see shared/reference-data/README.md)")
    return path


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def reference_data() -> Path:
    if not REFERENCE.is_dir():
        pytest.skip(f"real reference data not found at {REFERENCE} (it sits beside the checkout in ../shared)")
    return REFERENCE


@pytest.fixture(scope="session")
def oracles() -> Path:
    if not ORACLES.is_dir():
        pytest.skip(f"oracle test cases not found at {ORACLES} (they sit beside the checkout in ../shared)")
    return ORACLES


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}
