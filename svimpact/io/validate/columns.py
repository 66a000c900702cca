"""Per-column checks: each column converted to its schema kind, every problem listed.

:func:`check_table` converts a table's columns (numbers, 0/1 outcomes, dates, categories,
postcodes) and lists missing values, bad codes, impossible dates, duplicates, dates out of order
postcodes in free text, and implausible ages and costs (:class:`Plausibility`). No row is removed
here (see :func:`~svimpact.io.validate.report.quarantine`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from svimpact._common import describe_value
from svimpact.geo.postcodes import normalise_postcode
from svimpact.io.dates import parse_dates
from svimpact.io.schemas import ColumnSpec, TableSchema, is_age_name
from svimpact.io.validate.report import Problem, problem

__all__ = ["EARLIEST", "Plausibility", "check_table", "plausibility"]

_POSTCODE_IN_TEXT = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2}\b", re.IGNORECASE)
EARLIEST = pd.Timestamp("1920-01-01")


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
        probs.append(problem(file, col, "has missing values", blank,
                              "fill them in, or set exclude_invalid_rows: true in the params file to exclude those records"))
    out: pd.Series = text.where(~blank).astype("str")
    if spec.kind in ("binary", "number", "nonneg") or (spec.kind == "any" and not blank.all()):
        num, forgave = _numbers(s)
        bad = num.isna().to_numpy(dtype=bool) & ~blank
        if spec.kind == "any":
            if not bad.any():
                out = num
            elif bad.sum() <= 0.2 * (~blank).sum():  # a few bad values: an error, so the rows are excluded or
                out = num                               # the run stops; either way the column is numeric
                probs.append(problem(file, col, "non-numeric values in a numeric column", bad,
                                      f"e.g. {describe_value(text[bad].iloc[0])}; correct them at source"))
            return out, probs
        if spec.kind == "binary":
            bad = ~blank & ~num.isin([0, 1]).to_numpy(dtype=bool)
            if bad.any():
                probs.append(problem(file, col, "must be 0 or 1", bad, "code the outcome as 1 (achieved) or 0 (not achieved)"))
        elif bad.any():
            what = f"{spec.label} must be numbers" if spec.label else "must be numbers"
            probs.append(problem(file, col, what, bad, f"e.g. {describe_value(text[bad].iloc[0])}; correct them at source"))
        if spec.kind == "nonneg":
            neg = (num < 0).fillna(False).to_numpy(dtype=bool)
            if neg.any():
                probs.append(problem(file, col, f"{spec.label} must be non-negative numbers" if spec.label
                                      else "must not be negative", neg, "correct them at source"))
        rng = np.zeros(len(s), bool)
        if spec.minimum is not None:
            rng |= (num < spec.minimum).fillna(False).to_numpy(dtype=bool)
        if spec.maximum is not None:
            rng |= (num > spec.maximum).fillna(False).to_numpy(dtype=bool)
        if spec.integer:
            rng |= ((num % 1) != 0).fillna(False).to_numpy(dtype=bool)
        if rng.any():
            probs.append(problem(file, col, f"values outside {spec.minimum:g}-{spec.maximum:g} or not whole numbers"
                                  if spec.minimum is not None and spec.maximum is not None else "values not whole numbers",
                                  rng, "correct them at source"))
        if forgave:
            probs.append(problem(file, col, "read numbers written with thousands separators or '£'",
                                  severity="note", excludable=False))
        out = num.astype("int64") if (num.notna().all() and (num % 1 == 0).all() and spec.kind == "binary") else num
    elif spec.kind == "date":
        parsed = parse_dates(s, date_format=date_format)
        for message, mask, hint in parsed.problems:
            probs.append(problem(file, col, message, mask, hint))
        if parsed.note:
            probs.append(problem(file, col, parsed.note, severity="note", excludable=False))
        today = pd.Timestamp.today().normalize()
        odd = ((parsed.values > today) | (parsed.values < EARLIEST)).fillna(False).to_numpy(dtype=bool)
        if odd.any():
            probs.append(problem(file, col, f"impossible dates (in the future or before {EARLIEST.year})", odd,
                                  "correct them at source"))
        out = parsed.values.set_axis(s.index)
    elif spec.kind == "category" and spec.values is not None:
        bad = ~blank & ~text.isin(spec.values).fillna(False).to_numpy(dtype=bool)
        if bad.any():
            probs.append(problem(file, col, f"unknown codes (e.g. {_code_example(text[bad].iloc[0], spec.values)})", bad,
                                  f"use one of {', '.join(spec.values)}"))
    elif spec.kind == "postcode":
        norm = text.map(lambda v: normalise_postcode(v) if isinstance(v, str) and v else None)
        bad = ~blank & norm.isna().to_numpy(dtype=bool)
        if bad.any():
            probs.append(problem(file, col, "free-text postcodes that do not parse as UK postcodes", bad,
                                  "a UK postcode looks like 'L1 8JQ'; correct them at source", severity="warning",
                                  excludable=False))
    return out, probs


def _code_example(value: str, codes: tuple[str, ...]) -> str:
    """An unknown code described without repeating it, unless it is a valid code but for case or spaces."""
    near = next((c for c in codes if c.lower() == " ".join(str(value).split()).lower().replace(" ", "_")), None)
    return f"'{near}' written with other case or spacing" if near else describe_value(value)


def _free_text_postcodes(frame: pd.DataFrame, schema: TableSchema, file: str) -> list[Problem]:
    probs = []
    for col in frame.columns:
        if schema.spec(col) is not None or frame[col].dtype.kind in "iufbM":
            continue
        hit = frame[col].astype("string").str.contains(_POSTCODE_IN_TEXT, na=False).to_numpy(dtype=bool)
        hit &= ~frame[col].astype("string").str.fullmatch(r"[A-Z]\d{8}", na=False).to_numpy(dtype=bool)
        if hit.any():
            probs.append(problem(file, col, "free text holds what look like postcodes (personal data)", hit,
                                  "remove them at source; they must never reach a published output",
                                  severity="warning", excludable=False))
    return probs


def _duplicates(frame: pd.DataFrame, id_col: str, file: str, what: str) -> list[Problem]:
    probs = []
    exact_later = frame.duplicated(keep="first").to_numpy()
    if exact_later.any():
        probs.append(problem(file, None, f"{what} are duplicated: whole rows repeated exactly (the later copies)", exact_later,
                              "remove the repeated rows at source"))
    ids = frame[id_col].astype("string").str.strip()
    conflict = ids.notna().to_numpy() & ids.duplicated(keep=False).to_numpy() & ~exact_later
    conflict &= pd.Series(ids.where(~exact_later)).duplicated(keep=False).to_numpy()
    if conflict.any():
        probs.append(problem(file, id_col, f"{what} are duplicated", conflict,
                              "remove duplicate records before loading (different rows share an identifier)"))
    return probs


def _date_order(frame: pd.DataFrame, schema: TableSchema, file: str) -> list[Problem]:
    probs = []
    for first, second in schema.date_order:
        if first in frame and second in frame and frame[first].dtype.kind == "M" and frame[second].dtype.kind == "M":
            bad = (frame[second] < frame[first]).fillna(False).to_numpy(dtype=bool)
            if bad.any():
                probs.append(problem(file, second, f"dates before '{first}'", bad,
                                      f"'{second}' cannot come before '{first}'; correct them at source"))
    return probs



def check_table(frame: pd.DataFrame, schema: TableSchema, file: str, *, date_format: str = "auto",
                limits: Plausibility | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """Convert ``frame``'s columns to their schema kinds and list every problem (no rows removed).

    ``limits`` bound ages and costs (:class:`Plausibility`; its defaults when None).
    """
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
        probs.append(problem(file, None, "entirely blank rows", empty,
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
    probs += plausibility(out, schema, file, limits or Plausibility())
    return out, probs


@dataclass(frozen=True)
class Plausibility:
    """Limits on values that are possible but not plausible: ages, and costs per participant (GBP)."""

    age_min: float = 0
    age_max: float = 120
    max_cost_per_participant: float = 1_000_000

    @classmethod
    def from_params(cls, params: object) -> Plausibility:
        """The limits of a service's optional ``plausibility:`` block (these defaults for any not given)."""
        block = getattr(params, "plausibility", None)
        if block is None:
            return cls()
        given = block if isinstance(block, dict) else {f.name: getattr(block, f.name, None) for f in fields(cls)}
        return cls(**{k: float(v) for k, v in given.items() if v is not None and k in {f.name for f in fields(cls)}})


def _numeric(values: pd.Series) -> pd.Series | None:
    return values.astype("float64") if values.dtype.kind in "iuf" else None


def plausibility(frame: pd.DataFrame, schema: TableSchema, file: str, limits: Plausibility) -> list[Problem]:
    """Ages outside ``[age_min, age_max]`` and costs above the ceiling (errors); all-zero costs (a note).

    Ages are the columns declared as ages in the schema or named like one
    (:func:`~svimpact.io.schemas.is_age_name`); costs the column declared as costs. Only columns
    read as numbers are checked (age bands such as '18-24' are not).
    """
    probs: list[Problem] = []
    ages = [c for c in frame.columns if is_age_name(str(c)) or getattr(schema.spec(c), "plausible", None) == "age"]
    for col in ages:
        num = _numeric(frame[col])
        if num is None:
            continue
        bad = ((num < limits.age_min) | (num > limits.age_max)).to_numpy(dtype=bool)
        if bad.any():
            eg = num[bad].iloc[0]  # an age is shown; anything longer (a date of birth typed as a number) is not
            shown = f"{eg:g}" if abs(eg) < 1000 else describe_value(f"{eg:.0f}")
            probs.append(problem(file, col, f"ages outside {limits.age_min:g}-{limits.age_max:g} (e.g. {shown})", bad,
                                 "correct them at source (the plausible range is plausibility.age_min and "
                                 "age_max in the params file)"))
    for spec in schema.columns:
        if spec.plausible != "cost" or spec.name not in frame.columns:
            continue
        num = _numeric(frame[spec.name])
        if num is None:
            continue
        high = (num > limits.max_cost_per_participant).to_numpy(dtype=bool)
        if high.any():
            probs.append(problem(file, spec.name, f"costs above £{limits.max_cost_per_participant:,.0f} per "
                                 "participant", high,
                                 "correct them at source: costs are per participant, in pounds (the ceiling is "
                                 "plausibility.max_cost_per_participant in the params file)"))
        present = num.dropna()
        if len(present) and (present == 0).all():
            probs.append(problem(file, spec.name, "all costs are zero: value for money (benefit-cost ratio, cost "
                                 "per outcome) will not be computed", None,
                                 "check the cost column holds each participant's cost", severity="note",
                                 excludable=False))
    return probs

