"""Wild cluster bootstrap-t for one linear contrast of OLS coefficients (few clusters).

Unrestricted wild cluster bootstrap (Cameron, Gelbach and Miller 2008): y* = X b + v_g e, with
one weight v_g per cluster (Rademacher, or Webb's six-point weights when there are fewer than 12
clusters, Webb 2014). Because X is fixed, every replicate's contrast and its cluster-robust
standard error are linear algebra on a (B, G) matrix of weights: no re-fitting loop.
"""

from __future__ import annotations

import numpy as np

__all__ = ["wild_cluster_t"]

_WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])


def wild_cluster_t(
    X: np.ndarray,
    resid: np.ndarray,
    groups: np.ndarray,
    contrast: np.ndarray,
    *,
    n_boot: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, float]:
    """Bootstrap t statistics of ``contrast @ beta`` and the sample CRVE standard error.

    Returns ``(t_star, se)`` where ``t_star`` has length ``n_boot``; the bootstrap-t interval is
    ``[est - q(1 - a/2) se, est - q(a/2) se]`` with ``q`` the quantiles of ``t_star``.
    """
    n, k = X.shape
    codes, g = np.unique(groups, return_inverse=True)
    G = len(codes)
    XtX_inv = np.linalg.inv(X.T @ X)
    A = X @ (XtX_inv @ contrast)  # contrast @ beta = A @ y
    s = np.bincount(g, weights=A * resid, minlength=G)  # (G,)
    U = np.zeros((G, k))
    Q = np.zeros((G, k))
    for j in range(k):
        U[:, j] = np.bincount(g, weights=X[:, j] * resid, minlength=G)
        Q[:, j] = np.bincount(g, weights=A * X[:, j], minlength=G)
    U = U @ XtX_inv  # beta* - beta = sum_h v_h U_h
    M = Q @ U.T  # (G, G)
    factor = G / (G - 1) * (n - 1) / (n - k)
    se = float(np.sqrt(factor * (s**2).sum()))
    V = rng.choice(_WEBB, size=(n_boot, G)) if G < 12 else rng.choice([-1.0, 1.0], (n_boot, G))
    delta = V @ s
    scores = V * s - V @ M.T
    se_star = np.sqrt(factor * (scores**2).sum(axis=1))
    return delta / np.where(se_star > 0, se_star, np.nan), se
