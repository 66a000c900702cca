"""Slope and Relative Index of Inequality, as PHEindicatormethods ``phe_sii`` computes them.

Quantile 1 is the most deprived and sits at the x = 0 end of the regression, so an outcome that
is *higher* in deprived areas gives a *negative* SII (PHE's convention; pass a negative
``multiplier`` to report the gap as positive).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from svimpact._results import Interval, ResultMixin, result_frame
from svimpact.exceptions import InputDataError, ParamsError
from svimpact.geo.inequality.intervals import _Z95_PHE, ArrayLike, _arr, _level, _rows

__all__ = ["SIIResult", "phe_sii"]


@dataclass(frozen=True)
class SIIResult(ResultMixin):
    """Slope and Relative Index of Inequality for one group (PHE ``phe_sii``).

    ``sii`` and ``rii`` carry the first confidence level; ``sii_intervals`` and
    ``rii_intervals`` hold one interval per requested level. ``intercept`` is PHE's intercept
    output. ``quantiles``, ``share`` (population share) and ``midpoint`` (relative rank b) record
    the regression inputs.
    """

    sii: Interval
    rii: Interval | None
    intercept: float
    sii_intervals: tuple[Interval, ...]
    rii_intervals: tuple[Interval, ...]
    quantiles: tuple[int, ...]
    share: tuple[float, ...]
    midpoint: tuple[float, ...]
    value_type: int
    multiplier: float
    transform: bool
    repetitions: int
    seed: int | None

    _title = "Slope and Relative Index of Inequality (PHE method)"

    def to_frame(self) -> pd.DataFrame:
        rows = [("SII", i) for i in self.sii_intervals] + [("RII", i) for i in self.rii_intervals]
        return result_frame([{"measure": m, "interval": i} for m, i in rows])

    def _notes(self) -> list[str]:
        return [f"Quantile 1 (most deprived) at the x = 0 end; multiplier {self.multiplier:g}; "
                f"intervals by simulation ({self.repetitions:,} repetitions, seed {self.seed}).",
                "A negative SII means the value falls from the most to the least deprived end."]


def _g(value_type: int):
    return {0: (lambda y: y, lambda y: y), 1: (np.log, np.exp), 2: (logit, expit)}[value_type]


def _sii_inputs(quantile: ArrayLike, population: ArrayLike, value: ArrayLike | None, x: ArrayLike | None,
                se: ArrayLike | None, lower: ArrayLike | None, upper: ArrayLike | None,
                value_type: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Validate phe_sii inputs; return (quantile, population, value, se) sorted by quantile."""
    qa, pop = _arr(quantile, "quantile"), _arr(population, "population")
    n_q = len(np.unique(qa[~np.isnan(qa)]))
    if not 5 <= n_q <= 100:
        raise InputDataError(f"SII needs 5 to 100 quantiles; found {n_q}", column="quantile")
    if n_q > 10:
        warnings.warn(f"{n_q} quantiles: small values in some quantiles can make the SII unstable", stacklevel=3)
    if len(np.unique(qa)) != len(qa):
        raise InputDataError("each quantile must appear once", column="quantile")
    bad = np.isnan(pop) | (pop <= 0)
    if bad.any():
        raise InputDataError("population must be positive and not missing", column="population", rows=_rows(bad))
    if value is None and x is None:
        raise ParamsError("give either value or x (a count) for the SII", key="value")
    if value is None:
        xa = _arr(x, "x")
        if value_type == 2 and np.any(xa <= 0):
            raise InputDataError("counts must be positive for a proportion SII", column="x", rows=_rows(xa <= 0))
        val = xa / pop
    else:
        val = _arr(value, "value")
    if np.isnan(val).any():
        raise InputDataError("values must not be missing", column="value", rows=_rows(np.isnan(val)))
    if value_type == 2 and np.any((val < 0) | (val > 1)):
        raise InputDataError("proportions must lie in [0, 1]", column="value", rows=_rows((val < 0) | (val > 1)))
    if value_type == 1 and np.any(val <= 0):
        raise InputDataError("rates must be positive for log-scale simulation", column="value", rows=_rows(val <= 0))
    if se is not None:
        sea = _arr(se, "se")
        if np.any(np.isnan(sea) | (sea < 0)):
            raise InputDataError("standard errors must be non-negative and not missing", column="se",
                                 rows=_rows(np.isnan(sea) | (sea < 0)))
    elif lower is not None and upper is not None:
        lo, hi = _arr(lower, "lower"), _arr(upper, "upper")
        if np.any(np.isnan(lo) | np.isnan(hi)):
            raise InputDataError("confidence limits must not be missing", column="lower/upper",
                                 rows=_rows(np.isnan(lo) | np.isnan(hi)))
        out = (lo < 0) | (lo > 1) | (hi < 0) | (hi > 1)
        if value_type == 2 and np.any(out):
            raise InputDataError("proportion limits must lie in [0, 1]", column="lower/upper", rows=_rows(out))
        g = _g(value_type)[0]
        with np.errstate(divide="ignore", invalid="ignore"):
            sea = (g(hi) - g(lo)) / (2 * _Z95_PHE)
        if not np.all(np.isfinite(sea)):
            raise InputDataError("limits give an infinite standard error on the log/logit scale "
                                 "(a limit of 0 or 1); use value_type=0", column="lower/upper",
                                 rows=_rows(~np.isfinite(sea)))
    else:
        raise ParamsError("give either se or both lower and upper (95% limits)", key="se")
    order = np.argsort(qa, kind="stable")
    return qa[order], pop[order], val[order], sea[order]


def _percentile_pair(sorted_draws: np.ndarray, level: float) -> tuple[float, float]:
    """PHE's order-statistic limits: positions round(R(1-p)) and round(R p), 1-based, p = c + (1-c)/2."""
    r = sorted_draws.shape[0]
    p = level + (1 - level) / 2
    lo = int(np.clip(np.round(r * (1 - p)), 1, r)) - 1
    hi = int(np.clip(np.round(r * p), 1, r)) - 1
    return float(sorted_draws[lo]), float(sorted_draws[hi])


def phe_sii(
    quantile: ArrayLike,
    population: ArrayLike,
    value: ArrayLike | None = None,
    *,
    x: ArrayLike | None = None,
    se: ArrayLike | None = None,
    lower: ArrayLike | None = None,
    upper: ArrayLike | None = None,
    value_type: Literal[0, 1, 2] = 0,
    multiplier: float = 1.0,
    transform: bool = False,
    level: float | Sequence[float] = 0.95,
    repetitions: int = 10_000,
    rii: bool = True,
    seed: int | None = None,
) -> SIIResult:
    """Slope and Relative Index of Inequality for one group, as PHEindicatormethods ``phe_sii``.

    Parameters
    ----------
    quantile, population
        One row per quantile (1 = most deprived); populations must be positive.
    value, x
        The indicator value, or for proportions the count ``x`` (value = x / population).
    se, lower, upper
        A standard error (log/logit scale for value_type 1/2), or 95% limits.
    value_type
        0 normal, 1 rate (log scale for simulation), 2 proportion (logit scale).
    multiplier
        Scales the SII; a negative multiplier flips its sign and inverts the RII.
    transform
        Fit on the log/logit scale and back-transform (value_type 1 or 2, limits required).
    level
        One confidence level or several (values >= 90 are percentages).
    repetitions, seed
        Simulation size (at least 1,000) and the seed of ``numpy.random.default_rng``.

    Examples
    --------
    >>> r = phe_sii([1, 2, 3, 4, 5], [100] * 5, [10, 8, 6, 4, 2], se=[1] * 5, seed=1)
    >>> round(r.sii.value, 6)
    -10.0
    """
    if value_type not in (0, 1, 2):
        raise ParamsError(f"value_type must be 0, 1 or 2; got {value_type}", key="value_type")
    if repetitions < 1000:
        raise ParamsError(f"repetitions must be at least 1,000; got {repetitions}", key="repetitions")
    if transform and (value_type == 0 or se is not None):
        raise ParamsError("transform=True needs value_type 1 or 2 and confidence limits (not se)", key="transform")
    levels = [_level(lv) for lv in (level if isinstance(level, Sequence) else [level])]
    q, pop, val, sea = _sii_inputs(quantile, population, value, x, se, lower, upper, value_type)
    g, ginv = _g(value_type)
    a = pop / pop.sum()
    b = np.cumsum(a) - a / 2
    bbar = float(a @ b)
    coef = a * (b - bbar) / float(a @ (b - bbar) ** 2)  # WLS slope weights

    def fit(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        slope = y @ coef
        return y @ a - slope * bbar, slope

    y = g(val) if transform else val
    b0, b1 = (float(v) for v in fit(y))
    neg = multiplier < 0
    if transform:
        y0, y1 = float(ginv(b0)), float(ginv(b0 + b1))
        sii_v, rii_v, icpt = (y1 - y0) * multiplier, y1 / y0, y0 * abs(multiplier)
    else:
        sii_v, rii_v, icpt = b1 * multiplier, (b0 + b1) / b0, b0
    rii_v = 1 / rii_v if neg else rii_v

    rng = np.random.default_rng(seed)
    draws = rng.normal(g(val), sea, size=(repetitions, len(val)))
    if not transform:
        draws = ginv(draws)
    s0, s1 = fit(draws)
    method = f"simulation ({repetitions:,} repetitions)"
    sii_iv, rii_iv = [], []
    if transform:
        slopes = np.sort(s1)
        m = b0 + b1 / 2
        for lv in levels:
            s = np.array(_percentile_pair(slopes, lv))
            top, bottom = ginv(m + s / 2), ginv(m - s / 2)
            lims = (top - bottom) * multiplier
            rlims = (bottom / top) if neg else (top / bottom)
            (s_lo, s_hi), (r_lo, r_hi) = sorted(lims), sorted(rlims)  # two limits each
            sii_iv.append(Interval(sii_v, s_lo, s_hi, lv, method))
            rii_iv.append(Interval(rii_v, r_lo, r_hi, lv, method))
    else:
        sim_sii = np.sort(s1 * multiplier)
        with np.errstate(divide="ignore", invalid="ignore"):
            sim_rii = (s0 + s1) / s0
        sim_rii = np.sort(1 / sim_rii if neg else sim_rii)
        for lv in levels:
            sii_iv.append(Interval(sii_v, *_percentile_pair(sim_sii, lv), lv, method))
            rii_iv.append(Interval(rii_v, *_percentile_pair(sim_rii, lv), lv, method))
    return SIIResult(
        sii=sii_iv[0], rii=rii_iv[0] if rii else None, intercept=icpt,
        sii_intervals=tuple(sii_iv), rii_intervals=tuple(rii_iv) if rii else (),
        quantiles=tuple(int(v) for v in q), share=tuple(a.tolist()), midpoint=tuple(b.tolist()),
        value_type=value_type, multiplier=float(multiplier), transform=transform,
        repetitions=repetitions, seed=seed,
    )
