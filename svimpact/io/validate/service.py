"""One service's inputs checked: every file read, converted and cross-checked.

:func:`check_service` reads one service's files (records, comparison group, survey, area file,
boundaries) against the schemas of :mod:`svimpact.io.schemas` and returns the converted tables
with a :class:`~svimpact.io.validate.report.ValidationReport`. Cross-file checks live here:
area codes known to the area file, comparison people who are also participants, boundaries
covering every area.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from svimpact._common import describe_value
from svimpact.exceptions import InputDataError
from svimpact.geo.postcodes import normalise_postcode
from svimpact.io.durations import date_problems
from svimpact.io.params import ServiceParams
from svimpact.io.readers import read_table
from svimpact.io.schemas import areas_schema, records_schema, survey_schema
from svimpact.io.validate.columns import Plausibility, check_table
from svimpact.io.validate.report import Problem, ValidationReport, from_error, problem, quarantine

__all__ = ["ServiceCheck", "check_service"]

_LSOA_LIKE = re.compile(r"^[A-Z]\d{8}$")
_LAST_2011 = {"E": 33_768, "W": 1_958}  # svimpact.geo.vintage: last 2011 LSOA code per country


@dataclass(frozen=True)
class ServiceCheck:
    """One service's converted tables (problem rows excluded if allowed) and its report."""

    params: ServiceParams
    tables: dict[str, pd.DataFrame | None]
    report: ValidationReport



def _vintage_hint(unknown: set[str], known: set[str], areas_name: str) -> str:
    ons = {c for c in unknown if re.match(r"^[EW]01\d{6}$", c)}
    if known and all(c.startswith("Z") for c in known) and ons:
        return (f"these are ONS LSOA codes but {areas_name} holds synthetic Z01 codes: check the LSOA "
                "vintage and the area file in the params")
    known_max = max((int(c[3:]) for c in known if re.match(r"^E01\d{6}$", c)), default=0)
    new21 = {c for c in ons if int(c[3:]) > _LAST_2011[c[0]]}
    if new21 and 0 < known_max <= _LAST_2011["E"]:
        return (f"codes such as {sorted(new21)[0]} exist only in the 2021 LSOA vintage but {areas_name} holds "
                "2011 codes (IoD2019): check the LSOA vintage; use IoD2025 areas or convert with "
                "svimpact.geo.convert_lsoa_counts")
    return "check the LSOA vintage (2011 or 2021) matches the deprivation data"


def _areas_check(frame: pd.DataFrame, file: str, known: set[str], areas_name: str, col: str) -> list[Problem]:
    codes = frame[col].astype("string").str.strip()
    present = codes.notna() & codes.ne("")
    malformed = (present & ~codes.str.fullmatch(_LSOA_LIKE.pattern, na=False)).to_numpy(dtype=bool)
    probs = []
    if malformed.any():
        eg = codes[malformed].iloc[0]
        hint = ("it looks like a postcode: look postcodes up with svimpact.geo.lookup_postcodes first"
                if normalise_postcode(eg) else "an LSOA code looks like E01012345")
        probs.append(problem(file, col, f"values that are not LSOA codes (e.g. {describe_value(eg)})", malformed, hint))
    unknown = (present & ~codes.isin(known)).to_numpy(dtype=bool) & ~malformed
    if unknown.any():
        codes_u = set(codes[unknown].astype(str))
        examples = ", ".join(sorted(codes_u)[:5])
        probs.append(problem(file, col, f"area codes not found in {areas_name} (e.g. {examples})", unknown,
                              _vintage_hint(codes_u, known, areas_name)))
    return probs



def _read(path: Path, role: str, required: list[str], sheet: str | None = None
          ) -> tuple[pd.DataFrame | None, list[Problem]]:
    try:
        frame = read_table(path, required=required, dtype=str, sheet=sheet, data_key=role)
    except InputDataError as exc:
        return None, [from_error(exc, str(path))]
    info = frame.attrs.get("svimpact", {})
    notes = [Problem(str(path), None, n, (), None, "note", False) for n in info.get("notes", [])]
    hidden = tuple(info.get("hidden_rows", ()))
    if hidden:
        notes.append(Problem(str(path), None, "rows hidden in Excel (by a filter, by hand or in a collapsed group) "
                             "are analysed like the others", hidden,
                             "unhide them to check them; delete them at source if they must not be analysed",
                             "warning", False))
    if frame.empty:
        notes.append(Problem(str(path), None, f"has no records ({role})", (), "check the export", "error", False))
    return frame, notes



def _boundaries(path: Path, known: set[str], layer_col: str, areas_name: str) -> list[Problem]:
    import pyogrio

    f = str(path)
    try:
        info = pyogrio.read_info(path)
    except Exception as exc:  # noqa: BLE001 - any GDAL error means an unreadable file
        return [Problem(f, None, f"could not be read as a boundary file ({type(exc).__name__})", (),
                        "check it is a GeoPackage or shapefile", "error", False)]
    probs = []
    if info.get("crs") is None:
        probs.append(Problem(f, None, "has no coordinate reference system", (),
                             "set it (ONS boundaries are EPSG:27700) with GeoDataFrame.set_crs", "error", False))
    fields = list(info.get("fields", []))
    if layer_col not in fields:
        probs.append(Problem(f, layer_col, f"missing column; found {', '.join(fields)}", (), None, "error", False))
        return probs
    if layer_col == "lsoa_code" and known:
        codes = pyogrio.read_dataframe(path, columns=[layer_col], read_geometry=False)[layer_col].astype(str)
        absent = sorted(known - set(codes))
        if absent:
            probs.append(Problem(f, layer_col, f"{len(absent)} area(s) of {areas_name} have no boundary "
                                 f"(e.g. {', '.join(absent[:5])})", (), "use boundaries of the same LSOA vintage",
                                 "error", False))
    return probs


def _check_file(path: Path, schema_for, role: str, exclude: bool, date_format: str, extra,
                sheet: str | None = None, limits: Plausibility | None = None
                ) -> tuple[pd.DataFrame | None, ValidationReport]:
    """Read one table file, check it, quarantine rows if allowed; ``extra(frame)`` adds cross-file checks."""
    frame, probs = _read(path, role, schema_for([]).required(), sheet)  # required columns never depend on the header
    if frame is None:
        return None, ValidationReport(tuple(probs), files=(str(path),))
    n = len(frame)
    frame, more = check_table(frame, schema_for(list(frame.columns)), str(path), date_format=date_format,
                              limits=limits)
    frame, probs, q = quarantine(frame, probs + more + extra(frame), exclude, str(path))
    return frame, ValidationReport(tuple(probs), q, (str(path),), ((str(path), n),))


def check_service(params: ServiceParams) -> ServiceCheck:
    """Check every input file of one service; see the module docstring."""
    p = params
    exclude, date_format = bool(p.exclude_invalid_rows), p.date_format
    tables: dict[str, pd.DataFrame | None] = {}
    a_schema = areas_schema(p)
    sheets = dict(getattr(p.data, "sheets", None) or {})
    limits = Plausibility.from_params(p)
    areas, probs = _read(Path(p.data.areas), "areas", a_schema.required(), sheets.get("areas"))
    known: set[str] = set()
    rows: tuple[tuple[str, int], ...] = ()
    if areas is not None:
        rows = ((str(p.data.areas), len(areas)),)
        areas, more = check_table(areas, a_schema, str(p.data.areas))
        probs += [replace(x, excludable=False) for x in more] + _area_codes(areas, str(p.data.areas), p.synthetic)
        known = set(areas["lsoa_code"].dropna().astype(str))
    tables["areas"] = areas
    report = ValidationReport(tuple(probs), files=(str(p.data.areas),), rows_read=rows)
    areas_name = Path(p.data.areas).name

    def records(role: str):
        def extra(frame: pd.DataFrame) -> list[Problem]:
            found = _areas_check(frame, str(getattr(p.data, role)), known, areas_name, p.area_column) if known else []
            if p.outcome.kind == "duration":
                found += _spell_dates(frame, p, str(getattr(p.data, role)))
            if role == "comparison" and tables.get("participants") is not None:
                found += _overlap(frame, tables["participants"], p.id_column, str(p.data.comparison))
            return found
        return _check_file(Path(getattr(p.data, role)), lambda header: records_schema(p, role, header), role,
                           exclude, date_format, extra, sheets.get(role), limits)

    for role in ("participants", "comparison"):
        tables[role], part = records(role)
        report = report.merge(part)
    tables["survey"] = None
    if p.data.survey is not None:
        tables["survey"], part = _check_file(Path(p.data.survey), lambda header: survey_schema(), "survey",
                                             exclude, date_format, lambda frame: [], sheets.get("survey"), limits)
        report = report.merge(part)
    for key, col in (("boundaries", "lsoa_code"), ("boroughs", "lad_code")):
        path = getattr(p.data, key)
        if path is not None:
            report = report.merge(ValidationReport(tuple(_boundaries(Path(path), known, col, areas_name)),
                                                   files=(str(path),)))
    return ServiceCheck(p, tables, report)


def _area_codes(areas: pd.DataFrame, file: str, synthetic: bool) -> list[Problem]:
    """The area file's own codes: LSOA-shaped, and synthetic Z01 codes only with synthetic data."""
    codes = areas["lsoa_code"].astype("string").str.strip()
    present = codes.notna().to_numpy(dtype=bool)
    bad = present & ~codes.str.fullmatch(r"[EWZ]01\d{6}", na=False).to_numpy(dtype=bool)
    probs = []
    if bad.any():
        eg = describe_value(codes[bad].iloc[0])
        probs.append(problem(file, "lsoa_code", f"values that are not LSOA codes (e.g. {eg})", bad,
                              "the area file has one row per LSOA, coded like E01012345", excludable=False))
    fake = present & codes.str.startswith("Z", na=False).to_numpy(dtype=bool)
    if fake.any() and not synthetic:
        probs.append(problem(file, "lsoa_code", "synthetic area codes (Z01...) with real data (synthetic: false)",
                              fake, "point data.areas at the real deprivation file for your LSOA vintage",
                              excludable=False))
    return probs


def _overlap(comparison: pd.DataFrame, participants: pd.DataFrame, id_col: str, file: str) -> list[Problem]:
    if id_col not in comparison or id_col not in participants:
        return []
    both = comparison[id_col].astype("string").str.strip().isin(
        set(participants[id_col].astype("string").str.strip().dropna())).to_numpy(dtype=bool)
    if not both.any():
        return []
    return [problem(file, id_col, "people also listed as participants", both,
                     "a comparison group must not include participants; remove them at source")]



def _spell_dates(frame: pd.DataFrame, p: ServiceParams, file: str) -> list[Problem]:
    """A duration outcome's dates against the cut-off: missing starts, starts or ends after it (rows, never values).

    End dates before start dates are the schema's date-order check. A blank start is a problem unless the
    params say ``missing_start: not_started``.
    """
    o = p.outcome
    start, end = str(o.start), str(o.end)
    if start not in frame or end not in frame or frame[start].dtype.kind != "M" or frame[end].dtype.kind != "M":
        return []
    out = []
    for column, message, mask, hint in date_problems(frame[start], frame[end], pd.Timestamp(o.cutoff), start, end):
        if "before the start" in message or ("missing start" in message and o.missing_start == "not_started"):
            continue
        if "missing start" in message:
            hint += ", or set outcome.missing_start: not_started if a blank start means the spell never began"
        where = f" (cut-off {o.cutoff})" if "cut-off" in message else ""
        out.append(problem(file, column, message.removeprefix("has ") + where, mask, hint))
    if o.missing_start == "not_started":
        ended_only = frame[start].isna().to_numpy() & frame[end].notna().to_numpy()
        if ended_only.any():
            out.append(problem(file, end, "end dates without a start date", ended_only, "give the start date"))
    return out
