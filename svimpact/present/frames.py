"""Tables in the presentation layer: one rounding for the chapter and the CSV files.

:func:`rounded` rounds a published table's numbers once: each row's central value and interval
limits (``value``/``estimate``/``point`` with ``lower``/``upper`` or ``low``/``high``) to one step set
by that row's interval width, other figures to three significant figures (whole units from 1,000),
published percentages and shares at the precision the disclosure layer gave them. The CSV files are
written from the rounded numbers and the chapter formats the same numbers (:func:`display`), so the
two always agree.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from svimpact.present import MINUS, label, round_step, step_for

__all__ = ["display", "for_csv", "rounded", "steps"]

_CENTRAL = ("value", "estimate", "point")
_LIMITS = (("lower", "upper"), ("low", "high"), ("reach_lower", "reach_upper"), ("return_lower", "return_upper"))
_FIXED = {"level": 0.01, "smd_before": 0.01, "smd_after": 0.01, "smd": 0.01,
          "reach_per_1000": 0.01, "reach_lower": 0.01, "reach_upper": 0.01}


def _fixed_step(col: str) -> float | None:
    name = str(col).lower()
    if name in _FIXED:
        return _FIXED[name]
    if name.endswith("pct") or name.startswith("pct") or "percent" in name:
        return 0.1
    if "share" in name:
        return 0.001
    return None


def _sig_step(x: float, sig: int = 3) -> float:
    if not math.isfinite(x) or x == 0:
        return 1.0
    return 1.0 if abs(x) >= 10 ** sig else float(10.0 ** (math.floor(math.log10(abs(x))) - (sig - 1)))


def _triples(columns: list[str]) -> list[tuple[list[str], str, str]]:
    found = []
    for lo, hi in _LIMITS:
        if lo in columns and hi in columns:
            prefix = lo[: -len("lower")] if lo.endswith("lower") and lo != "lower" else ""
            if prefix:
                central = [c for c in columns if c.startswith(prefix.rstrip("_")) and c not in (lo, hi)][:1]
            else:
                central = [c for c in _CENTRAL if c in columns] + [c for c in ("change",) if c in columns]
            found.append((central, lo, hi))
    return found


def steps(table: pd.DataFrame) -> pd.DataFrame:
    """The rounding step of every float cell (NaN for cells that are not floats)."""
    out = pd.DataFrame(np.nan, index=table.index, columns=table.columns)
    floats = [c for c in table.columns if pd.api.types.is_float_dtype(table[c])]
    for c in floats:
        fixed = _fixed_step(c)
        vals = table[c].to_numpy(dtype=float, na_value=np.nan)
        out[c] = [fixed if fixed else _sig_step(float(v)) for v in vals]
    for central, lo, hi in _triples([str(c) for c in table.columns]):
        if lo not in floats or hi not in floats or _fixed_step(lo):
            continue
        lower = table[lo].to_numpy(dtype=float, na_value=np.nan)
        upper = table[hi].to_numpy(dtype=float, na_value=np.nan)
        for i in range(len(table)):
            if not (np.isfinite(lower[i]) and np.isfinite(upper[i])):
                continue
            ref = next((float(table[c].iloc[i]) for c in central if c in floats and pd.notna(table[c].iloc[i])), np.nan)
            step = step_for(lower[i], upper[i], ref)
            for c in [*central, lo, hi]:
                if c in floats:
                    out.iloc[i, out.columns.get_loc(c)] = step
    return out


def rounded(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(table with float cells rounded to their steps, the steps)``."""
    step = steps(table)
    out = table.copy()
    for c in out.columns:
        if pd.api.types.is_float_dtype(out[c]):
            vals = out[c].to_numpy(dtype=float, na_value=np.nan)
            out[c] = [round_step(v, s) if np.isfinite(v) and np.isfinite(s) else v for v, s in zip(vals, step[c])]
    return out, step


def for_csv(table: pd.DataFrame) -> pd.DataFrame:
    """The table with float cells written as the chapter rounds them: plain decimal text with an
    ASCII minus (spreadsheets read it as a number), never scientific notation."""
    values, step = rounded(table)
    out = values.astype(object).copy()
    for c in values.columns:
        if pd.api.types.is_float_dtype(values[c]):
            out[c] = [v if pd.isna(v) else f"{float(v):.{_places(float(s))}f}" for v, s in zip(values[c], step[c])]
    return out


def _places(step: float) -> int:
    return max(0, -math.floor(math.log10(step) + 1e-9)) if np.isfinite(step) and step > 0 else 0


def _cell(v: float, step: float, money: bool) -> str:
    text = f"{abs(v):,.{_places(step)}f}"
    sign = MINUS if v < 0 and any(ch not in "0.," for ch in text) else ""
    return f"{sign}£{text}" if money else f"{sign}{text}"


_ROW_LABELS = ("measure", "line")


def _money_rows(table: pd.DataFrame) -> list[bool]:
    """Which rows of a money table are in pounds: all of them, unless a ``measure`` (or ``line``)
    column names ratios, returns or outcome counts beside the pound figures."""
    import re

    col = next((c for c in _ROW_LABELS if c in table.columns), None)
    if col is None:
        return [True] * len(table)
    money = re.compile(r"\bPV\b|present value|\bvalue\b|cost|benefits|£", re.IGNORECASE)
    other = re.compile(r"ratio|return|outcomes$|WELLBY", re.IGNORECASE)
    return [bool(money.search(str(v))) and not other.search(str(v)) for v in table[col]]


def display(table: pd.DataFrame, suppressed: pd.DataFrame, *, suppressed_text: str,
            money: tuple[str, ...] = (), labels: Mapping[str, str] | None = None,
            label_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """The published table as text for reading: counts with separators, money with £, true minus
    signs, no scientific notation, the same rounding as the CSV, readable column names and labels."""
    values, step = rounded(table)
    out = values.astype(object).copy()
    rows = _money_rows(values)
    for c in values.columns:
        col = values[c]
        if pd.api.types.is_bool_dtype(col):
            out[c] = col.map({True: "yes", False: "no"})
        elif pd.api.types.is_float_dtype(col):
            out[c] = ["" if pd.isna(v) else _cell(float(v), float(s), c in money and bool(r))
                      for v, s, r in zip(col, step[c], rows)]
        elif pd.api.types.is_integer_dtype(col):
            out[c] = ["" if pd.isna(v) else _cell(float(v), 1.0, c in money) for v in col]
        elif c in label_columns:
            out[c] = [label(v, labels) if isinstance(v, str) else v for v in col]
    mask = suppressed.reindex(columns=out.columns, fill_value=False).to_numpy(dtype=bool)
    out = out.mask(mask, suppressed_text)
    names = {c: label(str(c), labels) + (" (£)" if c in money and all(rows) else "") for c in out.columns}
    return out.rename(columns=names)
