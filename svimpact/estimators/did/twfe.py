"""Two-way fixed effects with one post indicator, on request, with its warning.

``y_it = a_i + b_t + delta D_it + e_it`` with ``D_it = 1`` from a unit's cohort on. Under
staggered start dates with effects that change over time or differ by cohort, ``delta`` is a
weighted average of the group-time effects with weights that can be negative, and earlier
cohorts serve as controls for later ones (Goodman-Bacon 2021, Journal of Econometrics 225(2),
254-277; de Chaisemartin and D'Haultfoeuille 2020, American Economic Review 110(9), 2964-2996).
The regression is fitted as asked, and a :class:`~svimpact.exceptions.StaggeredAdoptionWarning`
is raised when the start dates are staggered and the effects change: the post-period
``ATT(g, t)`` differ (joint F test, p < 0.05) or the TWFE estimate falls outside the interval
of the group-time simple aggregation.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats

from svimpact._results import Interval
from svimpact.estimators.did.covariance import fit_ols
from svimpact.estimators.did.grouptime import GroupTime
from svimpact.estimators.did.ifinference import cluster_sums
from svimpact.estimators.did.inference import _SeSpec, att_interval
from svimpact.estimators.did.panel import StaggeredPanel
from svimpact.exceptions import StaggeredAdoptionWarning

__all__ = ["changing_effects_p", "twfe_estimate"]


@dataclass(frozen=True, eq=False)
class _Twfe:
    att: Interval
    draws: np.ndarray
    se: float
    se_method: str
    observed: float
    notes: list[str]


def _two_way_demean(M: np.ndarray) -> np.ndarray:
    return M - M.mean(axis=1, keepdims=True) - M.mean(axis=0, keepdims=True) + M.mean()


def changing_effects_p(gt: GroupTime, inf: np.ndarray, codes: np.ndarray, ssc: str) -> float | None:
    """p-value of the joint F test that every post-period ``ATT(g, t)`` is equal (None if untestable)."""
    post = np.flatnonzero((gt.cells["period"] >= gt.cells["cohort"]).to_numpy() & gt.cells["att"].notna().to_numpy())
    if len(post) < 2:
        return None
    n, G = inf.shape[0], int(codes.max()) + 1
    S = cluster_sums(inf[:, post], codes, G)
    V = (1.0 if ssc == "none" else G / (G - 1)) * (S.T @ S) / n**2
    R = np.column_stack([-np.ones(len(post) - 1), np.eye(len(post) - 1)])
    d = R @ gt.cells["att"].to_numpy()[post]
    W = R @ V @ R.T
    q = len(d)
    if q > G - 1 or np.linalg.matrix_rank(W, tol=1e-10 * max(float(np.abs(W).max()), 1e-300)) < q:
        return None
    return float(stats.f.sf(float(d @ np.linalg.solve(W, d)) / q, q, G - 1))


def twfe_estimate(
    panel: StaggeredPanel, *, kind: str, ssc: str, level: float, n_boot: int, n_draws: int,
    rng: np.random.Generator, gt: GroupTime, simple: Interval, pooled_inf: np.ndarray, codes: np.ndarray,
) -> _Twfe:
    """The TWFE regression on the balanced panel, and the warning when it misleads."""
    n, T = panel.Y.shape
    D = (panel.cohorts[:, None] > 0) & (panel.periods[None, :] >= panel.cohorts[:, None])
    fit = fit_ols(_two_way_demean(panel.Y).ravel(), _two_way_demean(D.astype(float)).reshape(-1, 1),
                  ["treated x post"], absorbed=n + T - 1)
    spec = _SeSpec(kind, ssc, np.repeat(panel.clusters, T), True, n_boot, level)
    inf = att_interval(fit, np.ones(1), spec, n_draws, rng)
    notes: list[str] = []
    n_cohorts = len(np.unique(panel.cohorts[panel.cohorts > 0]))
    p = changing_effects_p(gt, pooled_inf, codes, ssc)
    outside = not simple.lower <= inf.att.value <= simple.upper
    if n_cohorts > 1 and ((p is not None and p < 0.05) or outside):
        why = (f"the group-time effects differ (p = {p:.3f})" if p is not None and p < 0.05 else
               "the estimate lies outside the interval of the group-time estimate")
        notes.append(
            f"Two-way fixed effects with one post indicator on {n_cohorts} staggered start cohorts, and {why}: "
            f"TWFE gives {inf.att.value:.4g}, the group-time (Callaway-Sant'Anna) simple aggregation "
            f"{simple.value:.4g} [{simple.lower:.4g}, {simple.upper:.4g}]. With staggered starts and changing effects "
            "TWFE weights some effects negatively and uses earlier starters as controls (Goodman-Bacon 2021); "
            "drop twfe=True to report the group-time estimate.")
        warnings.warn(notes[-1], StaggeredAdoptionWarning, stacklevel=4)
    return _Twfe(inf.att, inf.draws, inf.se, f"two-way fixed effects; {inf.se_method}", float(panel.Y[D].mean()),
                 notes)
