"""A corpus of bad inputs: each is a small file written here, and each gets a clear svimpact
problem report (file, column, rows, hint) and, when it blocks the run, a svimpact error; never a
traceback from a dependency, and no row is lost without being reported.

Every case runs three ways: ``check_service`` (the report), ``load_service_data`` (the error) and,
for row-level problems, ``load_service_data`` with ``exclude_invalid_rows: true`` (rows kept +
rows quarantined == rows in the file).
"""

from __future__ import annotations

import contextlib
import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from svimpact.exceptions import InputDataError, ParamsError, SvimpactError
from svimpact.io.params import load_service_params
from svimpact.io.service import load_service_data
from svimpact.io.validate import ValidationFailed, check_service, validate_batch

AREAS = """lsoa_code,lad_code,population,imd_decile,need_score
E01000001,E08000012,1500,1,0.31
E01000002,E08000012,1620,2,0.22
E01000003,E08000012,1410,5,0.18
E01000004,E08000013,1730,9,0.05
E01000005,E08000013,1555,10,0.02
"""
PARTICIPANTS = """person_id,referral_date,lsoa_code,age,female,outcome,support_cost,tenancy_start,tenancy_end,notes
P001,01/02/2024,E01000001,34,1,1,1000,2024-03-01,,
P002,15/03/2024,E01000002,51,0,0,1250,2024-04-02,2024-09-30,
P003,2024-04-20,E01000001,28,1,1,900,2024-05-11,,
P004,02/05/2024,E01000003,45,0,1,1100,2024-06-01,,moved flat
P005,30/06/2024,E01000004,39,1,0,700,2024-07-15,2025-01-10,
P006,01/07/2024,E01000005,62,0,1,1300,2024-08-01,,
"""
COMPARISON = """person_id,referral_date,lsoa_code,age,female,outcome,tenancy_start,tenancy_end
C001,03/02/2024,E01000002,36,1,0,,
C002,16/03/2024,E01000003,49,0,0,2024-05-02,
C003,2024-04-21,E01000001,30,1,1,2024-06-11,
C004,03/05/2024,E01000004,47,0,0,,
C005,01/06/2024,E01000005,41,1,1,2024-07-15,
C006,02/07/2024,E01000002,60,0,0,,
"""
SURVEY = """respondent_id,would_have_happened_anyway
S1,yes_fully
S2,no
S3,partly
S4,dont_know
"""
PARAMS = {
    "service": "mini", "title": "Mini", "description": "A small test service.", "synthetic": True,
    "data": {"participants": "participants.csv", "comparison": "comparison.csv", "survey": "survey.csv",
             "areas": "areas.csv"},
    "id_column": "person_id", "cost_column": "support_cost",
    "outcome": {"column": "outcome", "label": "an outcome"},
    "effect": {"method": "regression", "covariates": ["age", "female"]},
    "targeting": {"need": "need_score", "need_label": "Need"},
    "date_order": [["referral_date", "tenancy_start"]],
}


def edit(text: str, row: int, column: str, value: str) -> str:
    """Set one cell (row 1 = first record) of a CSV text."""
    rows = list(csv.reader(io.StringIO(text)))
    rows[row][rows[0].index(column)] = value
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def add_row(text: str, line: str) -> str:
    return text + line + "\n"


@dataclass
class Case:
    """One bad input: files to overwrite, what the report must say, and where."""

    name: str
    files: dict[str, str | bytes]
    expect: str
    file: str
    column: str | None = None
    rows: tuple[int, ...] | None = None
    severity: str = "error"
    params: dict = field(default_factory=dict)


def _p(row, col, val):
    return {"participants.csv": edit(PARTICIPANTS, row, col, val)}


def _raw_line(text: str, record: int, line: str) -> str:
    """Replace one record (1 = first, i.e. physical line ``record + 1``) by a raw line."""
    lines = text.splitlines()
    lines[record] = line
    return "\n".join(lines) + "\n"


def xlsx(sheets: list[tuple[str, str, str]], hidden_rows: tuple[int, ...] = ()) -> bytes:
    """A workbook of (name, CSV text, state) sheets; ``hidden_rows`` (Excel rows) hidden on the first visible one."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, text, state in sheets:
        ws = book.create_sheet(name)
        for row in csv.reader(io.StringIO(text)):
            ws.append(row)
        ws.sheet_state = state
    first_visible = next(ws for ws in book.worksheets if ws.sheet_state == "visible")
    for r in hidden_rows:
        first_visible.row_dimensions[r].hidden = True
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


_XLSX = {"data": {"participants": "participants.xlsx"}}


def _zero_costs(text: str) -> str:
    for r in range(1, 7):
        text = edit(text, r, "support_cost", "0")
    return text
OLD_EXTRACT = PARTICIPANTS.replace("P00", "OLD")


CASES = [
    # --- participants: values
    Case("outcome_not_binary", _p(2, "outcome", "2"), "must be 0 or 1", "participants.csv", "outcome", (2,)),
    Case("outcome_as_word", _p(3, "outcome", "yes"), "must be 0 or 1", "participants.csv", "outcome", (3,)),
    Case("missing_area", _p(4, "lsoa_code", ""), "has missing values", "participants.csv", "lsoa_code", (4,)),
    Case("missing_covariate", _p(1, "age", ""), "has missing values", "participants.csv", "age", (1,)),
    Case("missing_identifier", _p(5, "person_id", " "), "has missing values", "participants.csv", "person_id", (5,)),
    Case("duplicate_identifier", _p(2, "person_id", "P001"), "identifiers are duplicated", "participants.csv",
         "person_id", (1, 2)),
    Case("repeated_row", {"participants.csv": add_row(PARTICIPANTS, PARTICIPANTS.splitlines()[3])},
         "whole rows repeated exactly", "participants.csv", None, (7,)),
    Case("unknown_area", _p(6, "lsoa_code", "E01000099"), "area codes not found in areas.csv (e.g. E01000099)",
         "participants.csv", "lsoa_code", (6,)),
    Case("wrong_vintage_area", _p(1, "lsoa_code", "E01035000"), "exist only in the 2021 LSOA vintage",
         "participants.csv", "lsoa_code", (1,)),
    Case("postcode_in_area_column", _p(2, "lsoa_code", "L1 8JQ"), "looks like a postcode", "participants.csv",
         "lsoa_code", (2,)),
    Case("negative_cost", _p(3, "support_cost", "-50"), "costs must be non-negative", "participants.csv",
         "support_cost", (3,)),
    Case("cost_as_text", _p(4, "support_cost", "lots"), "costs must be numbers", "participants.csv",
         "support_cost", (4,)),
    Case("covariate_typo", _p(5, "age", "4O"), "non-numeric values in a numeric column", "participants.csv",
         "age", (5,)),
    # --- participants: dates
    Case("impossible_date", _p(1, "referral_date", "31/02/2024"), "impossible calendar dates", "participants.csv",
         "referral_date", (1,)),
    Case("us_style_date", _p(2, "referral_date", "03/15/2024"), "month above 12", "participants.csv",
         "referral_date", (2,)),
    Case("two_digit_year", _p(3, "referral_date", "20/04/24"), "two-digit year", "participants.csv",
         "referral_date", (3,)),
    Case("future_date", _p(4, "referral_date", "2099-05-02"), "impossible dates (in the future", "participants.csv",
         "referral_date", (4,)),
    Case("ancient_date", _p(5, "referral_date", "1850-06-30"), "before 1920", "participants.csv",
         "referral_date", (5,)),
    Case("unreadable_date", _p(6, "referral_date", "soon"), "unreadable dates", "participants.csv",
         "referral_date", (6,)),
    Case("excel_serial_among_dates", _p(1, "tenancy_start", "45352"), "Excel serials mixed", "participants.csv",
         "tenancy_start", (1,)),
    Case("start_before_referral", _p(2, "tenancy_start", "2024-01-01"), "dates before 'referral_date'",
         "participants.csv", "tenancy_start", (2,)),
    Case("end_before_start", _p(5, "tenancy_end", "2024-07-01"), "dates before 'tenancy_start'",
         "participants.csv", "tenancy_end", (5,)),
    # --- free text and postcodes (warnings: reported, never block)
    Case("postcode_in_notes", _p(4, "notes", "moved to l1 8jq"), "look like postcodes", "participants.csv",
         "notes", (4,), severity="warning"),
    Case("free_text_postcode", {"participants.csv": PARTICIPANTS.replace("notes", "postcode")
                                .replace("moved flat", "near the station")},
         "free-text postcodes", "participants.csv", "postcode", (4,), severity="warning"),
    Case("blank_line_in_the_middle", {"participants.csv": PARTICIPANTS.replace("\nP003", "\n,,,,,,,,,\nP003")},
         "entirely blank rows", "participants.csv", None, (3,)),
    Case("empty_line_in_the_middle", {"participants.csv": PARTICIPANTS.replace("\nP005", "\n\nP005")},
         "entirely blank rows", "participants.csv", None, (5,)),
    # --- cross-file
    Case("participant_in_comparison", {"comparison.csv": edit(COMPARISON, 3, "person_id", "P002")},
         "also listed as participants", "comparison.csv", "person_id", (3,)),
    # --- whole files
    Case("empty_file", {"comparison.csv": b""}, "is empty", "comparison.csv"),
    Case("header_only", {"comparison.csv": COMPARISON.splitlines()[0] + "\n"}, "has no records", "comparison.csv"),
    Case("binary_file", {"comparison.csv": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))},
         "looks like a binary file", "comparison.csv"),
    Case("ragged_row", {"comparison.csv": add_row(COMPARISON, "C007,01/08/2024,E01000001,50,1,0,,,extra,more")},
         "could not be read as a table", "comparison.csv"),
    Case("duplicate_column_names", {"comparison.csv": COMPARISON.replace("tenancy_end", "age", 1)},
         "used more than once: 'age'", "comparison.csv"),
    Case("missing_column", {"comparison.csv": COMPARISON.replace("female", "sex", 1)}, "missing column(s) 'female'",
         "comparison.csv"),
    Case("unnamed_column_with_data", {"comparison.csv": COMPARISON.replace("tenancy_end", "tenancy_end,")
                                      .replace("C001,03/02/2024,E01000002,36,1,0,,",
                                               "C001,03/02/2024,E01000002,36,1,0,,,x")},
         "have data but no name", "comparison.csv"),
    Case("neither_utf8_nor_cp1252", {"comparison.csv": COMPARISON.encode() + b"C9\x81\x9d,01/01/2024,,,,,,\n"},
         "nor as Windows-1252", "comparison.csv"),
    Case("xlsx_not_a_workbook", {"comparison.xlsx": COMPARISON}, "could not be read as an Excel workbook",
         "comparison.xlsx", params={"data": {"comparison": "comparison.xlsx"}}),
    Case("old_xls", {"comparison.xls": b"\xd0\xcf\x11\xe0 old"}, "old Excel .xls", "comparison.xls",
         params={"data": {"comparison": "comparison.xls"}}),
    # --- records whose fields or quote marks are off (physical line numbers in the message)
    Case("unbalanced_quote_never_closed", {"participants.csv": _raw_line(
        PARTICIPANTS, 4, 'P004,02/05/2024,E01000003,45,0,1,1100,2024-06-01,,"moved flat')},
        "quoted value that opens on line 5 is never closed", "participants.csv"),
    Case("unbalanced_quote_closed_later", {"participants.csv": _raw_line(_raw_line(
        PARTICIPANTS, 2, 'P002,15/03/2024,E01000002,51,0,0,1250,2024-04-02,2024-09-30,"called'),
        5, 'P005,30/06/2024,E01000004,39,1,0,700,2024-07-15,2025-01-10,"left, a note"')},
        "opens on line 3 and closes on line 6", "participants.csv"),
    Case("unbalanced_quote_swallows_records", {"participants.csv": _raw_line(_raw_line(
        PARTICIPANTS, 2, 'P002,15/03/2024,E01000002,51,0,0,1250,2024-04-02,2024-09-30,"called'),
        5, 'P005,30/06/2024,E01000004,39,1,0,700,2024-07-15,2025-01-10,"')},
        "value that opens on line 3 runs to line 6 and swallows 3 line(s) that look like records", "participants.csv"),
    Case("text_after_closing_quote", {"participants.csv": _raw_line(
        PARTICIPANTS, 4, 'P004,02/05/2024,E01000003,45,0,1,1100,2024-06-01,,"moved" flat')},
        "line 5 has text after a closing quote mark", "participants.csv"),
    Case("too_few_fields", {"comparison.csv": add_row(COMPARISON, "C007,01/08/2024,E01000001")},
         "do not have the header's 8 fields (line 8 has 3)", "comparison.csv"),
    Case("line_break_in_quoted_notes", {"participants.csv": _raw_line(
        PARTICIPANTS, 4, 'P004,02/05/2024,E01000003,45,0,1,1100,2024-06-01,,"moved flat\nnew address, pending"')},
        "1 record(s) hold line breaks inside a quoted value (on line(s) 5)", "participants.csv", severity="note"),
    # --- Excel: hidden sheets never read silently, hidden rows read and listed
    Case("hidden_old_extract_sheet", {"participants.xlsx": xlsx([("old extract", OLD_EXTRACT, "hidden"),
                                                                  ("current", PARTICIPANTS, "visible")])},
         "read the only visible sheet ('current'); hidden sheet(s) not read: 'old extract'", "participants.xlsx",
         severity="note", params=_XLSX),
    Case("rows_hidden_by_a_filter", {"participants.xlsx": xlsx([("records", PARTICIPANTS, "visible")], (3, 5))},
         "rows hidden in Excel", "participants.xlsx", rows=(2, 4), severity="warning", params=_XLSX),
    Case("two_visible_sheets", {"participants.xlsx": xlsx([("2023", OLD_EXTRACT, "visible"),
                                                           ("2024", PARTICIPANTS, "visible")])},
         "has 2 visible sheets ('2023', '2024') and the params do not say which to read", "participants.xlsx",
         params=_XLSX),
    # --- plausibility (limits: the params' plausibility block, or 0-120 and GBP 1,000,000)
    Case("negative_age", _p(2, "age", "-3"), "ages outside 0-120 (e.g. -3)", "participants.csv", "age", (2,)),
    Case("age_999", _p(3, "age", "999"), "ages outside 0-120 (e.g. 999)", "participants.csv", "age", (3,)),
    Case("cost_933bn", _p(4, "support_cost", "933000000000"), "costs above £1,000,000 per participant",
         "participants.csv", "support_cost", (4,)),
    Case("all_costs_zero", {"participants.csv": _zero_costs(PARTICIPANTS)},
         "all costs are zero: value for money", "participants.csv", "support_cost", severity="note"),
    # --- areas (deprivation) file
    Case("duplicate_area_code", {"areas.csv": edit(AREAS, 2, "lsoa_code", "E01000001")}, "area codes are duplicated",
         "areas.csv", "lsoa_code", (1, 2)),
    Case("area_code_malformed", {"areas.csv": edit(AREAS, 5, "lsoa_code", "Liverpool 001A")},
         "not LSOA codes (e.g. free text of 2 words)", "areas.csv", "lsoa_code", (5,)),
    Case("synthetic_codes_in_real_mode", {"areas.csv": AREAS.replace("E01", "Z01"),
                                          "participants.csv": PARTICIPANTS.replace("E01", "Z01"),
                                          "comparison.csv": COMPARISON.replace("E01", "Z01")},
         "synthetic area codes (Z01...) with real data", "areas.csv", "lsoa_code", (1, 2, 3, 4, 5),
         params={"synthetic": False, "pseudonymise": False}),
    Case("decile_out_of_range", {"areas.csv": edit(AREAS, 3, "imd_decile", "11")}, "values outside 1-10",
         "areas.csv", "imd_decile", (3,)),
    Case("negative_population", {"areas.csv": edit(AREAS, 4, "population", "-3")}, "must not be negative",
         "areas.csv", "population", (4,)),
    Case("areas_missing_need_column", {"areas.csv": AREAS.replace("need_score", "need")},
         "missing column(s) 'need_score'", "areas.csv"),
    # --- survey
    Case("unknown_survey_answer", {"survey.csv": edit(SURVEY, 2, "would_have_happened_anyway", "maybe")},
         "unknown codes (e.g. a text value of 5 character(s))", "survey.csv", "would_have_happened_anyway", (2,)),
    Case("duplicate_respondent", {"survey.csv": edit(SURVEY, 4, "respondent_id", "S3")}, "identifiers are duplicated",
         "survey.csv", "respondent_id", (3, 4)),
]


def _write_service(root: Path, case: Case) -> Path:
    base = {"areas.csv": AREAS, "participants.csv": PARTICIPANTS, "comparison.csv": COMPARISON, "survey.csv": SURVEY}
    base.update(case.files)
    for name, content in base.items():
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        (root / name).write_bytes(data)
    params = {**PARAMS, **{k: v for k, v in case.params.items() if k != "data"}}
    params["data"] = {**PARAMS["data"], **case.params.get("data", {})}
    path = root / "mini.yaml"
    path.write_text(yaml.safe_dump(params), encoding="utf-8")
    return path


def _find(report, case: Case):
    hits = [p for p in report.problems if case.expect in p.describe() and Path(p.file).name == case.file]
    assert hits, f"{case.name}: no problem mentioning {case.expect!r} in\n{report.summary().text}"
    return hits[0]


def test_corpus_is_large_enough():
    assert len({c.name for c in CASES}) == len(CASES) >= 30


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_is_reported(tmp_path, case):
    params = load_service_params(_write_service(tmp_path, case))
    report = check_service(params).report
    problem = _find(report, case)
    assert problem.severity == case.severity
    if case.column is not None:
        assert problem.column == case.column
    if case.rows is not None:
        assert problem.rows == case.rows, problem.describe()
    assert problem.hint or problem.severity != "error", "every blocking problem says how to fix it"
    if case.severity == "error":
        assert not report.ok
        with pytest.raises(ValidationFailed) as info:
            load_service_data(params)
        assert case.expect in str(info.value)
        assert isinstance(info.value, InputDataError)
    else:
        assert report.ok, report.summary().text
        data = load_service_data(params)
        assert len(data.participants) == 6  # warnings never remove rows


ROW_LEVEL = [c for c in CASES if c.rows is not None and c.severity == "error" and c.file != "areas.csv"]


@pytest.mark.parametrize("case", ROW_LEVEL, ids=[c.name for c in ROW_LEVEL])
def test_excluded_rows_are_all_accounted_for(tmp_path, case):
    case = Case(**{**case.__dict__, "params": {**case.params, "exclude_invalid_rows": True}})
    params = load_service_params(_write_service(tmp_path, case))
    data = load_service_data(params)
    report = data.validation
    assert report.ok and report.n_excluded >= 1
    source = {"participants.csv": PARTICIPANTS, "comparison.csv": COMPARISON, "survey.csv": SURVEY}
    for name, frame in (("participants.csv", data.participants), ("comparison.csv", data.comparison),
                        ("survey.csv", data.survey)):
        text = case.files.get(name, source[name])
        n_in = len(list(csv.reader(io.StringIO(text if isinstance(text, str) else text.decode())))) - 1
        excluded = report.excluded_by_file().get(str(tmp_path / name), 0)
        assert len(frame) + excluded == n_in, f"{name}: {len(frame)} kept + {excluded} excluded != {n_in} read"
    assert set(report.quarantine.columns) == {"file", "row", "column", "problem"}
    assert "[excluded]" in report.summary().text and "Rows excluded, by file" in report.summary().text


PARAMS_CASES = [
    ("unknown_key", {"targetting": {"need": "x"}}, "did you mean 'targeting'"),
    ("level_out_of_range", {"effect": {"method": "regression", "covariates": ["age"], "level": 1.5}}, "effect.level"),
    ("bad_date_format", {"date_format": "mm/dd"}, "date_format must be"),
    ("unknown_rule", {"disclosure": {"rule": "lt3"}}, "unknown disclosure rule 'lt3'"),
    ("missing_file", {"data": {**PARAMS["data"], "survey": "nope.csv"}}, "file not found"),
]


@pytest.mark.parametrize("name,extra,expect", PARAMS_CASES, ids=[c[0] for c in PARAMS_CASES])
def test_bad_params_reported_by_validate_batch(tmp_path, name, extra, expect):
    svc = _write_service(tmp_path, Case(name, {}, "", ""))
    raw = yaml.safe_load(svc.read_text())
    raw.update(extra)
    svc.write_text(yaml.safe_dump(raw))
    nb = tmp_path / "nb"
    nb.mkdir()
    (nb / "additionality.ipynb").write_text("{}")
    batch = tmp_path / "batch.yaml"
    batch.write_text(yaml.safe_dump({"title": "t", "output_dir": "out", "notebook_dir": "nb",
                                     "notebooks": ["additionality"], "services": ["mini.yaml"]}))
    report = validate_batch(batch)
    assert not report.ok and any(expect in p.describe() for p in report.problems), report.summary().text
    with pytest.raises(ParamsError, match=expect.replace("[", r"\[").replace("]", r"\]")):
        load_service_params(svc)


def test_yaml_syntax_error_reported(tmp_path):
    batch = tmp_path / "batch.yaml"
    batch.write_text("title: [unclosed\nservices: a\n")
    report = validate_batch(batch)
    assert not report.ok and "not valid YAML at line" in report.summary().text


def test_batch_validation_of_bundled_params_is_clean(repo):
    report = validate_batch(repo / "params" / "year_one.yaml")
    assert report.ok, report.summary().text
    assert len(report.files) >= 9  # batch, 2 x (participants, comparison, survey), areas, boundaries
    assert "Validation: OK" in report.summary().text


def test_validation_errors_are_svimpact_errors_only(tmp_path):
    """Every corpus case fails (if at all) with a SvimpactError, whatever entry point is used."""
    for case in CASES:
        root = tmp_path / case.name
        root.mkdir()
        params = load_service_params(_write_service(root, case))
        with contextlib.suppress(SvimpactError):
            load_service_data(params)


def test_unknown_unit_value_reported_by_validate_batch(tmp_path, repo):
    raw = yaml.safe_load((repo / "params" / "housing_first.yaml").read_text())
    if "valuation" not in raw:
        pytest.skip("these params have no valuation section")
    raw["valuation"]["unit_values"] = ["no_such_value"]
    for key, path in raw["data"].items():
        raw["data"][key] = str((repo / "params" / path).resolve())
    (tmp_path / "hf.yaml").write_text(yaml.safe_dump(raw))
    batch = tmp_path / "batch.yaml"
    batch.write_text(yaml.safe_dump({"title": "t", "output_dir": "out", "notebook_dir": str(repo / "notebooks"),
                                     "notebooks": ["additionality"], "services": ["hf.yaml"]}))
    report = validate_batch(batch)
    assert not report.ok and any(p.column == "valuation.unit_values.0" for p in report.problems), report.summary().text
