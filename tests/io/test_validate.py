"""Validation: file formats and encodings, Excel, dates, boundary files, the report and its
rendering, and exclusion of rows only when the params ask for it."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
from conftest import REPO

from svimpact.io.params import Outcome, load_service_params
from svimpact.io.readers import read_table
from svimpact.io.service import load_service_data
from svimpact.io.validate import ValidationFailed, check_service, validate_batch


@pytest.fixture()
def hf():
    return load_service_params(REPO / "params" / "housing_first.yaml")


def _swap(params, role, path, **extra):
    return params.model_copy(update={"data": params.data.model_copy(update={role: path}), **extra})


def _participants(hf) -> pd.DataFrame:
    return pd.read_csv(hf.data.participants, dtype=str, keep_default_na=False)


def test_bundled_batch_is_clean_and_fast():
    report = validate_batch(REPO / "params" / "year_one.yaml")
    assert report.ok and not report.errors and report.n_excluded == 0
    assert report.table().empty
    assert set(report.to_frame()["measure"]) == {"records read", "records excluded"}


def test_loaded_types(hf):
    data = load_service_data(hf)
    p = data.participants
    assert str(p["referral_date"].dtype) == "datetime64[ns]" and p["tenancy_end"].isna().any()
    assert p["age"].dtype == "int64" and p["sustained_12m"].dtype == "int64"
    assert p["years_rough_sleeping"].dtype == "float64" and p["sustained_6m"].dtype == "int64"
    assert data.analysis_frame()["_served"].sum() == 300


@pytest.mark.parametrize("encoding,note", [("utf-8-sig", None), ("utf-16", "UTF-16"), ("cp1252", "Windows-1252")])
def test_encodings(hf, tmp_path, encoding, note):
    frame = _participants(hf)
    frame.loc[0, "person_id"] = frame.loc[0, "person_id"]  # unchanged; names carry accents below
    frame["notes"] = "Café visit"
    path = tmp_path / "p.csv"
    path.write_bytes(frame.to_csv(index=False).encode(encoding))
    report = check_service(_swap(hf, "participants", path)).report
    assert report.ok, report.summary().text
    notes = [p.message for p in report.problems if p.severity == "note" and p.file == str(path)]
    assert (note is None and not notes) or (note and note in notes[0])
    assert read_table(path)["notes"].iloc[0] == "Café visit"


def test_xlsx_with_date_cells_and_day_first_text(hf, tmp_path):
    frame = _participants(hf)
    frame["referral_date"] = pd.to_datetime(frame["referral_date"])  # real Excel date cells
    frame["tenancy_start"] = pd.to_datetime(frame["tenancy_start"]).dt.strftime("%d/%m/%Y")  # day-first text
    for col in ["age", "female", "sustained_12m", "support_cost", "prior_evictions"]:
        frame[col] = pd.to_numeric(frame[col])
    path = tmp_path / "p.xlsx"
    with pd.ExcelWriter(path) as xl:
        frame.to_excel(xl, sheet_name="records", index=False)
        pd.DataFrame({"about": ["export notes"]}).to_excel(xl, sheet_name="readme", index=False)
    with pytest.raises(ValidationFailed, match=r"2 visible sheets \('records', 'readme'\).*sheets: \{participants: 'records'\}"):
        load_service_data(_swap(hf, "participants", path))  # never a guess between visible sheets
    named = _swap(hf, "participants", path)
    named = named.model_copy(update={"data": named.data.model_copy(update={"sheets": {"participants": "records"}})})
    data = load_service_data(named)
    csv = load_service_data(hf)
    assert data.participants["tenancy_start"].equals(csv.participants["tenancy_start"])
    assert data.participants["referral_date"].equals(csv.participants["referral_date"])
    assert any("sheet 'records' (named in the params) of 2" in p.message for p in data.validation.problems)


def test_excel_serial_column_is_read_and_said(hf, tmp_path):
    frame = _participants(hf)
    dates = pd.to_datetime(frame["referral_date"])
    frame["referral_date"] = (dates - pd.Timestamp("1899-12-30")).dt.days.astype(str)
    path = tmp_path / "p.csv"
    frame.to_csv(path, index=False)
    data = load_service_data(_swap(hf, "participants", path))
    assert data.participants["referral_date"].tolist() == dates.tolist()
    assert any("Excel serial" in p.message and p.column == "referral_date" for p in data.validation.problems)


def test_date_format_param(hf, tmp_path):
    frame = _participants(hf)
    frame["referral_date"] = pd.to_datetime(frame["referral_date"]).dt.strftime("%d %b %Y")
    path = tmp_path / "p.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(ValidationFailed, match="unreadable dates"):
        load_service_data(_swap(hf, "participants", path))
    data = load_service_data(_swap(hf, "participants", path, date_format="%d %b %Y"))
    assert data.participants["referral_date"].notna().all()


def test_all_problems_reported_together_and_rows_excluded_only_on_request(hf, tmp_path):
    hf = hf.model_copy(update={"outcome": Outcome(column="sustained_12m", label="sustained", kind="binary")})  # 0/1 kind
    frame = _participants(hf)
    frame.loc[[3, 4], "sustained_12m"] = "2"
    frame.loc[7, "lsoa_code"] = "E01000001"
    frame.loc[9, "support_cost"] = "-10"
    frame.loc[10, "referral_date"] = "31/02/2025"
    path = tmp_path / "p.csv"
    frame.to_csv(path, index=False)
    params = _swap(hf, "participants", path)
    with pytest.raises(ValidationFailed) as info:
        load_service_data(params)
    err = info.value
    assert len(err.report.errors) == 4 and "3 more problem(s)" in str(err)
    assert err.column == "sustained_12m" and err.rows == [4, 5]
    data = load_service_data(params.model_copy(update={"exclude_invalid_rows": True}))
    assert len(data.participants) == 300 - 5 and data.n_excluded == 5
    q = data.validation.quarantine
    assert sorted(q["row"]) == [4, 5, 8, 10, 11] and set(q["column"]) >= {"sustained_12m", "lsoa_code"}
    out = data.validation.write_quarantine(tmp_path / "quarantine.csv")
    text = out.read_text()
    assert "HF-" not in text  # file, row numbers and reasons: never an identifier
    assert f"{path}: 5" in data.validation.summary().text


def test_report_frame_and_html(hf, tmp_path):
    frame = _participants(hf)
    frame.loc[0, "age"] = ""
    path = tmp_path / "p.csv"
    frame.to_csv(path, index=False)
    report = check_service(_swap(hf, "participants", path)).report
    table = report.table()
    assert list(table.columns) == ["severity", "file", "column", "problem", "n_rows", "rows", "hint"]
    assert table.iloc[0]["rows"] == "row 1" and table.iloc[0]["severity"] == "error"
    row = report.to_frame().iloc[0]
    assert (row["measure"].startswith("age: "), row["value"], row["method"]) == (True, 1.0, "error")
    assert row["source"] == str(path)
    assert "Validation: FAILED" in report._repr_html_()


def _boundaries(tmp_path, drop: int = 0, crs: str | None = "EPSG:27700"):
    gpd = pytest.importorskip("geopandas")
    src = gpd.read_file(REPO / "data" / "lcr" / "lcr_lsoa.geojson")  # the demo's real LCR boundaries
    src = src.iloc[drop:]
    if crs is None:
        src = src.set_crs(None, allow_override=True)
    path = tmp_path / "b.gpkg"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # pyogrio warns when writing without a CRS
        src.to_file(path)
    return path


def test_boundary_file_missing_areas(hf, tmp_path):
    path = _boundaries(tmp_path, drop=3)
    report = check_service(_swap(hf, "boundaries", path)).report
    [p] = report.errors
    assert "3 area(s) of lcr_areas_iod2025.csv have no boundary (e.g. E01006412" in p.describe()


def test_boundary_file_without_crs(hf, tmp_path):
    path = _boundaries(tmp_path, crs=None)
    report = check_service(_swap(hf, "boundaries", path)).report
    assert any("no coordinate reference system" in p.describe() for p in report.errors)


def test_boundary_file_unreadable(hf, tmp_path):
    path = tmp_path / "b.gpkg"
    path.write_text("not a geopackage")
    report = check_service(_swap(hf, "boundaries", path)).report
    assert "could not be read as a boundary file" in report.errors[0].describe()


def test_trailing_blank_lines_ignored_with_a_note(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n3,4\n\n\n")
    frame = read_table(path)
    assert len(frame) == 2 and frame.attrs["svimpact"]["notes"] == ["ignored 2 blank line(s) at the end of the file"]
