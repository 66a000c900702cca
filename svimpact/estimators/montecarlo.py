"""Monte Carlo, tornado and switching values over any vectorised model (METHODS.md section 3).

A *model* here is a function ``evaluate(params) -> outputs`` where ``params`` maps parameter
names to float arrays of one shape and ``outputs`` maps output names to arrays of that shape.
:func:`monte_carlo` draws every distributional parameter (each from its own seeded stream),
:func:`tornado` moves one parameter at a time to its low and high settings, and
:func:`switching_values` finds the value of each parameter at which an output crosses a
threshold (NPSV = 0, BCR = 1). :func:`svimpact.estimators.appraisal.appraise` uses all three for
a whole service.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from svimpact._results import Interval
from svimpact.estimators.distributions import Distribution, draw_all, resolve_seed, rng_for

__all__ = [
    "MEAN_METHOD",
    "Model",
    "MonteCarloDraws",
    "interval_around",
    "monte_carlo",
    "switching_values",
    "tornado",
]

Model = Callable[[Mapping[str, np.ndarray]], Mapping[str, np.ndarray]]

MEAN_METHOD = "Monte Carlo: mean of draws, percentile interval"
"""The ``method`` of a headline whose central value is the expected value (mean of the draws)."""
SHIFTED = "Monte Carlo: mean of draws, percentile interval with unequal tails (to contain the mean)"
"""The ``method`` when the equal-tailed interval missed the mean and the tails were moved."""


def interval_around(draws: np.ndarray, value: float, level: float = 0.95, method: str = MEAN_METHOD) -> Interval:
    """A ``level`` percentile interval of ``draws`` that contains ``value`` (the central value).

    The equal-tailed interval ``[q((1-level)/2), q((1+level)/2)]`` is used whenever it contains
    ``value``. With a very skewed output the mean can fall outside it; then the tails are moved
    (``[q(a), q(a + level)]`` with the smallest move that reaches ``value``), which keeps the
    coverage at ``level`` and says so in the method. A value outside the draws' range (a ratio of
    means whose denominator changes sign) has no such interval: lower and upper are NaN.
    """
    d = np.sort(np.asarray(draws, dtype=float))
    v = float(value)
    if np.ptp(d) == 0:
        return Interval(v, v, v, level, "exact") if v == d[0] else Interval(v, np.nan, np.nan, level, method)
    tail = (1 - level) / 2
    lo, hi = np.quantile(d, [tail, 1 - tail])
    if lo <= v <= hi:
        return Interval(v, float(lo), float(hi), level, method)
    if not d[0] <= v <= d[-1]:
        return Interval(v, np.nan, np.nan, level, "Monte Carlo: no interval (the draws change sign)")
    grid = np.linspace(0.0, 1 - level, 201)
    los, his = np.quantile(d, grid), np.quantile(d, grid + level)
    ok = np.flatnonzero((los <= v) & (v <= his))
    if ok.size == 0:  # pragma: no cover - v within the range is always reached at a = 0 or 1 - level
        return Interval(v, np.nan, np.nan, level, "Monte Carlo: no interval")
    best = ok[np.argmin(np.abs(grid[ok] - tail))]
    return Interval(v, float(los[best]), float(his[best]), level, SHIFTED)


@dataclass(frozen=True, eq=False)
class MonteCarloDraws:
    """The draws of every output, with the seed that made them.

    ``point`` is the model at every input's expected value (the base of the sensitivity tables;
    exact when nothing varies). The headline central value is :meth:`central`, the mean of the
    draws: an expected value, as the Green Book's annex A5 ("Uncertainty, Optimism Bias and Risk")
    asks of appraisal values (annex title checked in the 2018 edition's contents; paragraph not pinned).
    """

    outputs: Mapping[str, np.ndarray]
    point: Mapping[str, float]
    n_draws: int
    seed: int | None
    level: float
    inputs: Mapping[str, np.ndarray] | None = None   # the parameters' draws (after any Iman-Conover re-ordering)

    def central(self, name: str) -> float:
        """``name``'s expected value: the mean of its draws (the point value when exact)."""
        if self.n_draws == 0:
            return self.point[name]
        return float(np.mean(self.outputs[name]))

    def interval(self, name: str, value: float | None = None) -> Interval:
        """``name``'s central value (default :meth:`central`) with a percentile interval holding it."""
        if self.n_draws == 0:
            return Interval.exact(self.point[name] if value is None else value)
        draws = self.outputs[name]
        finite = draws[np.isfinite(draws)]
        central = self.central(name) if value is None else float(value)
        if finite.size < draws.size:
            return Interval(central, np.nan, np.nan, self.level, "Monte Carlo: undefined draws")
        return interval_around(finite, central, self.level)


def point_values(dists: Mapping[str, Distribution]) -> dict[str, np.ndarray]:
    """Every parameter at its expected value (``Distribution.mean``), as arrays of shape ``(1,)``.

    The sensitivity tables hold the other parameters here, so their base is the model at the
    expected inputs, not at the modes."""
    return {k: np.array([d.mean]) for k, d in dists.items()}


def monte_carlo(
    model: Model,
    dists: Mapping[str, Distribution],
    *,
    n_draws: int = 10_000,
    seed: int | None = None,
    level: float = 0.95,
    correlations: tuple[list[str], np.ndarray] | None = None,
) -> MonteCarloDraws:
    """Run ``model`` at the point values and over ``n_draws`` joint draws of ``dists``.

    ``correlations`` (names, target rank-correlation matrix; see
    :func:`svimpact.estimators.correlation.correlation_matrix`) re-orders those parameters' draws
    by the Iman-Conover method, from its own seeded stream; their marginals are unchanged.

    When every distribution is fixed no draws are made and every interval is exact.
    The same ``seed`` gives identical draws; ``seed=None`` draws fresh entropy, recorded in
    the result.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        point = {k: float(np.asarray(v, dtype=float).ravel()[0]) for k, v in model(point_values(dists)).items()}
        if all(d.is_fixed for d in dists.values()):
            return MonteCarloDraws({}, point, 0, None, level)
        entropy = resolve_seed(seed)
        drawn = draw_all(dists, n_draws, entropy)
        if correlations is not None and correlations[0]:
            from svimpact.estimators.correlation import iman_conover

            drawn = iman_conover(drawn, correlations[0], correlations[1], rng_for(entropy, "iman-conover"))
        outputs = dict(model(drawn))
    for arr in outputs.values():
        arr.setflags(write=False)
    return MonteCarloDraws(outputs, point, int(n_draws), entropy, level, drawn)


def tornado(
    model: Model,
    dists: Mapping[str, Distribution],
    output: str,
    *,
    level: float = 0.95,
) -> pd.DataFrame:
    """One-at-a-time sensitivity of ``output`` to each uncertain parameter.

    Each parameter goes to the low and high end of its range (``Distribution.bounds``: the
    stated range, or the central ``level`` interval for beta and draws) with the others at their
    expected values (the ``point`` column is the parameter's mean). Rows are sorted by swing, widest first.
    """
    base = point_values(dists)
    rows = []
    for name, d in dists.items():
        if d.is_fixed:
            continue
        lo, hi = d.bounds(level)
        params = {k: np.repeat(v, 2) for k, v in base.items()}
        params[name] = np.array([lo, hi])
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.asarray(model(params)[output], dtype=float)
        rows.append({"parameter": name, "low": lo, "high": hi, "point": d.mean,
                     "output_low": out[0], "output_high": out[1],
                     "swing": abs(out[1] - out[0])})
    frame = pd.DataFrame(rows, columns=["parameter", "low", "high", "point", "output_low",
                                        "output_high", "swing"])
    return frame.sort_values("swing", ascending=False, ignore_index=True)


def switching_values(
    model: Model,
    dists: Mapping[str, Distribution],
    targets: Mapping[str, float],
    domains: Mapping[str, tuple[float, float]],
    *,
    grid: int = 401,
) -> pd.DataFrame:
    """The value of each parameter at which each output reaches its target, others at point.

    Parameters
    ----------
    model, dists
        The model and its parameters.
    targets
        Output name -> threshold, e.g. ``{"npsv": 0.0, "bcr": 1.0}``.
    domains
        Parameter name -> (low, high) range searched; parameters not listed are skipped.
    grid
        Points of the search grid; every sign change is refined (Brent) and the crossing
        nearest the point value is reported. NaN means no crossing in the domain.
    """
    from scipy.optimize import brentq

    base = point_values(dists)
    rows = []
    for name, (lo, hi) in domains.items():
        xs = np.linspace(lo, hi, grid)
        params = {k: np.repeat(v, grid) for k, v in base.items()}
        params[name] = xs
        with np.errstate(divide="ignore", invalid="ignore"):
            out = model(params)
        row: dict[str, Any] = {"parameter": name, "point": dists[name].mean,
                               "searched": f"{lo:g} to {hi:g}"}
        for target, threshold in targets.items():
            f_grid = np.asarray(out[target], dtype=float) - threshold

            def f(x: float, target: str = target, threshold: float = threshold, name: str = name) -> float:
                p = dict(base)
                p[name] = np.array([x])
                with np.errstate(divide="ignore", invalid="ignore"):
                    return float(model(p)[target][0]) - threshold

            row[f"{target} = {threshold:g}"] = _nearest_root(xs, f_grid, f, dists[name].mean,
                                                             brentq)
        rows.append(row)
    return pd.DataFrame(rows)


def _nearest_root(
    xs: np.ndarray, fx: np.ndarray, f: Callable[[float], float], point: float, brentq: Any
) -> float:
    ok = np.isfinite(fx)
    roots = list(xs[ok & (fx == 0)])
    s = np.sign(fx)
    change = np.flatnonzero(ok[:-1] & ok[1:] & (s[:-1] * s[1:] < 0))
    for i in change:
        roots.append(brentq(f, xs[i], xs[i + 1], xtol=1e-12))
    if not roots:
        return float("nan")
    roots_arr = np.array(roots)
    return float(roots_arr[np.argmin(np.abs(roots_arr - point))])
