"""Messages never repeat a value from the inputs: a postcode typed in the area column, a date of
birth in a numeric column and free text in a category column are described ("a postcode-like
value"), never echoed, in validation messages, the quarantine list and every output of a batch;
the messages still name the file, the column and the rows."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import REPO

from svimpact._common import describe_value
from svimpact.cli import main
from svimpact.io.params import load_service_params
from svimpact.io.validate import check_service

POSTCODES = {5: "L1 8JQ", 6: "ch41  6aa"}          # participants' lsoa_code (the area column)
DOB_MONTHS, DOB_AGE, DOB_COST = "07/03/1984", "19840307", "1984-03-07"  # numeric columns
FREE = "Lives with her sister near the park since March"  # survey answer (a category column)
PLANTED = [*POSTCODES.values(), DOB_MONTHS, DOB_AGE, DOB_COST, FREE]


def _squash(text: str) -> str:
    return re.sub(r"[\s\u00a0\u2009\u202f]+", "", text).lower()


def _leaks(text: str) -> list[str]:
    flat = _squash(text)
    return [v for v in PLANTED if _squash(v) in flat]


def _planted_inputs(tmp: Path, exclude: bool) -> Path:
    """Households into Work with the planted values; returns its params file."""
    part = pd.read_csv(REPO / "data" / "synthetic_households_into_work_participants.csv", dtype=str,
                       keep_default_na=False)
    for row, pc in POSTCODES.items():
        part.loc[row, "lsoa_code"] = pc
    part.loc[9, "months_out_of_work"] = DOB_MONTHS
    part.loc[10, "age"] = DOB_AGE
    part.loc[11, "support_cost"] = DOB_COST
    survey = pd.read_csv(REPO / "data" / "synthetic_households_into_work_survey.csv", dtype=str, keep_default_na=False)
    survey.loc[3, "would_have_happened_anyway"] = FREE
    part.to_csv(tmp / "participants.csv", index=False)
    survey.to_csv(tmp / "survey.csv", index=False)
    params = yaml.safe_load((REPO / "params" / "households_into_work.yaml").read_text())
    params["data"] = {k: str((REPO / "params" / v).resolve()) for k, v in params["data"].items()}
    params["data"].update(participants=str(tmp / "participants.csv"), survey=str(tmp / "survey.csv"))
    params["effect"]["n_draws"] = 200
    params["exclude_invalid_rows"] = exclude
    path = tmp / "hiw.yaml"
    path.write_text(yaml.safe_dump(params, sort_keys=False))
    return path


EXPECTED = [  # (file, column, rows, description) of each planted value
    ("participants.csv", "lsoa_code", (6, 7), "a postcode-like value"),
    ("participants.csv", "months_out_of_work", (10,), "a date-like value"),
    ("participants.csv", "age", (11,), "a date-like value"),
    ("participants.csv", "support_cost", (12,), "a date-like value"),
    ("survey.csv", "would_have_happened_anyway", (4,), "free text of 9 words"),
]


def test_describe_value_never_repeats_the_value():
    for value in PLANTED:
        assert not _leaks(describe_value(value)), value
    assert describe_value("E01006512") == "'E01006512'"  # public area codes are shown


def test_validation_messages_describe_planted_values(tmp_path):
    report = check_service(load_service_params(_planted_inputs(tmp_path, exclude=False))).report
    text = str(report.summary())
    assert not report.ok and _leaks(text) == [], _leaks(text)
    assert _leaks(report.summary().html + report.summary().markdown + report.to_frame().to_csv()) == []
    for file, column, rows, described in EXPECTED:
        hits = [p for p in report.problems if p.file.endswith(file) and p.column == column and p.rows == rows]
        assert hits, (file, column, rows, text)
        assert any(described in p.describe() for p in hits), (described, [p.describe() for p in hits])


def test_the_check_fails_when_a_message_echoes_values(tmp_path, monkeypatch):
    from svimpact.io.validate import columns, service

    for module in (columns, service):
        monkeypatch.setattr(module, "describe_value", repr)  # as the messages were before
    report = check_service(load_service_params(_planted_inputs(tmp_path, exclude=False))).report
    assert {"L1 8JQ", DOB_MONTHS, FREE} <= set(_leaks(str(report.summary())))


def _output_text(path: Path) -> str:
    data = path.read_bytes()
    if data.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    text = data.decode("utf-8", "replace")
    if path.suffix in (".ipynb", ".json"):
        text += json.dumps(json.loads(text), ensure_ascii=False)  # escapes decoded
    return text


@pytest.mark.e2e
def test_no_output_of_a_batch_holds_a_planted_value(tmp_path):
    params = _planted_inputs(tmp_path, exclude=True)
    batch = {"title": "Planted values", "seed": 7, "output_dir": str(tmp_path / "out"),
             "notebook_dir": str(REPO / "notebooks"), "notebooks": ["additionality"], "services": [params.name],
             "timeout_seconds": 300, "jobs": 1}
    (tmp_path / "batch.yaml").write_text(yaml.safe_dump(batch, sort_keys=False))
    assert main(["run", str(tmp_path / "batch.yaml")]) == 0  # the batch ran and its gate passed
    out = tmp_path / "out"
    leaks = {p.relative_to(out).as_posix(): _leaks(_output_text(p)) for p in out.rglob("*") if p.is_file()}
    assert {k: v for k, v in leaks.items() if v} == {}
    quarantine = pd.read_csv(next((out / "quarantine").glob("*.csv")))
    for file, column, rows, _ in EXPECTED:
        listed = quarantine[quarantine["file"].str.endswith(file) & quarantine["column"].eq(column)]
        assert set(rows) <= set(listed["row"]), (file, column, quarantine)
    assert "a postcode-like value" in " ".join(quarantine["problem"])
