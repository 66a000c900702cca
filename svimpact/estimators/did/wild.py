"""Restricted wild cluster bootstrap (WCR) for one linear contrast of OLS coefficients.

For a null value ``r`` of ``c'beta`` the model is re-fitted under the restriction ``c'beta = r``
and the bootstrap outcomes are ``y* = X b_r + v_g u_r`` with one weight ``v_g`` per cluster:
Rademacher (+1/-1) weights, or Webb's six-point weights with fewer than 12 clusters (Webb 2014,
"Reworking wild bootstrap based inference for clustered errors", QED working paper 1315). Each
replicate's t statistic uses its own CR1 standard error; the p-value is the share of replicates
with ``|t*| >= |t|`` (symmetric), and the interval is every ``r`` not rejected, found by
inverting the test (Cameron, Gelbach and Miller 2008; MacKinnon and Webb 2018; Roodman,
MacKinnon, Nielsen and Webb 2019, "Fast and wild", Stata Journal 19(1), section 3).

Because ``X`` is fixed, the restricted residuals are linear in ``d = c'b - r``, so every
replicate's numerator and squared standard error are a linear and a quadratic function of ``d``
whose coefficients are computed once from a (B, G) matrix of weights: inverting the test costs
no re-fitting. When every weight vector fits in ``n_boot`` (e.g. 6**3 = 216 Webb vectors for 3
clusters) all of them are enumerated, so the result does not depend on the seed.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from svimpact.estimators.did.covariance import OlsFit
from svimpact.exceptions import EstimationError

__all__ = ["WEBB_BELOW", "WildResult", "wild_cluster_interval"]

#: Webb's six-point weights are used below this many clusters, Rademacher weights from it on.
WEBB_BELOW = 12

_WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])
_RADEMACHER = np.array([-1.0, 1.0])


@dataclass(frozen=True, eq=False)
class WildResult:
    """Interval by test inversion, p-value of ``c'beta = 0``, replicate count and weight name."""

    lower: float
    upper: float
    p_value: float
    n_boot: int
    weights: str
    enumerated: bool


def _weights(G: int, n_boot: int, rng: np.random.Generator) -> tuple[np.ndarray, str, bool]:
    points, name = (_WEBB, "Webb") if G < WEBB_BELOW else (_RADEMACHER, "Rademacher")
    if len(points) ** G <= n_boot:
        return np.array(list(itertools.product(points, repeat=G))), name, True
    return rng.choice(points, size=(n_boot, G)), name, False


class _Replicates:
    """Numerator ``n0 + d n1`` and squared SE ``f (a0 + 2 d a1 + d^2 a2)`` of every replicate."""

    def __init__(self, fit: OlsFit, codes: np.ndarray, contrast: np.ndarray, factor: float, V: np.ndarray):
        X, B, e = fit.X, fit.bread, fit.resid
        G = V.shape[1]
        A = X @ (B @ contrast)  # c'b = A'y
        a = A / float(contrast @ B @ contrast)  # restricted residuals: u_r = e + d a

        def by_cluster(w: np.ndarray) -> np.ndarray:
            return np.bincount(codes, weights=w, minlength=G)

        s0, s1 = by_cluster(A * e), by_cluster(A * a)
        Q = np.column_stack([by_cluster(A * X[:, j]) for j in range(fit.k)])
        U0 = np.column_stack([by_cluster(X[:, j] * e) for j in range(fit.k)]) @ B
        U1 = np.column_stack([by_cluster(X[:, j] * a) for j in range(fit.k)]) @ B
        S0 = V * s0 - V @ (Q @ U0.T).T
        S1 = V * s1 - V @ (Q @ U1.T).T
        self.n0, self.n1 = V @ s0, V @ s1
        self.a0, self.a1, self.a2 = (S0**2).sum(1), (S0 * S1).sum(1), (S1**2).sum(1)
        self.factor = factor
        self.se = float(np.sqrt(factor * (s0**2).sum()))

    def p_value(self, d: float) -> float:
        """Share of replicates at least as extreme as the sample t for the null ``c'b = est - d``."""
        se_star = np.sqrt(np.maximum(self.factor * (self.a0 + 2 * d * self.a1 + d * d * self.a2), 0.0))
        num = np.abs(self.n0 + d * self.n1)
        t = abs(d) / self.se
        with np.errstate(divide="ignore", invalid="ignore"):
            extreme = np.where(se_star > 0, num >= t * se_star * (1 - 1e-12), True)
        return float(extreme.mean())


def _bound(rep: _Replicates, alpha: float, sign: float) -> float:
    """The ``d`` (signed) where the p-value first falls to ``alpha``, by bracketing and bisection."""
    inside, step = 0.0, rep.se
    outside = sign * step
    for _ in range(60):
        if rep.p_value(outside) <= alpha:
            break
        inside, outside = outside, outside * 2
    else:
        return sign * np.inf
    for _ in range(80):
        mid = (inside + outside) / 2
        if rep.p_value(mid) <= alpha:
            outside = mid
        else:
            inside = mid
        if abs(outside - inside) <= 1e-9 * rep.se:
            break
    return (inside + outside) / 2


def wild_cluster_interval(
    fit: OlsFit,
    clusters: np.ndarray,
    contrast: np.ndarray,
    *,
    factor: float,
    level: float,
    n_boot: int,
    rng: np.random.Generator,
) -> WildResult:
    """WCR interval for ``contrast @ beta`` (``factor`` is the CR1 multiplier of the t statistics)."""
    _, codes = np.unique(clusters, return_inverse=True)
    G = int(codes.max()) + 1
    V, name, enumerated = _weights(G, n_boot, rng)
    rep = _Replicates(fit, codes, contrast, factor, V)
    if not rep.se > 0:
        raise EstimationError("the cluster-robust standard error of the effect is zero: the clusters carry no "
                              "information on it (e.g. one cluster holds every participant)")
    est = float(contrast @ fit.params)
    alpha = 1 - level
    d_low, d_high = _bound(rep, alpha, 1.0), _bound(rep, alpha, -1.0)
    if not (np.isfinite(d_low) and np.isfinite(d_high)):
        raise EstimationError(
            f"the wild cluster bootstrap cannot bound the effect with {G} clusters ({name} weights: "
            f"{len(V)} replicates, {100 * level:.0f}% interval unbounded); the data cannot say how uncertain the "
            "estimate is. Use more clusters, or se='cluster'/'hc1' only if you accept their assumptions"
        )
    return WildResult(est - d_low, est - d_high, rep.p_value(est), len(V), name, enumerated)
