"""Inequality in reach: the SII/RII and the concentration index, computed by :mod:`svimpact.geo.inequality`.

* :func:`sii`: Slope and Relative Index of Inequality of reach, the OHID/PHE way;
* :func:`reach_concentration`: concentration index of reach over the IMD rank, with its SE.
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import pandas as pd

from svimpact.exceptions import InputDataError
from svimpact.geo.inequality import ConcentrationKind, ConcentrationResult, SIIResult, concentration_index, phe_sii
from svimpact.geo.targeting.counts import PER, AreaCounts, Scale, UsersLike, _prepare
from svimpact.geo.targeting.reach import _reach_table

__all__ = ["reach_concentration", "sii"]


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
    t = _reach_table(c, scale, groups, 0.95)
    t = t[t["population"] > 0]  # deciles with no LSOA in the area frame carry no population share
    if len(t) < 5:
        raise InputDataError(f"the SII needs at least 5 {'deciles' if groups == 10 else 'quintiles'} with "
                             f"residents in the area frame; found {len(t)}", hint="use groups=5 or scale='local'")
    p = t["users"] / t["population"]
    vt: Literal[0, 2] = 2 if ((p > 0) & (p < 1)).all() else 0
    result = phe_sii(t["group"], t["population"], p, lower=t["reach_lower"] / PER, upper=t["reach_upper"] / PER,
                     value_type=vt, multiplier=multiplier, transform=transform and vt == 2, level=level,
                     repetitions=repetitions, seed=seed)
    if result.rii is not None and not result.rii.value > 0:
        warnings.warn("the straight-line fit of reach goes below zero at one end of the deprivation scale, so the "
                      "RII is not meaningful; pass transform=True (sii_transform=True in targeting()) to fit on "
                      "the logit scale", stacklevel=2)
    return result


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
