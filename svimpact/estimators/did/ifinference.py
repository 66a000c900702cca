"""Intervals for estimates given by influence functions (the staggered DiD effects).

Each column of ``inf`` (units x estimates) is an influence function, so the estimate's error
is about ``sum(inf) / n``. Summing within clusters gives a cluster-robust standard error
``sqrt(c * sum_g IF_g^2) / n`` with ``c = G / (G - 1)`` (``ssc="none"``: ``c = 1``, the R ``did``
package's analytic standard error when each unit is its own cluster), and a t(G - 1)
interval. ``"wild"`` replaces the t quantile by that of a wild (multiplier) bootstrap-t: each
replicate reweights the cluster sums by Rademacher weights (Webb's six-point weights under 12
clusters) and studentises with its own standard error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from svimpact.estimators.did.wild import _weights

__all__ = ["IfInference", "cluster_sums", "if_inference"]


@dataclass(frozen=True, eq=False)
class IfInference:
    """Standard errors and half-widths (``q * se``) per estimate, and how they were made."""

    se: np.ndarray
    halfwidth: np.ndarray
    q: np.ndarray
    df: float
    label: str
    n_clusters: int
    replicates: np.ndarray | None = None  # leave-one-cluster-out estimates (jackknife), G x estimates

    def jackknife_cov(self, cols: np.ndarray) -> np.ndarray:
        """Jackknife covariance of the estimates ``cols`` (needs ``replicates``)."""
        assert self.replicates is not None
        R = self.replicates[:, cols]
        R = R[np.isfinite(R).all(axis=1)]
        dev = R - R.mean(axis=0)
        return (len(R) - 1) / len(R) * dev.T @ dev


def cluster_sums(inf: np.ndarray, codes: np.ndarray, G: int) -> np.ndarray:
    """Influence functions summed within clusters (G x estimates)."""
    return np.column_stack([np.bincount(codes, weights=inf[:, j], minlength=G) for j in range(inf.shape[1])])


def if_inference(
    inf: np.ndarray, codes: np.ndarray, *, kind: str, ssc: str, level: float, n_boot: int,
    rng: np.random.Generator,
) -> IfInference:
    """Standard errors and interval half-widths for every column of ``inf``."""
    n = inf.shape[0]
    G = int(codes.max()) + 1
    S = cluster_sums(inf, codes, G)
    c = 1.0 if ssc == "none" else G / (G - 1)
    se = np.sqrt(c * (S**2).sum(axis=0)) / n
    a = (1 - level) / 2
    if kind != "wild":
        q = float(stats.t.ppf(1 - a, G - 1))
        label = f"influence function, {G} clusters, t with {G - 1} df"
        return IfInference(se, q * se, np.full(len(se), q), G - 1, label, G)
    V, name, enumerated = _weights(G, n_boot, rng)
    qs = np.empty(len(se))
    for j in range(S.shape[1]):
        contrib = V * S[:, j]  # B x G
        num = contrib.sum(axis=1)
        centred = contrib - num[:, None] / G
        se_star = np.sqrt(c * (centred**2).sum(axis=1))
        with np.errstate(divide="ignore", invalid="ignore"):
            t_star = np.abs(np.where(se_star > 0, num / se_star, np.inf))
        qs[j] = float(np.quantile(t_star, 1 - 2 * a, method="higher")) if se[j] > 0 else np.nan
    how = "all" if enumerated else f"{len(V):,}"
    label = (f"influence function, wild bootstrap-t ({G} clusters, {name} "
             f"weights, {how} replicates)")
    return IfInference(se, qs * se, qs, G - 1, label, G)
