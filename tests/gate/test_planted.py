"""The corpus of planted leaks: each kind, planted into a clean report holding every file type the
gate reads, is caught and named in the right file; the clean report (with the legends, bounds,
years and identifier-like numbers a report holds) passes, also with numeric identifiers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from planting import LOOK, NUMERIC_IDS, PLANTED, minimal_report

from svimpact.gate import LookFor, scan_report


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Path:
    return minimal_report(tmp_path_factory.mktemp("gate") / "report")


@pytest.fixture()
def report(clean, tmp_path) -> Path:
    return Path(shutil.copytree(clean, tmp_path / "report"))


def test_clean_report_passes_and_every_file_is_read(clean):
    report = scan_report(clean, look_for=LOOK | LookFor(identifiers=NUMERIC_IDS))
    assert report.ok, str(report.summary())
    kinds = {Path(f).suffix for f in report.files_scanned}
    assert {".html", ".csv", ".tsv", ".xlsx", ".docx", ".ipynb", ".png", ".json"} <= kinds


def test_the_corpus_holds_at_least_25_kinds():
    assert len(PLANTED) >= 25


@pytest.mark.parametrize("kind", sorted(PLANTED))
def test_planted_leak_is_caught(report, kind):
    file = PLANTED[kind](report)
    found = scan_report(report, look_for=LOOK)
    assert not found.ok, f"{kind}: not caught"
    named = file if "HF-" not in file else file.rpartition("/")[0] + "/[a file whose name holds a value from the inputs].png"
    assert named in {f.file for f in found.findings}, (kind, str(found.summary()))
    assert "HF-000001" not in str(found.summary()) and "L1 8JQ" not in str(found.summary())  # never repeated


@pytest.mark.parametrize("plant", [
    "<p>participant 1042 moved</p>",
    "<p>ID: 1042</p>",
    "<p>cases 1201, 1202 and 1042 were closed</p>",
    "<script>var d = {\"person_id\": 1042};</script>",
    "<table><tr><th>respondent_id</th><th>x</th></tr><tr><td>1042</td><td>a</td></tr></table>",
    "<div data-person-id='1042'></div>",
])
def test_numeric_identifier_beside_an_identifier_word_or_key_is_caught(report, plant):
    (report / "index.html").write_text(f"<html><body>{plant}</body></html>", encoding="utf-8")
    found = scan_report(report, look_for=LookFor(identifiers=NUMERIC_IDS))
    assert [f.file for f in found.findings] == ["index.html"], str(found.summary())
    assert "1042" not in str(found.summary())


def test_numbers_that_merely_look_like_identifiers_pass(report):
    (report / "index.html").write_text(
        "<html><body><p>In 1999 the population was 1042; 1,042 residents; rank 1042 of 32,844; 53.1042, -2.1042; "
        "1042 people were offered support; cost &pound;1042 per participant; #104200; decile 1042?</p>"
        "<script type='application/json'>[{\"c\":\"E01001042\",\"d\":1042,\"population\":1042,\"x\":1042.5}]</script>"
        "<table><tr><th>lsoa_code</th><th>population</th></tr><tr><td>Z01001042</td><td>1042</td></tr></table>"
        "</body></html>", encoding="utf-8")
    report_ = scan_report(report, look_for=LookFor(identifiers=NUMERIC_IDS))
    assert [f for f in report_.findings if "identifier" in f.what] == [], str(report_.summary())
