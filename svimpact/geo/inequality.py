"""Inequality statistics in the OHID/PHE way: intervals, quantiles, SII/RII, concentration index.

The algorithms follow PHEindicatormethods 2.1.0 (``phe_proportion``, ``phe_rate``,
``phe_quantile``, ``phe_sii``) and, for the concentration index, rineq 0.3.0's ``direct``
method with the Kakwani, Wagstaff & van Doorslaer (1997) variance. Both are described in
``../shared/oracles/README.md`` sections 2 and 3, and the tests reproduce PHE's own test cases.

Conventions: quantile 1 is the most deprived; in :func:`phe_sii` it sits at the x = 0 end of the
regression, so an outcome that is *higher* in deprived areas gives a *negative* SII (PHE's
convention; pass a negative ``multiplier`` to report the gap as positive).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy.special import expit, logit
from scipy.stats import chi2, norm

from svimpact._results import Interval, ResultMixin
from svimpact.exceptions import InputDataError, ParamsError

__all__ = [
    "ConcentrationResult",
    "SIIResult",
    "byars_interval",
    "concentration_index",
    "exact_poisson_interval",
    "phe_proportion",
    "phe_quantile",
    "phe_rate",
    "phe_sii",
    "wilson_interval",
]

_Z95_PHE = 1.959964  # the constant PHE uses to turn 95% limits into a standard error
ArrayLike = Sequence[float] | np.ndarray | pd.Series


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


# --------------------------------------------------------------------------- intervals
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
    out["method"] = pd.array(np.where(np.isnan(xa), None, np.where(exact, "Exact", "Byars")), dtype="string")
    out.loc[~ok, ["value", "lower", "upper"]] = np.nan
    return out


# --------------------------------------------------------------------------- quantiles
def phe_quantile(values: ArrayLike, *, q: int = 10, invert: bool | ArrayLike = True,
                 groups: ArrayLike | pd.DataFrame | None = None) -> pd.Series:
    """Assign quantiles 1..q within groups, exactly as PHEindicatormethods ``phe_quantile``.

    Ties share the lowest rank; with ``invert=True`` the highest value gets rank 1 and so
    quantile 1 (use ``invert=True`` on an IMD *score* to make 1 the most deprived). ``invert``
    may be given per row but must be constant within a group. Groups with fewer non-missing
    values than ``q`` get ``<NA>`` (with a warning); missing values get ``<NA>``.

    Returns a nullable ``Int64`` Series aligned with ``values``.
    """
    if int(q) != q or q < 1:
        raise ParamsError(f"q must be a positive whole number; got {q}", key="q")
    v = pd.Series(_arr(values, "values"))
    inv = pd.Series(np.broadcast_to(np.asarray(invert, dtype=bool), v.shape))
    if groups is None:
        keys: list[pd.Series] = [pd.Series(np.zeros(len(v), dtype=np.int8))]
    elif isinstance(groups, pd.DataFrame):
        keys = [groups[c].reset_index(drop=True) for c in groups.columns]
    else:
        keys = [pd.Series(np.asarray(groups, dtype=object)).reset_index(drop=True)]
    mixed = inv.groupby(keys, dropna=False).transform("nunique") > 1
    if mixed.any():
        raise InputDataError("invert (polarity) differs within a group; it must be the same for every row "
                             "of a group", column="invert", rows=_rows(mixed.to_numpy()))
    signed = v.where(~inv, -v)  # descending rank on value == ascending rank on -value
    rank = signed.groupby(keys, dropna=False).rank(method="min").to_numpy()
    count = v.groupby(keys, dropna=False).transform("count").to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        quant = np.floor((q + 1) - np.ceil((count + 1 - rank) / (count / q)))
    quant = np.where(quant == 0, 1, quant)
    small = count < q
    if np.any(small & ~np.isnan(v.to_numpy())):
        warnings.warn(f"some groups have fewer than {q} values; their quantiles are <NA>", stacklevel=2)
    quant = np.where(small | np.isnan(rank), np.nan, quant)
    out = pd.array(np.nan_to_num(quant).astype("int64"), dtype="Int64")
    out[np.isnan(quant)] = pd.NA
    return pd.Series(out, index=values.index if isinstance(values, pd.Series) else None, name="quantile")


# --------------------------------------------------------------------------- SII / RII
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
        return pd.DataFrame([{"measure": m, "value": i.value, "lower": i.lower, "upper": i.upper,
                              "level": i.level, "method": i.method} for m, i in rows])

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
            sii_iv.append(Interval(sii_v, *sorted(lims), lv, method))
            rii_iv.append(Interval(rii_v, *sorted(rlims), lv, method))
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


# --------------------------------------------------------------------------- concentration index
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
        i = self.index
        return pd.DataFrame([{"measure": f"concentration index ({self.kind})", "value": i.value, "se": self.se,
                              "lower": i.lower, "upper": i.upper, "level": i.level, "n": self.n}])

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
