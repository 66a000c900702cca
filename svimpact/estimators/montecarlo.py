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
from svimpact.estimators.distributions import Distribution, draw_all, resolve_seed

__all__ = [
    "Model",
    "MonteCarloDraws",
    "monte_carlo",
    "switching_values",
    "tornado",
]

Model = Callable[[Mapping[str, np.ndarray]], Mapping[str, np.ndarray]]


@dataclass(frozen=True, eq=False)
class MonteCarloDraws:
    """The draws of every output, with the point values and the seed that made them."""

    outputs: Mapping[str, np.ndarray]
    point: Mapping[str, float]
    n_draws: int
    seed: int | None
    level: float

    def interval(self, name: str) -> Interval:
        """``name``'s point value with its percentile interval (exact when nothing varies)."""
        value = self.point[name]
        if self.n_draws == 0:
            return Interval.exact(value)
        draws = self.outputs[name]
        finite = draws[np.isfinite(draws)]
        if finite.size < draws.size:
            return Interval(value, np.nan, np.nan, self.level, "Monte Carlo: undefined draws")
        return Interval.from_draws(finite, value=value, level=self.level)


def point_values(dists: Mapping[str, Distribution]) -> dict[str, np.ndarray]:
    """Every parameter at its point value, as arrays of shape ``(1,)``."""
    return {k: np.array([d.point]) for k, d in dists.items()}


def monte_carlo(
    model: Model,
    dists: Mapping[str, Distribution],
    *,
    n_draws: int = 10_000,
    seed: int | None = None,
    level: float = 0.95,
) -> MonteCarloDraws:
    """Run ``model`` at the point values and over ``n_draws`` joint draws of ``dists``.

    When every distribution is fixed no draws are made and every interval is exact.
    The same ``seed`` gives identical draws; ``seed=None`` draws fresh entropy, recorded in
    the result.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        point = {k: float(v[0]) for k, v in model(point_values(dists)).items()}
        if all(d.is_fixed for d in dists.values()):
            return MonteCarloDraws({}, point, 0, None, level)
        entropy = resolve_seed(seed)
        outputs = dict(model(draw_all(dists, n_draws, entropy)))
    for arr in outputs.values():
        arr.setflags(write=False)
    return MonteCarloDraws(outputs, point, int(n_draws), entropy, level)


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
    point values. Rows are sorted by swing, widest first.
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
        rows.append({"parameter": name, "low": lo, "high": hi, "point": d.point,
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
        row: dict[str, Any] = {"parameter": name, "point": dists[name].point,
                               "searched": f"{lo:g} to {hi:g}"}
        for target, threshold in targets.items():
            f_grid = np.asarray(out[target], dtype=float) - threshold

            def f(x: float, target: str = target, threshold: float = threshold, name: str = name) -> float:
                p = dict(base)
                p[name] = np.array([x])
                with np.errstate(divide="ignore", invalid="ignore"):
                    return float(model(p)[target][0]) - threshold

            row[f"{target} = {threshold:g}"] = _nearest_root(xs, f_grid, f, dists[name].point,
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
