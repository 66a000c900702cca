"""Kaplan-Meier curves, weighted or not, and the influence of each unit on them.

Plain numpy on durations in days. :func:`km_table` gives the product-limit estimate at every distinct
event time (the same numbers as ``lifelines.KaplanMeierFitter``, with or without ``weights``; tested to
1e-9). :func:`log_km_influence` gives each unit's influence on ``log S(h)``: the first-order change in
``log S(h)`` from that unit's weight, summing to zero over the units. For unit weights the sum of
squared influences is the robust (linearisation) variance of ``log S(h)``; with weights that were
themselves estimated, the caller adds the propensity model's part (:mod:`.model`).

Derivation (product-limit, ties at each distinct time ``u``): ``log S(h) = sum_{u <= h} log(1 - D_u / Y_u)``
with ``D_u = sum_j w_j dN_j(u)`` (weighted events at ``u``) and ``Y_u = sum_j w_j 1{T_j >= u}`` (weighted
number at risk). ``d log(1 - D/Y) = -(dD - (D / Y) dY) / (Y - D)``, so unit ``j`` contributes
``phi_j = w_j [ -E_j 1{T_j <= h} / (Y - D)(T_j) + sum_{u <= min(T_j, h)} D_u / (Y_u (Y_u - D_u)) ]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["KMTable", "greenwood_loglog", "km_table", "log_km_influence"]


@dataclass(frozen=True, eq=False)
class KMTable:
    """The product-limit estimate at each distinct event time ``times`` (days)."""

    times: np.ndarray       # distinct event times, ascending
    events: np.ndarray      # weighted events at each time (D_u)
    at_risk: np.ndarray     # weighted number at risk just before each time (Y_u)
    survival: np.ndarray    # S(u), after the events at u
    greenwood: np.ndarray   # cumulative sum of D / (Y (Y - D)) up to u

    def at(self, t: float | np.ndarray) -> np.ndarray:
        """``S(t)``: the estimate after every event time up to and including ``t`` (1 before the first)."""
        idx = np.searchsorted(self.times, np.asarray(t, dtype=float), side="right") - 1
        return np.where(idx >= 0, self.survival[np.maximum(idx, 0)], 1.0)

    def greenwood_at(self, t: float | np.ndarray) -> np.ndarray:
        idx = np.searchsorted(self.times, np.asarray(t, dtype=float), side="right") - 1
        return np.where(idx >= 0, self.greenwood[np.maximum(idx, 0)], 0.0)


def km_table(durations: np.ndarray, events: np.ndarray, weights: np.ndarray | None = None) -> KMTable:
    """Kaplan-Meier estimate from ``durations`` (days, >= 0) and ``events`` (1 ended, 0 still going)."""
    T = np.asarray(durations, dtype=float)
    E = np.asarray(events, dtype=bool)
    w = np.ones(T.size) if weights is None else np.asarray(weights, dtype=float)
    uniq, inv = np.unique(T, return_inverse=True)
    d_all = np.bincount(inv, weights=w * E, minlength=uniq.size)
    n_all = np.bincount(inv, weights=w, minlength=uniq.size)
    y_all = np.cumsum(n_all[::-1])[::-1]  # at risk at u: T >= u
    keep = d_all > 0
    times, d, y = uniq[keep], d_all[keep], y_all[keep]
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(1.0 - d / y)
        gw = np.cumsum(np.where(y > d, d / (y * (y - d)), np.inf))
    return KMTable(times, d, y, surv, gw)


def log_km_influence(durations: np.ndarray, events: np.ndarray, horizons: np.ndarray,
                     weights: np.ndarray | None = None, table: KMTable | None = None) -> np.ndarray:
    """Each unit's influence on ``log S(h)`` for every horizon ``h``: an ``(n_units, n_horizons)`` array.

    NaN columns where the curve has reached zero by ``h`` (``log S`` is not defined there).
    """
    T = np.asarray(durations, dtype=float)
    E = np.asarray(events, dtype=bool)
    w = np.ones(T.size) if weights is None else np.asarray(weights, dtype=float)
    tab = km_table(T, E, w) if table is None else table
    H = np.atleast_1d(np.asarray(horizons, dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        jump = np.where(tab.at_risk > tab.events, 1.0 / (tab.at_risk - tab.events), np.nan)
    out = np.empty((T.size, H.size))
    pos = np.searchsorted(tab.times, T, side="left")  # unit j's own time among event times (if an event)
    own = E & (pos < tab.times.size) & (tab.times[np.minimum(pos, tab.times.size - 1)] == T)
    for k, h in enumerate(H):
        stop = np.minimum(T, h)
        cum = tab.greenwood_at(stop)
        first = np.where(own & (h >= T), jump[np.minimum(pos, tab.times.size - 1)], 0.0)
        out[:, k] = w * (cum - first)
        if not np.isfinite(tab.greenwood_at(h)) or tab.at(h) <= 0:
            out[:, k] = np.nan
    return out


def greenwood_loglog(surv: np.ndarray, var_log: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise interval on the log(-log) scale from the variance of ``log S`` (Kalbfleisch & Prentice 2002).

    ``var(log(-log S)) = var(log S) / (log S)^2``; the limits ``S ** exp(+-z se)`` stay inside [0, 1]
    and contain the estimate. Where ``S = 1`` (no events yet) the interval is [1, 1].
    """
    from scipy.stats import norm

    z = float(norm.ppf(0.5 + level / 2))
    s = np.asarray(surv, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(var_log) / np.abs(np.log(s))
        lower = s ** np.exp(z * se)
        upper = s ** np.exp(-z * se)
    one = s >= 1.0
    return np.where(one, 1.0, lower), np.where(one, 1.0, upper)
