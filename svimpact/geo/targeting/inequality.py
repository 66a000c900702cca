"""Inequality in reach: the SII/RII and the concentration index, computed by :mod:`svimpact.geo.inequality`.

* :func:`sii`: Slope and Relative Index of Inequality of reach, the OHID/PHE way;
* :func:`reach_concentration`: concentration index of reach over the IMD rank, with its SE.
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from svimpact._results import Interval
from svimpact.exceptions import InputDataError
from svimpact.geo.inequality import (
    ConcentrationKind,
    ConcentrationResult,
    SIIResult,
    concentration_index,
    phe_sii,
    wilson_interval,
)
from svimpact.geo.inequality.intervals import _Z95_PHE, _level
from svimpact.geo.inequality.sii import _percentile_pair
from svimpact.geo.targeting.counts import PER, AreaCounts, Scale, UsersLike, _prepare
from svimpact.geo.targeting.reach import _reach_table

__all__ = ["grouped_concentration", "reach_concentration", "sii"]


def sii(users: UsersLike | AreaCounts, areas: pd.DataFrame | None = None, *, lsoa: str = "lsoa_code",
        scale: Scale = "national", groups: int = 10, multiplier: float = PER, transform: bool = False,
        level: float = 0.95, repetitions: int = 10_000, seed: int | None = None,
        unmatched: Literal["error", "drop"] = "error") -> SIIResult:
    """SII and RII of reach (per 1,000 by default) across deciles, as OHID/PHE compute them.

    Reach is a proportion (``value_type=2``) with 95% Wilson limits; when a group has no users
    (or reach 1) the logit scale is undefined and the normal scale (``value_type=0``) is used
    instead (and ``transform`` is then ignored). Groups with no LSOA in the area frame are left
    out (the SII then runs over the groups present; at least 5 are needed). Quantile 1 = most
    deprived sits at x = 0, so a *negative* SII means reach is higher in the more deprived areas.
    A warning says when the straight-line fit goes below zero (RII not meaningful).
    """
    c = _prepare(users, areas, lsoa, unmatched)
    result = _sii_of_table(_reach_table(c, scale, groups, 0.95), groups, multiplier=multiplier, transform=transform,
                           level=level, repetitions=repetitions, seed=seed)
    if result.rii is not None and not result.rii.value > 0:
        warnings.warn("the straight-line fit of reach goes below zero at one end of the deprivation scale, so the "
                      "RII is not meaningful; pass transform=True (sii_transform=True in targeting()) to fit on "
                      "the logit scale", stacklevel=2)
    return result


def _sii_of_table(t: pd.DataFrame, groups: int, *, multiplier: float, transform: bool, level: float,
                  repetitions: int, seed: int | None) -> SIIResult:
    """The SII over a reach table (group, population, users, reach_lower, reach_upper per 1,000)."""
    t = t[t["population"] > 0]  # deciles with no LSOA in the area frame carry no population share
    if len(t) < 5:
        raise InputDataError(f"the SII needs at least 5 {'deciles' if groups == 10 else 'quintiles'} with "
                             f"residents in the area frame; found {len(t)}", hint="use groups=5 or scale='local'")
    p = t["users"] / t["population"]
    vt: Literal[0, 2] = 2 if ((p > 0) & (p < 1)).all() else 0
    return phe_sii(t["group"], t["population"], p, lower=t["reach_lower"] / PER, upper=t["reach_upper"] / PER,
                   value_type=vt, multiplier=multiplier, transform=transform and vt == 2, level=level,
                   repetitions=repetitions, seed=seed)


def reach_concentration(users: UsersLike | AreaCounts, areas: pd.DataFrame | None = None, *,
                        lsoa: str = "lsoa_code", kind: ConcentrationKind = "wagstaff", level: float = 0.95,
                        unmatched: Literal["error", "drop"] = "error") -> ConcentrationResult:
    """Concentration index of reach over the IMD rank, LSOA by LSOA, weighted by population.

    LSOAs are ranked from the most deprived (highest IMD score, tied scores share a rank); the
    outcome is users / residents, bounded in [0, 1] (theoretical bounds for ``wagstaff`` and
    ``erreygers``). This equals the individual-level index with a 0/1 "is a user" outcome. A
    negative index means reach is concentrated in the more deprived LSOAs.
    """
    c = _prepare(users, areas, lsoa, unmatched)
    f = c.frame
    pop = f["population"].to_numpy(float)
    reach = f["users"].to_numpy(float) / pop
    if (reach > 1).any():
        raise InputDataError("more users than residents in an LSOA", column="users",
                             rows=(np.flatnonzero(reach > 1) + 1).tolist(), hint="check populations and user LSOAs")
    score = pd.to_numeric(f["imd_score"]).to_numpy(float)
    return concentration_index(reach, -score, pop, kind=kind, bounds=(0.0, 1.0), ties="pooled", level=level)


def grouped_concentration(users: np.ndarray, population: np.ndarray, *, kind: ConcentrationKind = "wagstaff",
                          level: float = 0.95, repetitions: int = 10_000, seed: int | None = None) -> Interval:
    """Concentration index of reach over groups (deciles, most deprived first), from group counts.

    Each group is one row weighted by its population, its outcome users / residents (bounds 0 and
    1), so the index rests only on the group counts given (e.g. published ones). The interval is
    by simulation, as for the SII: each group's reach is drawn from a normal distribution on the
    logit scale (the normal scale when a group has no users) with the standard error of its 95%
    Wilson limits, and the index recomputed; limits are PHE's order statistics.
    """
    x, n = np.asarray(users, float), np.asarray(population, float)
    p = x / n
    point = concentration_index(p, np.arange(len(p)), n, kind=kind, bounds=(0.0, 1.0), level=level).index.value
    lo, hi = wilson_interval(x, n, 0.95)
    logit_ok = bool(((p > 0) & (p < 1)).all())
    g, ginv = (logit, expit) if logit_ok else ((lambda v: v), (lambda v: v))
    se = (g(hi) - g(lo)) / (2 * _Z95_PHE)
    draws = np.clip(ginv(np.random.default_rng(seed).normal(g(p), se, size=(repetitions, len(p)))), 0.0, 1.0)
    w = n / n.sum()
    rank = np.cumsum(w) - w / 2
    mu = draws @ w
    with np.errstate(divide="ignore", invalid="ignore"):
        c = 2 * ((draws - mu[:, None]) * (rank - w @ rank)) @ w / mu
        factor = {"standard": 1.0, "generalised": mu, "wagstaff": 1 / (1 - mu), "erreygers": 4 * mu}[kind]
    sims = np.sort((c * factor)[np.isfinite(c * factor)])
    lower, upper = _percentile_pair(sims, _level(level))
    return Interval(point, lower, upper, _level(level), f"simulation ({repetitions:,} repetitions)")
