"""Confidence intervals for proportions and rates, the OHID/PHE way (PHEindicatormethods 2.1.0).

Wilson score limits for proportions; exact Poisson limits below 10 events and Byars' from 10 for
rates; and the small input readers (confidence level, numeric arrays) the other inequality
modules share.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm

from svimpact.exceptions import InputDataError, ParamsError

__all__ = ["byars_interval", "exact_poisson_interval", "phe_proportion", "phe_rate", "wilson_interval"]

_Z95_PHE = 1.959964  # the constant PHE uses to turn 95% limits into a standard error
ArrayLike: TypeAlias = Sequence[float] | np.ndarray | pd.Series


def _level(level: float, key: str = "level") -> float:
    """Read a confidence level; values of 90 or more are percentages (PHE convention)."""
    lv = float(level)
    if lv >= 90:
        lv /= 100
    if not 0 < lv <= 1:
        raise ParamsError(f"confidence level must lie in (0, 1] or be a percentage >= 90; got {level}", key=key)
    return lv


def _z(level: float) -> float:
    return float(norm.ppf(1 - (1 - level) / 2))


def _arr(x: ArrayLike | float, name: str) -> np.ndarray:
    try:
        return np.asarray(pd.to_numeric(pd.Series(np.atleast_1d(np.asarray(x, dtype=object))), errors="raise"),
                          dtype=float)
    except (ValueError, TypeError):
        raise InputDataError("values must be numeric", column=name) from None


def _rows(mask: np.ndarray) -> list[int]:
    return (np.flatnonzero(mask) + 1).tolist()


def wilson_interval(x: ArrayLike | float, n: ArrayLike | float, level: float = 0.95
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for proportions ``x / n`` (PHEindicatormethods ``wilson_lower/upper``).

    ``x`` need not be an integer. Missing ``x`` or ``n`` give ``NaN`` limits; ``level = 1``
    gives ``[0, 1]``. Returns ``(lower, upper)`` as proportions.
    """
    lv = _level(level)
    xa, na = np.broadcast_arrays(_arr(x, "x"), _arr(n, "n"))
    ok = ~(np.isnan(xa) | np.isnan(na))
    for bad, what in ((xa < 0, "x must not be negative"), (na <= 0, "n must be positive"),
                      (xa > na, "x must not exceed n")):
        if np.any(bad & ok):
            raise InputDataError(f"Wilson interval: {what}", rows=_rows(bad & ok))
    if lv == 1:
        return np.where(ok, 0.0, np.nan), np.where(ok, 1.0, np.nan)
    z = _z(lv)
    with np.errstate(invalid="ignore"):
        root = z * np.sqrt(z**2 + 4 * xa * (1 - xa / na))
        den = 2 * (na + z**2)
        return (2 * xa + z**2 - root) / den, (2 * xa + z**2 + root) / den


def byars_interval(x: ArrayLike | float, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Byars' approximation to Poisson limits for a count ``x`` (count scale).

    The lower limit is ``NaN`` where the approximation goes negative (tiny ``x``).
    """
    xa, z = _arr(x, "x"), _z(_level(level))
    with np.errstate(invalid="ignore", divide="ignore"):
        lo = xa * (1 - 1 / (9 * xa) - z / (3 * np.sqrt(xa))) ** 3
        hi = (xa + 1) * (1 - 1 / (9 * (xa + 1)) + z / (3 * np.sqrt(xa + 1))) ** 3
    return np.where(lo < 0, np.nan, lo), hi


def exact_poisson_interval(x: ArrayLike | float, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact (chi-square) Poisson limits for a count ``x`` (count scale); lower is 0 when x = 0."""
    xa, lv = _arr(x, "x"), _level(level)
    a = 1 - lv
    with np.errstate(invalid="ignore"):
        lo = np.where(xa == 0, 0.0, chi2.ppf(a / 2, 2 * np.maximum(xa, 1e-300)) / 2)
        hi = chi2.ppf(1 - a / 2, 2 * xa + 2) / 2
    return np.where(np.isnan(xa), np.nan, lo), hi


def phe_proportion(x: ArrayLike, n: ArrayLike, level: float = 0.95, multiplier: float = 1.0) -> pd.DataFrame:
    """Proportions with Wilson limits: columns ``value``, ``lower``, ``upper`` (all × multiplier)."""
    xa, na = _arr(x, "x"), _arr(n, "n")
    lo, hi = wilson_interval(xa, na, level)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = xa / na
    return pd.DataFrame({"value": value * multiplier, "lower": lo * multiplier, "upper": hi * multiplier})


def phe_rate(x: ArrayLike, n: ArrayLike, level: float = 0.95, multiplier: float = 100_000) -> pd.DataFrame:
    """Rates ``x / n × multiplier`` with exact Poisson limits below 10 events and Byars' from 10.

    Columns ``value``, ``lower``, ``upper``, ``method`` (``"Exact"`` or ``"Byars"``).
    """
    xa, na = _arr(x, "x"), _arr(n, "n")
    ok = ~(np.isnan(xa) | np.isnan(na))
    for bad, what in ((xa < 0, "x must not be negative"), (na <= 0, "n must be positive")):
        if np.any(bad & ok):
            raise InputDataError(f"rate: {what}", rows=_rows(bad & ok))
    exact = xa < 10
    elo, ehi = exact_poisson_interval(np.where(exact, xa, 0), level)
    blo, bhi = byars_interval(np.where(exact, 10, xa), level)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = multiplier / na
        out = pd.DataFrame({
            "value": xa * scale,
            "lower": np.where(exact, elo, blo) * scale,
            "upper": np.where(exact, ehi, bhi) * scale,
        })
    labels = np.where(exact, "Exact", "Byars").astype(object)
    labels[np.isnan(xa)] = None  # missing x or n: no method (<NA>)
    out["method"] = pd.array(labels, dtype="string")
    out.loc[~ok, ["value", "lower", "upper"]] = np.nan
    return out
