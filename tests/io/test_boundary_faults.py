"""Run faults at the boundary: each is one clear line naming the file and what to do, never a
traceback, and never rows dropped or merged silently (the small corpus is in test_bad_inputs.py)."""

from __future__ import annotations

import errno
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import yaml
from test_bad_inputs import PARAMS, PARTICIPANTS, Case, _write_service, xlsx

from svimpact.exceptions import InputDataError, ParamsError
from svimpact.io.params import DataFiles, load_service_params
from svimpact.io.readers import read_table
from svimpact.io.schemas import records_schema
from svimpact.io.service import load_service_data
from svimpact.io.validate import ValidationFailed
from svimpact.io.validate.columns import Plausibility, check_table

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture()
def hf():
    return load_service_params(REPO / "params" / "housing_first.yaml")


def _swap(params, role, path, **data):
    return params.model_copy(update={"data": params.data.model_copy(update={role: path, **data})})


def _one_line(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text and "Traceback" not in text, text
    return text


# --------------------------------------------------------------------------- unreadable files

@pytest.mark.parametrize("error,expect", [
    (PermissionError(errno.EACCES, "Permission denied"), "cannot be read: permission denied; ask for read access"),
    (OSError(errno.EIO, "Input/output error"), "cannot be read (Input/output error); check the drive"),
])
def test_unreadable_file_is_one_clear_line(hf, monkeypatch, error, expect):
    """Tests may run as root (chmod 000 does not stop root), so reading is made to fail instead."""
    target = Path(hf.data.participants)
    real = Path.read_bytes

    def read_bytes(self):
        if self == target:
            raise error
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    with pytest.raises(ValidationFailed) as info:
        load_service_data(hf)
    text = _one_line(info.value)
    assert text.startswith(f"{target}: ") and expect in text
    assert isinstance(info.value, InputDataError) and info.value.file == str(target)


def test_unreadable_workbook_is_one_clear_line(tmp_path, monkeypatch):
    path = tmp_path / "p.xlsx"
    path.write_bytes(xlsx([("records", PARTICIPANTS, "visible")]))
    monkeypatch.setattr(Path, "read_bytes", lambda self: (_ for _ in ()).throw(PermissionError(errno.EACCES, "no")))
    with pytest.raises(InputDataError, match="p.xlsx: cannot be read: permission denied"):
        read_table(path)


def test_a_folder_where_a_file_is_expected(hf, tmp_path):
    with pytest.raises(InputDataError) as info:
        read_table(tmp_path)
    assert _one_line(info.value) == (f"{tmp_path}: is a folder, not a file; point the params file at the data "
                                     "file inside the folder")
    with pytest.raises(ValidationFailed, match="is a folder, not a file"):
        load_service_data(_swap(hf, "participants", tmp_path))


# --------------------------------------------------------------------------- CSV records

def _with_notes(hf, tmp_path, notes: dict[int, str]) -> Path:
    """The bundled 300 participants with a free-text notes column (raw CSV text per record)."""
    lines = Path(hf.data.participants).read_text(encoding="utf-8").splitlines()
    out = [lines[0] + ",notes"] + [f"{line},{notes.get(i, '')}" for i, line in enumerate(lines[1:], 1)]
    path = tmp_path / "participants.csv"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def test_unbalanced_quote_no_longer_merges_records(hf, tmp_path):
    """One stray quote used to merge 10 records into one ("290 record(s) read" for 300)."""
    path = _with_notes(hf, tmp_path, {100: '"moved to a new flat', 110: '"called, no answer"'})
    with pytest.raises(ValidationFailed) as info:
        load_service_data(_swap(hf, "participants", path))
    text = _one_line(info.value)
    assert "a quoted value opens on line 101 and closes on line 111" in text
    assert "line 101: remove the stray quote mark" in text


def test_unbalanced_quote_at_the_end_of_the_file(hf, tmp_path):
    path = _with_notes(hf, tmp_path, {295: '"moved'})
    with pytest.raises(InputDataError, match="the quoted value that opens on line 296 is never closed"):
        read_table(path)


def test_quoted_commas_and_line_breaks_in_notes_are_kept(hf, tmp_path):
    path = _with_notes(hf, tmp_path, {5: '"visited, all well"', 7: '"first visit\nsecond visit, ok"',
                                      9: '"said ""fine"""'})
    data = load_service_data(_swap(hf, "participants", path))
    assert len(data.participants) == 300 and data.n_excluded == 0
    notes = data.participants["notes"]
    assert notes.iloc[4] == "visited, all well" and notes.iloc[6] == "first visit\nsecond visit, ok"
    assert notes.iloc[8] == 'said "fine"'
    said = [p.message for p in data.validation.problems if p.severity == "note" and p.file == str(path)]
    assert any("1 record(s) hold line breaks inside a quoted value (on line(s) 8)" in m for m in said)


def test_records_with_too_many_or_too_few_fields_name_their_lines(hf, tmp_path):
    path = _with_notes(hf, tmp_path, {3: "extra,field", 40: "a,b,c"})
    lines = path.read_text().splitlines()
    lines[20] = lines[20].rsplit(",", 3)[0]  # record 20 (line 21) loses three fields
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputDataError) as info:
        read_table(path)
    text = _one_line(info.value)
    assert "3 record(s) do not have the header's 15 fields (line 4 has 16, line 21 has 12, line 41 has 17)" in text
    assert "unquoted commas" in text


# --------------------------------------------------------------------------- Excel sheets and hidden rows

def test_hidden_first_sheet_is_not_analysed(tmp_path):
    old = PARTICIPANTS.replace("P00", "OLD")
    path = tmp_path / "p.xlsx"
    path.write_bytes(xlsx([("old extract", old, "hidden"), ("current", PARTICIPANTS, "visible")]))
    frame = read_table(path, dtype=str)
    assert frame["person_id"].tolist() == [f"P00{i}" for i in range(1, 7)]
    assert "hidden sheet(s) not read: 'old extract'" in frame.attrs["svimpact"]["notes"][0]
    named = read_table(path, dtype=str, sheet="old extract")  # a hidden sheet only when named, and said
    assert named["person_id"].iloc[0] == "OLD1"
    assert "although it is hidden in Excel" in named.attrs["svimpact"]["notes"][0]


def test_unknown_sheet_name_suggests_the_right_one(tmp_path):
    path = tmp_path / "p.xlsx"
    path.write_bytes(xlsx([("Cohort 2024", PARTICIPANTS, "visible"), ("readme", "about\nx\n", "visible")]))
    with pytest.raises(InputDataError) as info:
        read_table(path, sheet="Cohort 2042", data_key="participants")
    text = _one_line(info.value)
    assert "has no sheet 'Cohort 2042'" in text and "did you mean 'Cohort 2024'?" in text
    assert "data.sheets.participants" in text


def test_sheets_in_the_params_are_threaded_to_reading(tmp_path):
    case = Case("sheets", {"participants.xlsx": xlsx([("2024", PARTICIPANTS, "visible"),
                                                       ("2023", PARTICIPANTS.replace("P00", "OLD"), "visible")],
                                                      (4,))}, "", "",
                params={"data": {"participants": "participants.xlsx"}})
    params = load_service_params(_write_service(tmp_path, case), check_files=True)
    params = params.model_copy(update={"data": params.data.model_copy(update={"sheets": {"participants": "2024"}})})
    data = load_service_data(params)
    assert data.validation.ok and len(data.participants) == 6 and data.participants["person_id"].iloc[0] != "OLD1"
    hidden = [p for p in data.validation.problems if "rows hidden in Excel" in p.message]
    assert [(p.severity, p.rows) for p in hidden] == [("warning", (3,))]  # Excel row 4 = record 3, analysed


def test_sheets_keys_must_be_data_keys(tmp_path):
    with pytest.raises(Exception, match="participants"):
        DataFiles(participants="p.csv", comparison="c.csv", areas="a.csv", sheets={"particpants": "x"})
    raw = {**PARAMS, "data": {**PARAMS["data"], "sheets": {"boundaries": "x"}}}
    _write_service(tmp_path, Case("x", {}, "", ""))
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(raw))
    with pytest.raises(ParamsError, match=r"data\.sheets\.boundaries"):
        load_service_params(tmp_path / "bad.yaml")


def test_sheets_survive_load_service_params(tmp_path):
    raw = {**PARAMS, "data": {**PARAMS["data"], "sheets": {"participants": "2024"}}}
    _write_service(tmp_path, Case("x", {}, "", ""))
    (tmp_path / "ok.yaml").write_text(yaml.safe_dump(raw))
    assert load_service_params(tmp_path / "ok.yaml").data.sheets == {"participants": "2024"}


def test_sheet_named_for_a_csv_is_said(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(PARTICIPANTS)
    notes = read_table(path, sheet="records").attrs["svimpact"]["notes"]
    assert any("this is a CSV file: the sheet name was ignored" in n for n in notes)


# --------------------------------------------------------------------------- plausibility limits

def test_plausibility_limits_come_from_the_params_block(hf):
    assert Plausibility.from_params(hf) == Plausibility(0, 120, 1_000_000)  # no block: the defaults
    block = SimpleNamespace(age_min=16, age_max=60, max_cost_per_participant=50_000)
    limits = Plausibility.from_params(SimpleNamespace(plausibility=block))
    assert limits == Plausibility(16, 60, 50_000)
    assert Plausibility.from_params(SimpleNamespace(plausibility={"age_max": 99})).age_max == 99
    frame = pd.read_csv(hf.data.participants, dtype=str)
    schema = records_schema(hf, "participants", list(frame.columns))
    _, probs = check_table(frame, schema, "p.csv", limits=limits)
    ages = [p for p in probs if p.column == "age"]
    costs = [p for p in probs if p.column == "support_cost" and "costs above" in p.message]
    assert ages and ages[0].message.startswith("ages outside 16-60")
    assert not costs or costs[0].message.startswith("costs above £50,000 per participant")
    _, default = check_table(frame, schema, "p.csv")
    assert not [p for p in default if "ages outside" in p.message or "costs above" in p.message]


def test_age_bands_are_not_checked_as_numbers(hf):
    frame = pd.read_csv(hf.data.participants, dtype=str)
    frame["age_band"] = "18-24"
    frame["age"] = frame["age"].where(frame.index % 2 == 0, "adult")  # half text: not read as numbers
    schema = records_schema(hf, "participants", list(frame.columns))
    _, probs = check_table(frame, schema, "p.csv")
    assert not [p for p in probs if "ages outside" in p.message]
