"""The disclosure gate: planted small counts, identifiers, postcodes, listings and keys are found;
clean and suppressed outputs pass; the demo's real output passes."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO
from planting import docx_bytes, png

from svimpact.disclosure import disclose
from svimpact.gate import gate_batch, gate_report, scan_report


def _write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _notebook(outputs: list[dict]) -> str:
    cell = {"cell_type": "code", "source": "x", "metadata": {}, "execution_count": 1, "outputs": outputs}
    return json.dumps({"cells": [{"cell_type": "markdown", "source": "hi", "metadata": {}}, cell],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


@pytest.fixture()
def clean_report(tmp_path: Path) -> Path:
    table = disclose(pd.DataFrame({"decile": [1, 2, 3], "users": [42, 3, 0]}), counts=["users"], label="decile")
    out = tmp_path / "report"
    (out / "tables").mkdir(parents=True)
    table.to_csv(str(out / "tables" / "svc__profile.csv"))
    image = base64.b64encode(png()).decode()  # a real image: its pixels are not text
    _write(out, "index.html", f"<html><body><h2>Svc</h2>{table._repr_html_()}"
                              f"<img src='data:image/png;base64,{image}'/></body></html>")
    _write(out, "notebooks/svc__a.ipynb", _notebook([
        {"output_type": "display_data", "data": {"text/html": table._repr_html_(), "text/plain": "DisclosedTable"},
         "metadata": {}}]))
    _write(out, "manifest.json", json.dumps({"status": "complete"}))
    return out


IDS = ["HF-000001", "HF-000002", "p_0123456789abcdef0123"]


def test_clean_report_passes(clean_report):
    report = scan_report(clean_report, identifiers=IDS, postcodes=["L1 8JQ"])
    assert report.ok, str(report.summary())
    assert {"index.html", "tables/svc__profile.csv", "notebooks/svc__a.ipynb", "manifest.json"} <= set(report.files_scanned)
    assert "PASSED" in str(report.summary())


def test_planted_small_count_in_csv(clean_report):
    _write(clean_report, "tables/svc__leak.csv", "decile,users,rate\n1,40,0.5\n2,3,0.1\n3,12,0.2\n")
    report = scan_report(clean_report)
    assert not report.ok
    [f] = report.findings
    assert f.file == "tables/svc__leak.csv" and "column 'users', row(s) 2, 3" in f.location
    assert "unsuppressed count '3'" in f.what and "nhs-hes" in f.what


def test_sidecar_names_count_columns_and_rule(clean_report):
    _write(clean_report, "tables/svc__t.csv", "group,widgets,users\na,6,3\nb,3,0\n")
    _write(clean_report, "tables/svc__t.meta.json", json.dumps({"counts": ["widgets"], "rule": "legacy-lt5"}))
    report = scan_report(clean_report)
    # the sidecar overrides the naming convention ('users' is not declared) and the rule (lt5: 6 is fine)
    assert [f.location for f in report.findings if f.file == "tables/svc__t.csv"] == ["column 'widgets', row(s) 2"]


def test_rounding_rule_flags_unrounded_counts(clean_report):
    _write(clean_report, "tables/svc__r.csv", "group,n_people\na,1047\nb,[c]\nc,0\nd,1050\n")
    report = scan_report(clean_report, rule="ons-10-5")
    assert len(report.findings) == 1 and "'1047'" in report.findings[0].what


def test_small_count_in_html_table(clean_report):
    html = pd.DataFrame({"group": ["a", "b"], "participants": [5, 100]}).to_html(index=False)
    _write(clean_report, "index.html", f"<html><body>{html}</body></html>")
    report = scan_report(clean_report)
    [f] = report.findings
    assert f.file == "index.html" and "table 1, column 'participants', row(s) 1" in f.location


def test_planted_identifier_found_and_not_repeated(clean_report):
    _write(clean_report, "index.html", "<p>Case study: HF-000002 moved in.</p>")
    report = scan_report(clean_report, identifiers=IDS)
    [f] = report.findings
    assert f.file == "index.html" and "line 1" in f.location and "participant identifier" in f.what
    assert "HF-000002" not in str(report.summary())  # the gate report never republishes an identifier


def test_pseudonymised_identifier_and_postcode_in_notebook(clean_report):
    _write(clean_report, "notebooks/svc__b.ipynb", _notebook([
        {"output_type": "stream", "name": "stdout", "text": ["p_0123456789abcdef0123 lives at l18jq? no: L1 8JQ\n"]}]))
    report = scan_report(clean_report, identifiers=IDS, postcodes=["l1 8jq"])
    whats = sorted(f.what.split(" (")[0] for f in report.findings)
    assert whats == ["participant identifier from the inputs", "postcode from the inputs"]
    assert all(f.location.startswith("cell 1") for f in report.findings)


def test_record_listing_in_notebook_output(clean_report):
    listing = pd.DataFrame({"person_id": [f"x{i}" for i in range(15)], "age": range(15)})
    _write(clean_report, "notebooks/svc__c.ipynb", _notebook([
        {"output_type": "execute_result", "execution_count": 1, "metadata": {},
         "data": {"text/html": listing.to_html(), "text/plain": listing.to_string()}},
        {"output_type": "stream", "name": "stdout", "text": listing.to_string(index=False)},
    ]))
    report = scan_report(clean_report)
    assert len(report.findings) == 2
    assert "record listing: 15 rows with identifier column(s) person_id" in report.findings[0].what
    assert "printed as text" in report.findings[1].what


def test_short_table_with_id_column_is_not_a_listing(clean_report):
    small = pd.DataFrame({"household_id": ["a", "b"], "x": [1, 2]})
    _write(clean_report, "notebooks/svc__d.ipynb", _notebook([
        {"output_type": "display_data", "metadata": {}, "data": {"text/html": small.to_html()}}]))
    assert scan_report(clean_report).ok


def test_secret_key_found(clean_report):
    _write(clean_report, "manifest.json", json.dumps({"key": "s3cret-pseudonym-key-123"}))
    report = scan_report(clean_report, secrets=["s3cret-pseudonym-key-123"])
    assert not report.ok and "pseudonymisation key" in report.findings[0].what
    assert "s3cret" not in str(report.summary())


def test_missing_directory_is_a_finding(tmp_path):
    report = scan_report(tmp_path / "nope")
    assert not report.ok and "not found" in report.findings[0].what


def test_gate_batch_catches_planted_demo_identifier(clean_report):
    first = pd.read_csv(REPO / "data" / "synthetic_housing_first_participants.csv")["person_id"].iloc[7]
    assert gate_batch(REPO / "params" / "year_one.yaml", clean_report).ok
    _write(clean_report, "tables/svc__x.csv", f"note\nsee {first}\n")
    report = gate_batch(REPO / "params" / "year_one.yaml", clean_report)
    assert [f.file for f in report.findings] == ["tables/svc__x.csv"]


def test_gate_report_reads_services_from_manifest(clean_report):
    first = pd.read_csv(REPO / "data" / "synthetic_households_into_work_participants.csv")["household_id"].iloc[3]
    _write(clean_report, "index.html", f"<p>{first}</p>")
    assert gate_report(clean_report).ok  # the fixture's manifest names no services: ids not checked...
    assert "were not checked" in str(gate_report(clean_report).summary())  # ...and the report says so
    manifest = {"services": [{"params": str(REPO / "params" / "households_into_work.yaml")}]}
    _write(clean_report, "manifest.json", json.dumps(manifest))
    report = gate_report(clean_report)
    assert not report.ok and report.findings[0].file == "index.html"


def test_counts_of_people_in_prose_and_map_labels(clean_report):
    _write(clean_report, "maps/svc__reach-map.html",
           '<script>var d=[{"c":"E01000001","u":"[c] suppressed (1-7 users)"},{"c":"E01000002","u":"0 users"},'
           '{"c":"E01000003","u":"10 users"}];</script><li>[c] suppressed: 1 to 7 users (12 areas)</li>')
    assert scan_report(clean_report).ok  # legends and ranges are not counts
    _write(clean_report, "maps/svc__reach-map.html", '<script>var d=[{"c":"E01000001","u":"3 users"}];</script>')
    [f] = scan_report(clean_report).findings
    assert f.file == "maps/svc__reach-map.html" and "first: '3 users'" in f.what


def test_beneficiaries_are_counts_by_convention(clean_report):
    _write(clean_report, "tables/svc__value-by-decile.csv", "imd_decile,beneficiaries,share\n1,31,0.1\n2,[c],0.2\n")
    [f] = scan_report(clean_report).findings
    assert "column 'beneficiaries', row(s) 1" in f.location


def test_word_copy_is_scanned(clean_report):
    (clean_report / "year-one.docx").write_bytes(docx_bytes(body="All suppressed."))
    assert scan_report(clean_report, identifiers=IDS).ok
    (clean_report / "year-one.docx").write_bytes(docx_bytes(body="See HF-000001.", rows=(("a", "4"),)))
    found = scan_report(clean_report, identifiers=IDS).findings
    assert sorted(f.location.split(",")[0] for f in found) == ["body", "table 1"]
    (clean_report / "broken.docx").write_bytes(b"not a zip")
    (clean_report / "broken2.docx").write_bytes(docx_bytes()[:2000])
    unreadable = [f.file for f in scan_report(clean_report).findings if "not a readable .docx" in f.what]
    assert unreadable == ["broken.docx", "broken2.docx"]


def test_bad_sidecar_and_unreadable_table_are_findings(clean_report):
    _write(clean_report, "tables/svc__t.csv", "group,users\na,40\n")
    _write(clean_report, "tables/svc__t.meta.json", json.dumps({"counts": ["users"], "rule": "lt3"}))
    _write(clean_report, "tables/svc__u.csv", 'a,b\n"unclosed,1\n')
    whats = sorted((f.file, f.what.split(" (")[0].split(";")[0]) for f in scan_report(clean_report).findings)
    assert whats == [("tables/svc__t.meta.json", "unreadable table sidecar"),
                     ("tables/svc__u.csv", "published table could not be read as a table")]
