"""Numerically stable building blocks shared by the comparison-group estimators.

Covariates in raw units (earnings in pounds and their squares, say) make the matrices behind a
sandwich standard error so badly scaled that a pseudo-inverse returns nonsense without complaint.
Everything here works on a standardised design instead: every covariate is centred and divided by
its standard deviation (the intercept kept), so the fitted index ``X @ gamma``, the ATT and its
standard error are the same whatever units a covariate is written in, while the matrices stay
well conditioned. Linear systems are solved (LU with partial pivoting), never pseudo-inverted; the
condition number of the *equilibrated* system (rows and columns scaled to unit size, which removes
harmless differences of units) is checked, and a standard error that cannot be trusted raises
:class:`~svimpact.exceptions.UnreliableStandardErrorWarning` or, when it cannot be computed at
all, an :class:`~svimpact.exceptions.InputDataError` that says why.
"""

from __future__ import annotations

import warnings

import numpy as np

from svimpact.exceptions import InputDataError, UnreliableStandardErrorWarning

__all__ = ["COND_LIMIT", "SE_KINDS", "SINGULAR_LIMIT", "check_se", "influence", "least_squares", "ols",
           "se_from_influence", "solve", "standardise"]

#: Condition number (equilibrated) above which a standard error is flagged as unreliable: about
#: six of sixteen significant digits are then lost in the solve.
COND_LIMIT = 1e10

#: Condition number (equilibrated) from which a system counts as singular: fewer than three
#: significant digits would survive the solve.
SINGULAR_LIMIT = 1e13

#: Standard-error conventions for influence-function (M-estimation) standard errors.
SE_KINDS = ("hc0", "hc1", "cluster")


def standardise(X: np.ndarray) -> np.ndarray:
    """The design with column 0 (the intercept) kept and every other column centred and scaled.

    A column with no variation is left centred (all zero); the rank check upstream refuses it.
    """
    X = np.asarray(X, dtype=float)
    out = np.ones_like(X)
    if X.shape[1] > 1:
        Z = X[:, 1:]
        mean = Z.mean(axis=0)
        sd = Z.std(axis=0)
        out[:, 1:] = (Z - mean) / np.where(sd > 0, sd, 1.0)
    return out


def _equilibrate(D: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row and column scalings ``r``, ``c`` with ``diag(r) D diag(c)`` of unit row/column size."""
    r = np.abs(D).max(axis=1)
    r = 1.0 / np.where(r > 0, r, 1.0)
    Dr = D * r[:, None]
    c = np.abs(Dr).max(axis=0)
    c = 1.0 / np.where(c > 0, c, 1.0)
    return Dr * c[None, :], r, c


def solve(A: np.ndarray, B: np.ndarray, *, what: str) -> np.ndarray:
    """``A^{-1} B`` by LU on the equilibrated ``A``, with its conditioning checked.

    Warns (:class:`~svimpact.exceptions.UnreliableStandardErrorWarning`) when the equilibrated
    matrix's condition number exceeds :data:`COND_LIMIT`; raises
    :class:`~svimpact.exceptions.InputDataError` above :data:`SINGULAR_LIMIT` (singular).
    """
    Ae, r, c = _equilibrate(A)
    B2 = np.asarray(B, dtype=float).reshape(A.shape[0], -1)
    try:
        cond = float(np.linalg.cond(Ae))
        sol = np.linalg.solve(Ae, B2 * r[:, None])
    except np.linalg.LinAlgError:
        cond, sol = np.inf, np.full_like(B2, np.nan)
    if not np.isfinite(cond) or cond > SINGULAR_LIMIT or not np.isfinite(sol).all():
        raise InputDataError(
            f"the {what} cannot be computed: the estimating equations are "
            "singular (a covariate may be constant within one group, or a group too small)",
            hint="remove covariates that do not vary among the comparison units or the participants, "
            "or merge rare categories",
        )
    if cond > COND_LIMIT:
        warnings.warn(
            f"The {what} rests on a nearly singular system (condition number "
            f"{cond:.1e} after scaling): covariates are close to collinear, so the interval may be "
            "wrong. Drop or combine near-duplicate covariates.",
            UnreliableStandardErrorWarning, stacklevel=3,
        )
    return (sol * c[:, None]).reshape(np.shape(B))


def influence(G: np.ndarray, D: np.ndarray, *, what: str) -> np.ndarray:
    """Influence functions ``-D^{-1} g_i`` of stacked moment conditions, one row per unit.

    ``G`` is (n, K): each unit's moment contributions at the estimate; ``D`` is (K, K): the
    Jacobian of the averaged moments. The estimator's variance is ``psi.T @ psi / n**2``.
    """
    return -solve(D, G.T, what=f"standard error of the {what}").T


def se_from_influence(
    psi: np.ndarray, kind: str = "hc0", *, clusters: np.ndarray | None = None, n_params: int = 1
) -> float:
    """Standard error from one estimate's influence function ``psi`` (length n).

    ``hc0``: ``sqrt(sum psi^2) / n`` (Stata ``teffects``' robust, statsmodels' ``TreatmentEffect``);
    ``hc1``: times ``sqrt(n / (n - n_params))``; ``cluster``: cluster sums of ``psi`` with the
    ``G / (G - 1)`` small-sample factor (``clusters`` holds integer codes 0..G-1).
    """
    psi = np.asarray(psi, dtype=float)
    n = psi.size
    if kind == "cluster":
        if clusters is None:
            raise ValueError("cluster standard errors need cluster codes")
        sums = np.bincount(clusters, weights=psi)
        g = int((np.bincount(clusters) > 0).sum())
        return float(np.sqrt(g / max(g - 1, 1) * (sums**2).sum()) / n)
    v = float((psi**2).sum()) / n**2
    if kind == "hc1":
        v *= n / max(n - n_params, 1)
    return float(np.sqrt(v))


def least_squares(W: np.ndarray, y: np.ndarray, *, what: str, w: np.ndarray | None = None) -> np.ndarray:
    """(Weighted) least-squares coefficients from the normal equations of the standardised design.

    On a standardised ``W`` the Gram matrix is well conditioned (checked by :func:`solve`), and a
    k-by-k solve avoids LAPACK's QR on a tall matrix, which is slow on a busy multi-core machine.
    """
    Ww = W if w is None else W * w[:, None]
    return solve(Ww.T @ W, Ww.T @ y, what=what)


def ols(W: np.ndarray, y: np.ndarray, *, what: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Least squares: coefficients, residuals and ``(W'W / n)^{-1}`` (the bread).

    ``W`` should be standardised; every solve is checked (see :func:`solve`).
    """
    n = W.shape[0]
    WtW = W.T @ W / n
    bread = solve(WtW, np.eye(W.shape[1]), what=f"standard error of the {what}")
    coef = bread @ (W.T @ y / n)
    return coef, y - W @ coef, bread


def check_se(se: float, scale: float, *, what: str) -> float:
    """Refuse a standard error that is not a number; warn when it is (almost) zero.

    ``scale`` is the outcome's standard deviation: an SE below ``1e-8`` of it means the interval
    has no width, which a real sample never justifies.
    """
    if not np.isfinite(se):
        raise InputDataError(
            f"the standard error of the {what} could not be computed (it is not a finite number)",
            hint="check that both groups have enough people and that no covariate separates them",
        )
    if scale > 0 and se < 1e-8 * scale:
        warnings.warn(
            f"The standard error of the {what} is {se:.3g}, an interval of (almost) zero width: it "
            "cannot be trusted. Check for duplicated rows or a covariate that predicts the outcome "
            "exactly.",
            UnreliableStandardErrorWarning, stacklevel=3,
        )
    return se
