"""Cluster jackknife (CV3) standard errors for the staggered DiD effects (few clusters).

Every estimate (each ``ATT(g, t)``, each aggregation row, the four overall effects) is
recomputed leaving out one cluster at a time; the variance is ``(G - 1) / G * sum (theta_(-c) -
mean)^2`` and the interval ``theta +/- t(G - 1) se``. With few clusters this is far more
reliable than a cluster-robust (CV1) or multiplier-bootstrap standard error, which both
treat ``G / (G - 1)`` as enough correction (MacKinnon, Nielsen and Webb 2023, "Cluster-robust
inference: a guide to empirical practice", Journal of Econometrics 232(2), 272-299, sections
3.3 and 6). Re-estimating the cohort weights in each replicate carries their uncertainty, as the
weights' influence function does in the analytic standard error.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import stats

from svimpact.estimators.did.grouptime import Aggregate, GroupTime, aggregate, group_time
from svimpact.estimators.did.ifinference import IfInference

__all__ = ["estimate_vector", "jackknife_inference"]

KINDS = ("simple", "group", "calendar", "event")
_KEYS = {"simple": None, "group": "cohort", "calendar": "period", "event": "event_time"}


def estimate_vector(gt: GroupTime, aggs: dict[str, Aggregate]) -> pd.Series:
    """Every estimate, keyed, in the order of the staggered result's influence-function columns."""
    parts = [pd.Series(gt.cells["att"].to_numpy(),
                       index=[("cell", c, t) for c, t in zip(gt.cells["cohort"], gt.cells["period"])])]
    for k in KINDS:
        key = _KEYS[k]
        tab = aggs[k].table
        idx = [(k, 0, 0)] if key is None else [(k, v, 0) for v in tab[key]]
        parts.append(pd.Series(tab["att"].to_numpy(), index=idx))
    parts.append(pd.Series([aggs[k].overall for k in KINDS], index=[("overall", k, 0) for k in KINDS]))
    return pd.concat(parts)


def _replicate(Y: np.ndarray, cohorts: np.ndarray, periods: np.ndarray, control_group: str) -> pd.Series | None:
    if not (cohorts > 0).any() or (control_group == "never" and not (cohorts == 0).any()):
        return None
    with np.errstate(all="ignore"):
        gt = group_time(Y, cohorts, periods, control_group)
        if not gt.cells["att"].notna().any():
            return None
        return estimate_vector(gt, {k: aggregate(gt, k) for k in KINDS})


def jackknife_inference(
    full: pd.Series, Y: np.ndarray, cohorts: np.ndarray, clusters: np.ndarray, periods: np.ndarray,
    control_group: str, *, level: float, replicate: Callable[..., pd.Series | None] = _replicate,
) -> IfInference:
    """Leave-one-cluster-out standard errors and t(G - 1) half-widths for every entry of ``full``."""
    labels = np.unique(clusters)
    G = len(labels)
    reps = []
    for c in labels:
        keep = clusters != c
        r = replicate(Y[keep], cohorts[keep], periods, control_group)
        reps.append(np.full(len(full), np.nan) if r is None else r.reindex(full.index).to_numpy(dtype=float))
    R = np.array(reps)  # G x estimates
    valid = np.isfinite(R).sum(axis=0)
    with np.errstate(all="ignore"):
        dev = R - np.nanmean(R, axis=0)
        var = np.where(valid >= 2, (valid - 1) / valid * np.nansum(dev**2, axis=0), np.nan)
    se = np.sqrt(var)
    q = float(stats.t.ppf(0.5 + level / 2, G - 1))
    label = f"cluster jackknife (CV3, {G} clusters, t with {G - 1} df)"
    return IfInference(se, q * se, np.full(len(se), q), G - 1, label, G, R)
