"""OLS for the DiD regression and its covariance: classical, HC1 or cluster-robust (CR1).

The fit scales every column to unit length and solves by QR, so no pseudo-inverse of an
ill-conditioned matrix is ever taken; a rank-deficient design is an
:class:`~svimpact.exceptions.EstimationError` naming the regressors, and a design with no
residual degrees of freedom (saturated) is an error rather than a standard error of 0 or NaN.

Small-sample conventions (``ssc``), for matching published output:

* ``"stata"`` (default): classical ``s2 = RSS / (N - K - A)``; HC1 ``N / (N - K - A)``; CR1
  ``G / (G - 1) * (N - 1) / (N - K')`` with ``K'`` the regressors plus the constant when the unit
  effects are nested in the clusters (as ``xtreg, fe vce(cluster)`` and ``reghdfe``), and plus
  every unit effect when they are not. ``A`` is the number of unit effects swept out by the
  within transformation (0 in a cross-section); with it, classical and HC1 equal the LSDV
  regression with unit dummies (``regress y i.unit ..., robust``).
* ``"areg"``: the unit effects always count in ``K'`` (``areg, absorb(unit) vce(cluster)``, or
  ``regress`` with unit dummies).
* ``"none"``: no correction (HC0, CR0), as R's ``sandwich`` with ``type = "HC0"``.

Stata Base Reference Manual, ``[R] regress`` (Methods and formulas: ``vce(cluster)`` uses
``q_c = (N - 1) / (N - k) * M / (M - 1)``), ``[XT] xtreg`` and ``[R] areg``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.linalg import solve_triangular

from svimpact.exceptions import EstimationError, ParamsError

__all__ = ["SE_KINDS", "SSC_CONVENTIONS", "Covariance", "OlsFit", "covariance", "cr1_factor", "cv3_se", "fit_ols"]

#: The standard errors ``estimate_did(se=...)`` accepts.
SE_KINDS = ("classical", "hc1", "cluster", "wild")
#: The small-sample conventions ``estimate_did(ssc=...)`` accepts.
SSC_CONVENTIONS = ("stata", "areg", "none")

_RANK_TOL = 1e-10


@dataclass(frozen=True, eq=False)
class OlsFit:
    """Coefficients, residuals and ``(X'X)^-1`` of one OLS fit.

    ``absorbed`` counts the unit effects swept out by the within transformation (0 in a
    cross-section), so ``df_resid`` is that of the LSDV regression with unit dummies.
    """

    X: np.ndarray
    params: np.ndarray
    resid: np.ndarray
    bread: np.ndarray
    absorbed: int

    @property
    def n(self) -> int:
        return int(self.X.shape[0])

    @property
    def k(self) -> int:
        return int(self.X.shape[1])

    @property
    def df_resid(self) -> int:
        return self.n - self.k - self.absorbed


@dataclass(frozen=True, eq=False)
class Covariance:
    """Covariance of the coefficients, the t reference degrees of freedom and a label."""

    cov: np.ndarray
    df: float
    label: str
    n_clusters: int | None = None

    def se(self, contrast: np.ndarray) -> float:
        return float(np.sqrt(max(float(contrast @ self.cov @ contrast), 0.0)))


def fit_ols(y: np.ndarray, X: np.ndarray, names: Sequence[str], absorbed: int = 0) -> OlsFit:
    """OLS by QR on unit-length columns; a clear error for a rank-deficient or saturated design."""
    n, k = X.shape
    norms = np.sqrt((X**2).sum(axis=0))
    empty = [names[int(j)] for j in np.flatnonzero(norms <= 1e-12 * max(1.0, float(norms.max(initial=0.0))))]
    if empty:
        raise EstimationError(
            f"the regressor(s) {', '.join(empty)} do not vary once the unit effects are removed; "
            "no period or group effect can be estimated from them (check that every period has "
            "both participants and comparison units)"
        )
    Q, R = np.linalg.qr(X / norms)
    sv = np.linalg.svd(R, compute_uv=False)
    if sv.min() <= _RANK_TOL * sv.max():
        raise EstimationError(
            f"the regression is rank-deficient ({k} regressors, rank {int((sv > _RANK_TOL * sv.max()).sum())}):"
            f" some of {', '.join(names)} are linear combinations of the others (e.g. a covariate "
            "that is constant, or duplicated by the period or group effects)"
        )
    beta = solve_triangular(R, Q.T @ y) / norms
    r_inv = solve_triangular(R, np.eye(k))
    bread = (r_inv @ r_inv.T) / np.outer(norms, norms)
    fit = OlsFit(X, beta, y - X @ beta, bread, absorbed)
    if fit.df_resid <= 0 or np.allclose(fit.resid, 0, atol=1e-10 * max(1.0, float(np.abs(y).max()))):
        raise EstimationError(
            f"the model is saturated: {n} observations for {k + absorbed} parameters "
            f"({k} regressors{f' and {absorbed} unit effects' if absorbed else ''}), so the residuals "
            "are zero and no standard error can be estimated; use fewer periods (period=None for "
            "a 2x2), fewer covariates, or more units"
        )
    return fit


def covariance(
    fit: OlsFit, kind: str, clusters: np.ndarray | None, ssc: str, nested: bool = True
) -> Covariance:
    """Classical, HC1 or CR1 covariance under the small-sample convention ``ssc``."""
    if ssc not in SSC_CONVENTIONS:
        raise ParamsError(f"unknown small-sample convention {ssc!r}; choose one of {', '.join(SSC_CONVENTIONS)}",
                          key="ssc")
    X, e, B, n, k, A = fit.X, fit.resid, fit.bread, fit.n, fit.k, fit.absorbed
    if kind == "classical":
        s2 = float(e @ e) / fit.df_resid
        return Covariance(s2 * B, fit.df_resid, "classical (homoskedastic)")
    if kind == "hc1":
        factor = 1.0 if ssc == "none" else n / fit.df_resid
        meat = (X * (e**2)[:, None]).T @ X
        label = "heteroskedasticity-robust (HC0)" if ssc == "none" else "heteroskedasticity-robust (HC1)"
        return Covariance(factor * B @ meat @ B, fit.df_resid, label)
    if clusters is None:
        raise ParamsError("cluster-robust standard errors need a cluster column (or a unit column in a panel)",
                          key="se")
    _, codes = np.unique(clusters, return_inverse=True)
    G = int(codes.max()) + 1
    if G < 2:
        raise EstimationError(
            "all rows are in one cluster: a cluster-robust standard error (or a wild cluster "
            "bootstrap) needs at least 2 clusters, and in practice many more; give a finer "
            "cluster column, or ask for se='hc1' if outcomes are independent within it"
        )
    factor = cr1_factor(n, k, A, G, ssc, nested)
    scores = np.zeros((G, k))
    for j in range(k):
        scores[:, j] = np.bincount(codes, weights=X[:, j] * e, minlength=G)
    label = f"cluster-robust ({'CR0' if ssc == 'none' else 'CR1'}, {G} clusters, t with {G - 1} df)"
    return Covariance(factor * B @ (scores.T @ scores) @ B, G - 1, label, G)


def cr1_factor(n: int, k: int, absorbed: int, n_clusters: int, ssc: str, nested: bool = True) -> float:
    """The CR1 multiplier ``G / (G - 1) * (N - 1) / (N - K')`` under ``ssc`` (1 for ``"none"``)."""
    if ssc == "none":
        return 1.0
    k_eff = k + absorbed if (ssc == "areg" or not nested) else k + (1 if absorbed else 0)
    if n - k_eff <= 0:
        raise EstimationError(
            f"too few observations ({n}) for the {k_eff} parameters counted by the {ssc!r} convention; "
            "use ssc='stata' or a simpler model")
    return n_clusters / (n_clusters - 1) * (n - 1) / (n - k_eff)


def cv3_se(fit: OlsFit, clusters: np.ndarray, contrast: np.ndarray) -> float:
    """Cluster jackknife (CV3) standard error of ``contrast @ beta``: ``sqrt((G - 1) / G * sum_c (b_(-c) -
    mean)^2)`` over the fits that leave out one cluster (MacKinnon, Nielsen and Webb 2023, section 3.3).
    Leave-one-out fits whose design is singular are skipped; NaN when fewer than two remain."""
    X, y = fit.X, fit.X @ fit.params + fit.resid
    XtX, Xty = X.T @ X, X.T @ y
    reps = []
    for c in np.unique(clusters):
        m = clusters == c
        try:
            b = np.linalg.solve(XtX - X[m].T @ X[m], Xty - X[m].T @ y[m])
        except np.linalg.LinAlgError:
            continue
        reps.append(float(contrast @ b))
    if len(reps) < 2:
        return float("nan")
    r = np.array(reps)
    return float(np.sqrt((len(r) - 1) / len(r) * ((r - r.mean()) ** 2).sum()))
