"""Validation at the boundary: every input of a batch checked, every problem reported at once.

:func:`check_service` reads one service's files (records, comparison group, survey, area file,
boundaries) against the schemas of :mod:`svimpact.io.schemas` and returns the converted tables
with a :class:`ValidationReport`. Each :class:`Problem` names the file, the column, the rows
(first ten and a count) and a hint. Row-level problems (a missing value, a bad outcome code, an
impossible date, an unknown area...) block the run unless the params say
``exclude_invalid_rows: true``; then those rows are excluded, listed in the report's
``quarantine`` table (file, row, column, problem: never the values) and counted.
:func:`validate_batch` runs every check of a batch without running any notebook.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from svimpact._results import ResultMixin
from svimpact.exceptions import InputDataError, ParamsError, SvimpactError, format_rows
from svimpact.geo.postcodes import normalise_postcode
from svimpact.io.dates import parse_dates
from svimpact.io.params import ServiceParams, load_batch_params, load_service_params
from svimpact.io.readers import read_table
from svimpact.io.schemas import ColumnSpec, TableSchema, areas_schema, records_schema, survey_schema
from svimpact.io.yamlfile import read_yaml

__all__ = ["Problem", "ServiceCheck", "ValidationFailed", "ValidationReport", "check_service", "validate_batch"]

Severity = Literal["error", "warning", "note", "excluded"]
_POSTCODE_IN_TEXT = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2}\b", re.IGNORECASE)
_LSOA_LIKE = re.compile(r"^[A-Z]\d{8}$")
_LAST_2011 = {"E": 33_768, "W": 1_958}  # svimpact.geo.vintage: last 2011 LSOA code per country
EARLIEST = pd.Timestamp("1920-01-01")


@dataclass(frozen=True)
class Problem:
    """One problem in one input file."""

    file: str
    column: str | None
    message: str
    rows: tuple[int, ...] = ()
    hint: str | None = None
    severity: Severity = "error"
    excludable: bool = False

    def describe(self) -> str:
        what = "key" if self.file.endswith((".yaml", ".yml")) else "column"
        where = ", ".join([self.file] + ([f"{what} '{self.column}'"] if self.column else []))
        text = f"{where}: {self.message}"
        if self.rows:
            text += f" ({format_rows(self.rows)})"
        return text + (f"; {self.hint}" if self.hint else "")


@dataclass(frozen=True)
class ValidationReport(ResultMixin):
    """Every problem found, the rows read per file, and the rows excluded (only when allowed).

    ``rows_read`` pairs each table file with its number of records, so that for every file
    records kept + records excluded = records read.
    """

    problems: tuple[Problem, ...] = ()
    quarantine: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["file", "row", "column", "problem"]))
    files: tuple[str, ...] = ()
    rows_read: tuple[tuple[str, int], ...] = ()
    _title: str = field(default="Input validation", repr=False)

    @property
    def ok(self) -> bool:
        """True when nothing blocks the run (warnings, notes and excluded rows do not)."""
        return not self.errors

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def n_excluded(self) -> int:
        """Distinct (file, row) pairs excluded."""
        return int(self.quarantine[["file", "row"]].drop_duplicates().shape[0]) if len(self.quarantine) else 0

    def excluded_by_file(self) -> dict[str, int]:
        q = self.quarantine.drop_duplicates(["file", "row"])
        return {str(k): int(v) for k, v in q.groupby("file").size().items()}

    def merge(self, other: ValidationReport) -> ValidationReport:
        frames = [q for q in (self.quarantine, other.quarantine) if len(q)]
        quarantine = pd.concat(frames, ignore_index=True) if frames else self.quarantine
        return ValidationReport(self.problems + other.problems, quarantine,
                                self.files + tuple(f for f in other.files if f not in self.files),
                                self.rows_read + other.rows_read)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [{"severity": p.severity, "file": p.file, "column": p.column or "", "problem": p.message,
              "n_rows": len(p.rows), "rows": format_rows(p.rows) if p.rows else "", "hint": p.hint or ""}
             for p in self.problems],
            columns=["severity", "file", "column", "problem", "n_rows", "rows", "hint"])

    def to_text(self) -> str:
        lines = [f"Validation: {'OK' if self.ok else 'FAILED'} ({len(self.files)} file(s) checked, "
                 f"{len(self.errors)} error(s), {self.n_excluded} row(s) excluded)"]
        for p in self.problems:
            lines.append(f"  [{p.severity}] {p.describe()}")
        if self.n_excluded:
            lines.append("  Rows excluded, by file: " + "; ".join(
                f"{f}: {n}" for f, n in self.excluded_by_file().items()))
        excluded = self.excluded_by_file()
        for f, n in dict(self.rows_read).items():  # a file shared by services is listed once
            lines.append(f"  {f}: {n:,} record(s) read, {excluded.get(f, 0):,} excluded")
        return "\n".join(lines)

    __str__ = to_text

    def _repr_html_(self) -> str:
        return f"<p>{self.to_text().splitlines()[0]}</p>" + self.to_frame().to_html(index=False, border=0)

    def write_quarantine(self, path: str | Path) -> Path:
        """Write the quarantine list (file, row, column, problem; no values) as CSV."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.quarantine.to_csv(path, index=False, lineterminator="\n")
        return path


class ValidationFailed(InputDataError):
    """Inputs failed validation. ``report`` holds every problem; the message leads with the first."""

    def __init__(self, report: ValidationReport) -> None:
        first = report.errors[0]
        super().__init__(first.message, file=first.file, column=first.column, rows=first.rows, hint=first.hint)
        self.report = report
        more = report.errors[1:]
        if more:
            extra = "\n".join(f"  - {p.describe()}" for p in more[:20])
            tail = f"\n  ... and {len(more) - 20} more" if len(more) > 20 else ""
            self.args = (f"{self.args[0]}\n{len(more)} more problem(s):\n{extra}{tail}",)


@dataclass(frozen=True)
class ServiceCheck:
    """One service's converted tables (problem rows excluded if allowed) and its report."""

    params: ServiceParams
    tables: dict[str, pd.DataFrame | None]
    report: ValidationReport


# --------------------------------------------------------------------------- column checks

def _rows(mask: np.ndarray | pd.Series) -> tuple[int, ...]:
    return tuple(int(i) + 1 for i in np.flatnonzero(np.asarray(mask, dtype=bool)))


def _problem(file: str, column: str | None, message: str, mask=None, hint: str | None = None,
             excludable: bool = True, severity: Severity = "error") -> Problem:
    return Problem(file, column, message, _rows(mask) if mask is not None else (), hint, severity, excludable)


def _numbers(s: pd.Series) -> tuple[pd.Series, bool]:
    """Parse numbers, forgiving thousands separators and a leading pound sign (said in a note)."""
    text = s.astype("string").str.strip()
    num = pd.to_numeric(text.astype(object).where(text.notna(), np.nan), errors="coerce").astype("float64")
    failed = (num.isna() & text.notna() & text.ne("")).to_numpy(dtype=bool)
    changed = False
    if failed.any():
        cleaned = text[failed].str.replace(r"^£", "", regex=True).str.replace(r"(?<=\d),(?=\d{3}\b)", "", regex=True)
        retry = pd.to_numeric(cleaned.astype(object), errors="coerce").astype("float64")
        changed = bool(retry.notna().any())
        num[failed] = retry.to_numpy()
    if (num.dropna() % 1 == 0).all() and num.notna().all():
        num = num.astype("int64")
    return num, changed


def _check_column(frame: pd.DataFrame, spec: ColumnSpec, file: str, date_format: str
                  ) -> tuple[pd.Series, list[Problem]]:
    s = frame[spec.name]
    text = s.astype("string").str.strip()
    blank = (text.isna() | text.eq("")).to_numpy(dtype=bool)
    probs: list[Problem] = []
    col = spec.name
    if spec.complete and blank.any():
        probs.append(_problem(file, col, "has missing values", blank,
                              "fill them in, or set exclude_invalid_rows: true in the params file to exclude those records"))
    out: pd.Series = text.where(~blank).astype("str")
    if spec.kind in ("binary", "number", "nonneg") or (spec.kind == "any" and not blank.all()):
        num, forgave = _numbers(s)
        bad = num.isna().to_numpy(dtype=bool) & ~blank
        if spec.kind == "any":
            if not bad.any():
                out = num
            elif bad.sum() <= 0.2 * (~blank).sum():
                probs.append(_problem(file, col, "non-numeric values in a numeric column", bad,
                                      f"e.g. {text[bad].iloc[0]!r}; correct them at source"))
            return out, probs
        if spec.kind == "binary":
            bad = ~blank & ~num.isin([0, 1]).to_numpy(dtype=bool)
            if bad.any():
                probs.append(_problem(file, col, "must be 0 or 1", bad, "code the outcome as 1 (achieved) or 0 (not achieved)"))
        elif bad.any():
            what = f"{spec.label} must be numbers" if spec.label else "must be numbers"
            probs.append(_problem(file, col, what, bad, f"e.g. {text[bad].iloc[0]!r}; correct them at source"))
        if spec.kind == "nonneg":
            neg = (num < 0).fillna(False).to_numpy(dtype=bool)
            if neg.any():
                probs.append(_problem(file, col, f"{spec.label} must be non-negative numbers" if spec.label
                                      else "must not be negative", neg, "correct them at source"))
        rng = np.zeros(len(s), bool)
        if spec.minimum is not None:
            rng |= (num < spec.minimum).fillna(False).to_numpy(dtype=bool)
        if spec.maximum is not None:
            rng |= (num > spec.maximum).fillna(False).to_numpy(dtype=bool)
        if spec.integer:
            rng |= ((num % 1) != 0).fillna(False).to_numpy(dtype=bool)
        if rng.any():
            probs.append(_problem(file, col, f"values outside {spec.minimum:g}-{spec.maximum:g} or not whole numbers"
                                  if spec.minimum is not None and spec.maximum is not None else "values not whole numbers",
                                  rng, "correct them at source"))
        if forgave:
            probs.append(_problem(file, col, "read numbers written with thousands separators or '£'",
                                  severity="note", excludable=False))
        out = num.astype("int64") if (num.notna().all() and (num % 1 == 0).all() and spec.kind == "binary") else num
    elif spec.kind == "date":
        parsed = parse_dates(s, date_format=date_format)
        for message, mask, hint in parsed.problems:
            probs.append(_problem(file, col, message, mask, hint))
        if parsed.note:
            probs.append(_problem(file, col, parsed.note, severity="note", excludable=False))
        today = pd.Timestamp.today().normalize()
        odd = ((parsed.values > today) | (parsed.values < EARLIEST)).fillna(False).to_numpy(dtype=bool)
        if odd.any():
            probs.append(_problem(file, col, f"impossible dates (in the future or before {EARLIEST.year})", odd,
                                  "correct them at source"))
        out = parsed.values.set_axis(s.index)
    elif spec.kind == "category" and spec.values is not None:
        bad = ~blank & ~text.isin(spec.values).fillna(False).to_numpy(dtype=bool)
        if bad.any():
            probs.append(_problem(file, col, f"unknown codes (e.g. {text[bad].iloc[0]!r})", bad,
                                  f"use one of {', '.join(spec.values)}"))
    elif spec.kind == "postcode":
        norm = text.map(lambda v: normalise_postcode(v) if isinstance(v, str) and v else None)
        bad = ~blank & norm.isna().to_numpy(dtype=bool)
        if bad.any():
            probs.append(_problem(file, col, "free-text postcodes that do not parse as UK postcodes", bad,
                                  "a UK postcode looks like 'L1 8JQ'; correct them at source", severity="warning",
                                  excludable=False))
    return out, probs


def _free_text_postcodes(frame: pd.DataFrame, schema: TableSchema, file: str) -> list[Problem]:
    probs = []
    for col in frame.columns:
        if schema.spec(col) is not None or frame[col].dtype.kind in "iufbM":
            continue
        hit = frame[col].astype("string").str.contains(_POSTCODE_IN_TEXT, na=False).to_numpy(dtype=bool)
        hit &= ~frame[col].astype("string").str.fullmatch(r"[A-Z]\d{8}", na=False).to_numpy(dtype=bool)
        if hit.any():
            probs.append(_problem(file, col, "free text holds what look like postcodes (personal data)", hit,
                                  "remove them at source; they must never reach a published output",
                                  severity="warning", excludable=False))
    return probs


def _duplicates(frame: pd.DataFrame, id_col: str, file: str, what: str) -> list[Problem]:
    probs = []
    exact_later = frame.duplicated(keep="first").to_numpy()
    if exact_later.any():
        probs.append(_problem(file, None, f"{what} are duplicated: whole rows repeated exactly (the later copies)", exact_later,
                              "remove the repeated rows at source"))
    ids = frame[id_col].astype("string").str.strip()
    conflict = ids.notna().to_numpy() & ids.duplicated(keep=False).to_numpy() & ~exact_later
    conflict &= pd.Series(ids.where(~exact_later)).duplicated(keep=False).to_numpy()
    if conflict.any():
        probs.append(_problem(file, id_col, f"{what} are duplicated", conflict,
                              "remove duplicate records before loading (different rows share an identifier)"))
    return probs


def _date_order(frame: pd.DataFrame, schema: TableSchema, file: str) -> list[Problem]:
    probs = []
    for first, second in schema.date_order:
        if first in frame and second in frame and frame[first].dtype.kind == "M" and frame[second].dtype.kind == "M":
            bad = (frame[second] < frame[first]).fillna(False).to_numpy(dtype=bool)
            if bad.any():
                probs.append(_problem(file, second, f"dates before '{first}'", bad,
                                      f"'{second}' cannot come before '{first}'; correct them at source"))
    return probs


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
        probs.append(_problem(file, col, f"values that are not LSOA codes (e.g. {eg!r})", malformed, hint))
    unknown = (present & ~codes.isin(known)).to_numpy(dtype=bool) & ~malformed
    if unknown.any():
        codes_u = set(codes[unknown].astype(str))
        examples = ", ".join(sorted(codes_u)[:5])
        probs.append(_problem(file, col, f"area codes not found in {areas_name} (e.g. {examples})", unknown,
                              _vintage_hint(codes_u, known, areas_name)))
    return probs


# --------------------------------------------------------------------------- tables

def _from_error(exc: InputDataError, file: str) -> Problem:
    """A Problem from an InputDataError, without repeating the file, column, rows or hint."""
    text = str(exc)
    if exc.hint:
        text = text.removesuffix(f"; {exc.hint}")
    if exc.rows:
        text = text.removesuffix(f" ({format_rows(exc.rows)})")
    where = ", ".join([exc.file or file] + ([f"column '{exc.column}'"] if exc.column else []))
    return Problem(exc.file or file, exc.column, text.removeprefix(f"{where}: "), tuple(exc.rows), exc.hint,
                   "error", False)


def _read(path: Path, role: str, required: list[str]) -> tuple[pd.DataFrame | None, list[Problem]]:
    try:
        frame = read_table(path, required=required, dtype=str)
    except InputDataError as exc:
        return None, [_from_error(exc, str(path))]
    notes = [Problem(str(path), None, n, (), None, "note", False) for n in frame.attrs.get("svimpact", {}).get("notes", [])]
    if frame.empty:
        notes.append(Problem(str(path), None, f"has no records ({role})", (), "check the export", "error", False))
    return frame, notes


def check_table(frame: pd.DataFrame, schema: TableSchema, file: str, *, date_format: str = "auto"
                ) -> tuple[pd.DataFrame, list[Problem]]:
    """Convert ``frame``'s columns to their schema kinds and list every problem (no rows removed)."""
    out = frame.copy()
    probs: list[Problem] = []
    for spec in schema.columns:
        if spec.name not in frame.columns:
            continue
        values, p = _check_column(frame, spec, file, date_format)
        out[spec.name] = values
        probs += p
    empty = frame.isna().all(axis=1).to_numpy(dtype=bool) if len(frame.columns) else np.zeros(len(frame), bool)
    if empty.any():
        probs.append(_problem(file, None, "entirely blank rows", empty,
                              "delete the blank lines (row numbers here count them, as the file does)"))
    for col in frame.columns:  # other columns: numbers where every value is one (as pandas infers)
        if schema.spec(col) is None and frame[col].dtype.kind not in "iufbM":
            num = pd.to_numeric(frame[col], errors="coerce")
            if num.notna().sum() == frame[col].notna().sum() and frame[col].notna().any():
                out[col] = num
    if schema.unique and schema.unique in frame.columns:
        probs += _duplicates(frame, schema.unique, file, "area codes" if schema.role == "areas" else "identifiers")
    probs += _date_order(out, schema, file)
    probs += _free_text_postcodes(frame, schema, file)
    return out, probs


def _quarantine(frame: pd.DataFrame, problems: list[Problem], exclude: bool, file: str
                ) -> tuple[pd.DataFrame, list[Problem], pd.DataFrame]:
    rows = []
    kept_probs = []
    for p in problems:
        if exclude and p.severity == "error" and p.excludable and p.file == file:
            rows += [{"file": file, "row": r, "column": p.column or "", "problem": p.message} for r in p.rows]
            kept_probs.append(replace(p, severity="excluded"))
        else:
            kept_probs.append(p)
    q = pd.DataFrame(rows, columns=["file", "row", "column", "problem"])
    if len(q):
        drop = np.zeros(len(frame), bool)
        drop[q["row"].to_numpy(dtype=int) - 1] = True
        frame = frame.loc[~drop].reset_index(drop=True)
    return frame, kept_probs, q


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


def _check_file(path: Path, schema_for, role: str, exclude: bool, date_format: str, extra
                ) -> tuple[pd.DataFrame | None, ValidationReport]:
    """Read one table file, check it, quarantine rows if allowed; ``extra(frame)`` adds cross-file checks."""
    frame, probs = _read(path, role, schema_for([]).required())  # required columns never depend on the header
    if frame is None:
        return None, ValidationReport(tuple(probs), files=(str(path),))
    n = len(frame)
    frame, more = check_table(frame, schema_for(list(frame.columns)), str(path), date_format=date_format)
    frame, probs, q = _quarantine(frame, probs + more + extra(frame), exclude, str(path))
    return frame, ValidationReport(tuple(probs), q, (str(path),), ((str(path), n),))


def check_service(params: ServiceParams) -> ServiceCheck:
    """Check every input file of one service; see the module docstring."""
    p = params
    exclude, date_format = bool(p.exclude_invalid_rows), p.date_format
    tables: dict[str, pd.DataFrame | None] = {}
    a_schema = areas_schema(p)
    areas, probs = _read(Path(p.data.areas), "areas", a_schema.required())
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
            if role == "comparison" and tables.get("participants") is not None:
                found += _overlap(frame, tables["participants"], p.id_column, str(p.data.comparison))
            return found
        return _check_file(Path(getattr(p.data, role)), lambda header: records_schema(p, role, header), role,
                           exclude, date_format, extra)

    for role in ("participants", "comparison"):
        tables[role], part = records(role)
        report = report.merge(part)
    tables["survey"] = None
    if p.data.survey is not None:
        tables["survey"], part = _check_file(Path(p.data.survey), lambda header: survey_schema(), "survey",
                                             exclude, date_format, lambda frame: [])
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
        probs.append(_problem(file, "lsoa_code", f"values that are not LSOA codes (e.g. {codes[bad].iloc[0]!r})", bad,
                              "the area file has one row per LSOA, coded like E01012345", excludable=False))
    fake = present & codes.str.startswith("Z", na=False).to_numpy(dtype=bool)
    if fake.any() and not synthetic:
        probs.append(_problem(file, "lsoa_code", "synthetic area codes (Z01...) with real data (synthetic: false)",
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
    return [_problem(file, id_col, "people also listed as participants", both,
                     "a comparison group must not include participants; remove them at source")]


# --------------------------------------------------------------------------- batch

def validate_batch(batch_path: str | Path) -> ValidationReport:
    """Run every check of a batch (params and every input file) without running notebooks.

    Never raises for a problem in the inputs: params errors and unreadable files become
    problems in the report. ``report.ok`` is False when anything would stop the run.
    """
    path = Path(batch_path)
    report = ValidationReport(files=(str(path),))
    try:
        batch = load_batch_params(path)
        services = list(batch.services)
    except ParamsError as exc:
        report = report.merge(ValidationReport((_params_problem(exc, path),)))
        services = _services_listed(path)
    for service_path in services:
        try:
            sp = load_service_params(service_path)
        except ParamsError as exc:
            report = report.merge(ValidationReport((_params_problem(exc, Path(service_path)),),
                                                   files=(str(service_path),)))
            continue
        try:
            report = report.merge(check_service(sp).report)
        except SvimpactError as exc:  # a check that could not run at all
            report = report.merge(ValidationReport((Problem(str(service_path), None, str(exc)),)))
        report = report.merge(_check_valuation(sp, Path(service_path)))
    unique = tuple(dict.fromkeys(report.problems))  # a params error can surface twice (batch and service)
    return ValidationReport(unique, report.quarantine, report.files, report.rows_read)


def _check_valuation(sp: ServiceParams, params_file: Path) -> ValidationReport:
    """The valuation inputs (unit-value library, deflator) named in a service's params, if any."""
    v = getattr(sp, "valuation", None)
    if v is None:
        return ValidationReport()
    from svimpact.estimators.valuation import load_deflator, load_unit_values

    problems, files = [], []
    try:
        library = load_unit_values(v.value_file)
        files.append(str(getattr(library, "file", None) or v.value_file or "unit values"))
        for i, name in enumerate(v.unit_values):
            try:
                library[name]
            except (SvimpactError, KeyError) as exc:
                problems.append(Problem(str(params_file), f"valuation.unit_values.{i}", str(exc).strip("'\""), (),
                                        "use a value id from the unit-value library", "error", False))
        if getattr(v, "deflator_file", None) is not None:
            load_deflator(v.deflator_file)
            files.append(str(v.deflator_file))
    except SvimpactError as exc:
        problems.append(Problem(getattr(exc, "file", None) or str(params_file), getattr(exc, "key", None) or
                                getattr(exc, "column", None), str(exc), (), "fix the valuation file", "error", False))
    return ValidationReport(tuple(problems), files=tuple(files))


def _params_problem(exc: ParamsError, path: Path) -> Problem:
    return Problem(exc.file or str(path), exc.key, exc.message, (), "fix the params file", "error", False)


def _services_listed(path: Path) -> list[Path]:
    try:
        raw = read_yaml(path)
    except ParamsError:
        return []
    listed = raw.get("services") if isinstance(raw.get("services"), list) else []
    out = []
    for s in listed:
        if isinstance(s, str):
            p = Path(s)
            p = p if p.is_absolute() else (path.resolve().parent / p).resolve()
            if p.is_file():
                out.append(p)
    return out
