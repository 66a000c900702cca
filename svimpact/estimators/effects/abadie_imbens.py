"""Abadie-Imbens standard errors for propensity-score matching, adjusted for the estimated score.

The ATT's variance (Abadie and Imbens 2006, Econometrica 74:235, the "robust" form, with ties
treated as in Abadie, Drukker, Herr and Imbens 2004, Stata Journal 4:290)::

    V = [ sum_T (y_i - yhat_i(0) - att)^2 + sum_C (K_j^2 - K'_j) s2_j ] / N1^2

``K_j`` sums, over the participants matched to comparison unit j, one over their number of
matches, ``K'_j`` the squares; ``s2_j`` is the conditional variance of the outcome, estimated
as the sample variance over unit j and its ``n_var`` nearest units of its own group (ties
included), as Stata's ``vce(robust, nn(2))`` does (this reproduces Stata's published
``teffects nnmatch`` standard error on its own example to every printed digit).

The score is estimated, which Abadie and Imbens (2016, Econometrica 84:781) show changes the
variance of the ATT by ``- c' H^-1 c + d' H^-1 d``: ``H`` is the propensity model's Fisher
information, ``c`` the average of ``f(X'g) [cov(X, y | p, T=1) + p/(1-p) cov(X, y | p, T=0)]``
and ``d`` the average of ``f(X'g) X (yhat(1) - yhat(0) - att)``, both over all units and divided
by the share of participants; the conditional covariances are estimated over the same
neighbourhoods as ``s2`` (and the ``n_var`` nearest units of the other group). Everything is
invariant to rescaling the covariates.
"""

from __future__ import annotations

import warnings

import numpy as np

from svimpact.estimators.effects.matching import Groups, MatchResult, make_groups, nearest
from svimpact.estimators.effects.numerics import solve
from svimpact.estimators.effects.propensity import Score
from svimpact.exceptions import UnreliableStandardErrorWarning

__all__ = ["ai_variance"]


def _moments(groups: Groups, y: np.ndarray, P: np.ndarray) -> dict[str, np.ndarray]:
    """Per-group sums needed for variances and covariances."""
    return {"n": groups.weight, "y": groups.ysum, "yy": groups.sums(y * y),
            "x": groups.sums(P), "xy": groups.sums(P * y[:, None])}


def _pool(m: dict[str, np.ndarray], cand: np.ndarray, use: np.ndarray,
          own: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Sums over the used candidate groups (plus ``own`` group, if given) of each query."""
    out = {}
    for key, v in m.items():
        pick = v[cand]
        mask = use if pick.ndim == 2 else use[..., None]
        total = np.where(mask, pick, 0.0).sum(axis=1)
        if own is not None:
            total = total + v[own]
        out[key] = total
    return out


def _var_cov(s: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Sample variance of y and covariance of each column of X with y (divisor n - 1)."""
    n = s["n"]
    den = np.where(n > 1, n - 1, np.inf)
    var = (s["yy"] - s["y"] ** 2 / n) / den
    cov = (s["xy"] - s["x"] * (s["y"] / n)[:, None]) / den[:, None]
    return np.maximum(var, 0.0), cov


def _own_neighbourhoods(groups: Groups, m: dict[str, np.ndarray], n_var: int):  # noqa: ANN202
    """Variance and covariances over each group plus its nearest other groups (a unit and its
    ``n_var`` nearest others, ties included, are then always the whole group plus these)."""
    need = np.maximum(n_var - (groups.weight - 1), 0)
    gi = np.arange(len(groups.value))
    cand, use = nearest(groups, groups.value, need, exclude=gi)
    use &= (need > 0)[:, None]
    return _var_cov(_pool(m, cand, use, own=gi))


def ai_variance(
    y: np.ndarray,
    t: np.ndarray,
    s: np.ndarray,
    match: MatchResult,
    *,
    n_neighbors: int,
    score: Score,
    P: np.ndarray,
    n_var: int = 2,
    adjust: bool = True,
) -> float:
    """Variance of the matching ATT (see the module docstring); ``s`` is the matching variable,
    ``P`` the standardised propensity design, ``match`` the participants' match."""
    tr, co = np.flatnonzero(t == 1), np.flatnonzero(t == 0)
    ok = match.matched
    n1 = int(ok.sum())
    g1, g0 = make_groups(s[tr], y[tr]), make_groups(s[co], y[co])
    m1, m0 = _moments(g1, y[tr], P[tr]), _moments(g0, y[co], P[co])
    var1, cov1_own = _own_neighbourhoods(g1, m1, n_var)
    var0, cov0_own = _own_neighbourhoods(g0, m0, n_var)
    s2_c = var0[g0.of_unit]
    resid = y[tr][ok] - match.cf_treated[ok] - match.att
    kk = match.control_weights
    v = (float((resid**2).sum()) + float(((kk**2 - match.control_weights_sq) * s2_c).sum())) / n1**2
    if not adjust:
        return v
    # Conditional covariances of X and y given the score, in the other group: n_var nearest units.
    c_tr_in_0 = _var_cov(_pool(m0, *nearest(g0, s[tr], n_var)))[1]
    c_co_in_1 = _var_cov(_pool(m1, *nearest(g1, s[co], n_var)))[1]
    cov1 = np.zeros((len(y), P.shape[1]))
    cov0 = np.zeros_like(cov1)
    cov1[tr], cov0[tr] = cov1_own[g1.of_unit], c_tr_in_0
    cov1[co], cov0[co] = c_co_in_1, cov0_own[g0.of_unit]
    f, p = score.density, score.p
    f_odds = score.lam * p * p  # f p / (1 - p), finite where p rounds to 1
    c = (f[:, None] * cov1 + f_odds[:, None] * cov0).sum(axis=0) / n1
    # Each comparison unit's imputed outcome under treatment: its n_neighbors nearest participants.
    cand, use = nearest(g1, s[co], n_neighbors)
    y1_c = np.where(use, g1.ysum[cand], 0.0).sum(axis=1) / np.where(use, g1.weight[cand], 0.0).sum(axis=1)
    gap = np.zeros(len(y))
    gap[tr[ok]] = resid
    gap[co] = y1_c - y[co] - match.att
    d = (P * (f * gap)[:, None]).sum(axis=0) / n1
    H = (P * score.info_weight[:, None]).T @ P
    what = "standard error of the matching ATT"
    adj = float(d @ solve(H, d, what=what)) - float(c @ solve(H, c, what=what))
    if v + adj > 0:
        return v + adj
    warnings.warn("The adjustment of the matching standard error for the estimated propensity score came out "
                  "larger than the variance itself (too few comparison units near the participants?); the "
                  "unadjusted Abadie-Imbens standard error is reported.", UnreliableStandardErrorWarning, stacklevel=4)
    return v
