"""From dates to durations: start, end (blank = still going) and a data cut-off.

A spell that has not ended by the cut-off is *censored*: we know it lasted at least until the cut-off,
not how long it will last. :func:`durations_from_dates` turns the dates into days followed and an
ended/still-going flag, and refuses dates that cannot be right, naming the column and the rows (never
the values): a missing start, a start after the cut-off, an end before the start, an end after the
cut-off. :func:`parse_horizon` reads horizons written as ``12``, ``"12 months"`` or ``"26 weeks"``.

A month is 365.25 / 12 = 30.4375 days and a week 7 days, so "12 months" is 365.25 days whatever the
start date (a calendar-month rule would give different lengths to people starting in different
months).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from svimpact.exceptions import InputDataError

__all__ = ["DAYS_PER_MONTH", "Horizon", "date_problems", "durations_from_dates", "parse_horizon", "parse_horizons"]

DAYS_PER_MONTH = 365.25 / 12
_HORIZON = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(months?|weeks?)?\s*$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Horizon:
    """A follow-up horizon: ``days`` (for ordering), ``amount`` and ``unit`` ("months" or "weeks")."""

    days: float
    amount: float
    unit: str

    @property
    def label(self) -> str:
        amount = f"{self.amount:g}"
        return f"{amount} {self.unit if self.amount != 1 else self.unit[:-1]}"

    @property
    def months(self) -> float:
        return self.days / DAYS_PER_MONTH

    def __str__(self) -> str:
        return self.label


def parse_horizon(value: float | str | Horizon) -> Horizon:
    """``12`` (months), ``"12 months"``, ``"26 weeks"``; raises ValueError naming the accepted forms."""
    if isinstance(value, Horizon):
        return value
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        amount, unit = float(value), "months"
    else:
        match = _HORIZON.match(str(value))
        if not match:
            raise ValueError(f"horizon {value!r} not understood; write it like 12, '12 months' or '26 weeks'")
        amount, unit = float(match.group(1)), (match.group(2) or "months").lower()
        unit = unit if unit.endswith("s") else unit + "s"
    if not amount > 0:
        raise ValueError(f"horizon {value!r} must be positive")
    days = amount * (DAYS_PER_MONTH if unit == "months" else 7.0)
    return Horizon(days, amount, unit)


def parse_horizons(value: float | str | Horizon | Sequence[float | str | Horizon]) -> tuple[Horizon, ...]:
    """One or several horizons, sorted, each once."""
    items = [value] if isinstance(value, (int, float, str, Horizon)) else list(value)
    if not items:
        raise ValueError("give at least one horizon, e.g. 12 or '26 weeks'")
    return tuple(sorted({parse_horizon(v) for v in items}))


def _as_dates(values: pd.Series, column: str) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.astype("datetime64[ns]")
    out = pd.to_datetime(values, errors="coerce", format="ISO8601")
    bad = out.isna() & values.notna() & values.astype("string").str.strip().ne("")
    if bad.any():
        raise InputDataError("has values that are not dates", column=column,
                             rows=[int(i) + 1 for i in np.flatnonzero(bad.to_numpy())],
                             hint="give dates as YYYY-MM-DD (svimpact.io reads UK day-first dates at load)")
    return out.astype("datetime64[ns]")


def date_problems(start: pd.Series, end: pd.Series, cutoff: pd.Timestamp, start_name: str, end_name: str
                  ) -> list[tuple[str, str, np.ndarray, str]]:
    """Rows whose dates cannot be right: (column, problem, mask, hint) for each kind found."""
    s, e = start.to_numpy(dtype="datetime64[ns]"), end.to_numpy(dtype="datetime64[ns]")
    has_s, has_e = ~np.isnat(s), ~np.isnat(e)
    cut = np.datetime64(pd.Timestamp(cutoff).to_datetime64(), "ns")
    found = []
    checks = [
        (start_name, "has missing start dates", ~has_s, "every record needs a start date; remove records that never started"),
        (start_name, "has start dates after the data cut-off", has_s & (s > cut),
         "check the dates and the cut-off in the params"),
        (end_name, "has end dates before the start date", has_s & has_e & (e < s),
         "correct the dates at source"),
        (end_name, "has end dates after the data cut-off", has_e & (e > cut),
         "an end after the cut-off was not known at the cut-off: leave it blank (still going) or move the cut-off"),
    ]
    for column, message, mask, hint in checks:
        if mask.any():
            found.append((column, message, mask, hint))
    return found


def durations_from_dates(data: pd.DataFrame, start: str, end: str, cutoff: str | pd.Timestamp
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Days followed (end or cut-off minus start) and whether the spell ended (1) or was still going (0).

    Raises :class:`~svimpact.exceptions.InputDataError` naming the column and rows of the first kind of
    impossible date (see the module docstring).
    """
    for col in (start, end):
        if col not in data.columns:
            raise InputDataError("not found in the data", column=col,
                                 hint=f"the columns are: {', '.join(map(str, data.columns[:20]))}")
    cut = pd.Timestamp(cutoff)
    s, e = _as_dates(data[start], start), _as_dates(data[end], end)
    problems = date_problems(s, e, cut, start, end)
    if problems:
        column, message, mask, hint = problems[0]
        raise InputDataError(message, column=column, rows=[int(i) + 1 for i in np.flatnonzero(mask)], hint=hint)
    ended = e.notna().to_numpy()
    stop = e.where(e.notna(), cut)
    days = (stop - s).dt.days.to_numpy(dtype=float)
    return days, ended.astype(int)
