"""Concentration index of an outcome over a deprivation rank, with its standard error.

The point value is rineq 0.3.0's ``direct`` method; the variance Kakwani, Wagstaff & van
Doorslaer (1997). Rank from the most deprived so that a negative index means concentration
among the deprived.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from svimpact._results import Interval, ResultMixin, result_frame
from svimpact.exceptions import InputDataError, ParamsError
from svimpact.geo.inequality.intervals import ArrayLike, _arr, _level, _rows

__all__ = ["ConcentrationKind", "ConcentrationResult", "concentration_index"]

ConcentrationKind = Literal["standard", "generalised", "wagstaff", "erreygers"]


@dataclass(frozen=True)
class ConcentrationResult(ResultMixin):
    """A concentration index with its standard error and normal interval.

    ``index`` is the requested ``kind``; ``relative`` the standard (relative) index it was
    scaled from; ``mean`` the weighted mean outcome; ``bounds`` the outcome bounds used by
    the Wagstaff and Erreygers corrections; ``n`` the rows used.
    """

    index: Interval
    se: float
    kind: str
    relative: float
    mean: float
    bounds: tuple[float, float] | None
    n: int

    _title = "Concentration index"

    def to_frame(self) -> pd.DataFrame:
        return result_frame([
            {"measure": f"concentration index ({self.kind})", "interval": self.index},
            {"measure": "standard error", "value": self.se, "method": "Kakwani, Wagstaff & van Doorslaer (1997)"},
            {"measure": "rows used", "value": float(self.n), "method": "count"},
        ])

    def _notes(self) -> list[str]:
        return ["Ranked from the most to the least deprived: a negative index means the outcome is "
                "concentrated among the more deprived. Variance: Kakwani, Wagstaff & van Doorslaer (1997)."]


def _fractional_rank(rank_by: np.ndarray, w: np.ndarray, ties: str) -> tuple[np.ndarray, np.ndarray]:
    """Fractional rank (weighted mean exactly 0.5) and the stable sort order."""
    order = np.argsort(rank_by, kind="stable")
    ws = w[order] / w.sum()
    cum = np.cumsum(ws)
    r_sorted = cum - ws / 2
    if ties == "pooled":
        rs = rank_by[order]
        _, start, counts = np.unique(rs, return_index=True, return_counts=True)
        before = np.concatenate([[0.0], cum])[start]
        block = np.add.reduceat(ws, start)
        r_sorted = np.repeat(before + block / 2, counts)
    r = np.empty_like(r_sorted)
    r[order] = r_sorted
    return r, order


def concentration_index(
    outcome: ArrayLike,
    rank_by: ArrayLike,
    weights: ArrayLike | None = None,
    *,
    kind: ConcentrationKind = "standard",
    bounds: tuple[float, float] | Literal["sample"] | None = None,
    ties: Literal["stable", "pooled"] = "stable",
    level: float = 0.95,
) -> ConcentrationResult:
    """Concentration index of ``outcome`` over the rank of ``rank_by`` (low ``rank_by`` = poorest).

    The point value is rineq's ``direct`` method, C = 2 Σ ŵ (y − μ)(r − r̄) / μ, with
    population weights ŵ; the variance is Kakwani, Wagstaff & van Doorslaer (1997) eq. 14.
    ``kind`` rescales C and its standard error by a fixed factor: ``generalised`` × μ;
    ``wagstaff`` × (u − l) μ / ((u − μ)(μ − l)); ``erreygers`` × 4 μ / (u − l), where
    ``[l, u]`` are the *theoretical* ``bounds`` of the outcome (default ``(0, 1)``), or the
    sample range with ``bounds="sample"`` (rineq-compatible). ``ties="stable"`` is rineq's
    ``rank_wt`` (tied rows keep input order); ``"pooled"`` gives tied rows one shared rank
    (Stata ``conindex``).

    Pass ``rank_by`` = IMD decile (1 = most deprived) or minus the IMD score so that the
    most deprived come first; a negative index then means concentration among the deprived.
    """
    if kind not in ("standard", "generalised", "wagstaff", "erreygers"):
        raise ParamsError(f"unknown kind '{kind}'; choose standard, generalised, wagstaff or erreygers", key="kind")
    if ties not in ("stable", "pooled"):
        raise ParamsError(f"unknown ties '{ties}'; choose stable or pooled", key="ties")
    y, rb = _arr(outcome, "outcome"), _arr(rank_by, "rank_by")
    w = np.ones_like(y) if weights is None else _arr(weights, "weights")
    if not len(y) == len(rb) == len(w):
        raise InputDataError("outcome, rank_by and weights must have the same length")
    bad = np.isnan(y) | np.isnan(rb) | np.isnan(w) | (w < 0)
    if bad.any():
        raise InputDataError("missing values or negative weights; remove or fill these rows first",
                             rows=_rows(bad))
    if len(y) < 2 or w.sum() <= 0:
        raise InputDataError("a concentration index needs at least two rows with positive total weight")
    r, order = _fractional_rank(rb, w, ties)
    wn = w / w.sum()
    mu = float(wn @ y)
    if mu == 0:
        raise InputDataError("the weighted mean outcome is 0, so the concentration index is undefined")
    c = float(2 * (wn @ ((y - mu) * (r - wn @ r))) / mu)
    n = len(y)
    ys, rs = y[order], r[order]
    qcum = np.cumsum(ys) / ys.sum()
    qprev = np.concatenate([[0.0], qcum[:-1]])
    ai = (ys / mu) * (2 * rs - 1 - c) + 2 - qprev - qcum
    var = max((float(ai @ ai) / n - (1 + c) ** 2) / n, 0.0)
    factor, used = _ci_factor(kind, mu, y, bounds)
    lv = _level(level)
    se = float(np.sqrt(var) * abs(factor))
    return ConcentrationResult(Interval.normal(c * factor, se, lv), se, kind, c, mu, used, n)


def _ci_factor(kind: str, mu: float, y: np.ndarray, bounds) -> tuple[float, tuple[float, float] | None]:
    if kind == "standard":
        return 1.0, None
    if kind == "generalised":
        return mu, None
    if isinstance(bounds, str) and bounds == "sample":
        lo, hi = float(np.min(y)), float(np.max(y))
    else:
        lo, hi = (0.0, 1.0) if bounds is None else (float(bounds[0]), float(bounds[1]))
    if not hi > lo:
        raise ParamsError(f"bounds must satisfy lower < upper; got ({lo}, {hi})", key="bounds")
    if np.any((y < lo) | (y > hi)):
        raise InputDataError(f"outcome lies outside its bounds [{lo:g}, {hi:g}]", column="outcome",
                             rows=_rows((y < lo) | (y > hi)), hint="pass the outcome's theoretical bounds")
    if kind == "erreygers":
        return 4 * mu / (hi - lo), (lo, hi)
    if not lo < mu < hi:
        raise InputDataError("the Wagstaff index needs a mean strictly inside the bounds")
    return (hi - lo) * mu / ((hi - mu) * (mu - lo)), (lo, hi)
