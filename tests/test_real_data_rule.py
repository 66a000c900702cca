"""Real data under ``../shared``: a laptop without it skips politely, CI without it fails.

``CI=true`` means ``../shared/`` sits beside the checkout, so a missing folder or file there is a
broken CI machine, not a reason to pass by skipping (tests/conftest.py ``need``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import conftest
import pytest
from conftest import REPO, need


@pytest.fixture()
def shared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "shared"
    monkeypatch.setattr(conftest, "SHARED", root)
    monkeypatch.setattr(conftest, "REFERENCE", root / "reference-data")
    monkeypatch.setattr(conftest, "ORACLES", root / "oracles")
    return root


@pytest.mark.parametrize("value", ["", "0", "false", "no"])
def test_without_ci_a_missing_folder_skips(shared: Path, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.skip.Exception, match="beside the checkout"):
        need(shared / "reference-data" / "iod2019" / "x.csv")


def test_without_ci_a_missing_file_skips(shared: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    (shared / "oracles").mkdir(parents=True)
    with pytest.raises(pytest.skip.Exception, match=r"phe.csv is missing from .*oracles"):
        need(shared / "oracles" / "phe.csv")


@pytest.mark.parametrize("value", ["true", "1", "TRUE", "yes"])
def test_under_ci_a_missing_folder_fails_saying_where_the_data_go(shared: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  value: str) -> None:
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception) as info:
        need(shared / "reference-data" / "iod2019" / "x.csv")
    message = str(info.value)
    assert f"{shared / 'reference-data'} is missing" in message
    assert f"beside the checkout in {shared}" in message
    assert "never a skip" in message


def test_under_ci_a_missing_file_fails(shared: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    (shared / "reference-data").mkdir(parents=True)
    with pytest.raises(pytest.fail.Exception, match=r"x.csv is missing from .*reference-data \(see .*README.md\)"):
        need(shared / "reference-data" / "x.csv")


def test_under_ci_present_data_are_returned(shared: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    path = shared / "reference-data" / "x.csv"
    path.parent.mkdir(parents=True)
    path.write_text("a\n")
    assert need(path) == path
    assert need(shared / "reference-data") == shared / "reference-data"


def test_no_test_skips_on_missing_data_by_itself() -> None:
    """Every real-data test goes through ``need`` (or the fixtures), so the CI rule covers it."""
    offenders = []
    for path in sorted((REPO / "tests").rglob("*.py")):
        if path.name == "conftest.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "skip"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "pytest"):
                text = ast.unparse(node).lower()
                if any(word in text for word in ("shared", "reference", "oracle")):
                    offenders.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert not offenders, f"use conftest.need() instead of pytest.skip for missing data: {offenders}"
