"""Regression adjustment, IPW and AIPW for the effect on the treated, with sandwich errors.

Each estimator is written as a set of stacked moment conditions (the outcome or propensity
model's score equations plus the effect's own), solved in closed form. Standard errors come from
the influence functions ``-D^{-1} g_i`` (:func:`~.numerics.influence`, a checked solve, never a
pseudo-inverse) with the analytic Jacobian ``D``: their HC0 form is the quantity statsmodels'
``TreatmentEffect`` and Stata's ``teffects`` obtain by GMM, so first-step estimation of the
propensity and outcome models is accounted for; HC1 and cluster-robust forms come from the same
influence functions. The designs passed in should be standardised (``Design.Xs``/``Design.Ps``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from svimpact.estimators.effects.numerics import influence, least_squares, ols, se_from_influence
from svimpact.estimators.effects.propensity import Score, fit_binary

__all__ = ["MomentFit", "aipw_ate", "aipw_att", "fit_outcome_model", "ipw_att", "ols_att", "ra_att"]


@dataclass(frozen=True, eq=False)
class MomentFit:
    """Point estimates, HC0 standard errors and influence functions of the ATT and the
    counterfactual mean (``influence`` has one row per unit: ATT, counterfactual)."""

    att: float
    se_att: float
    counterfactual: float
    se_counterfactual: float
    influence: np.ndarray | None = None


def _expit(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def fit_outcome_model(
    X: np.ndarray, y: np.ndarray, binary: bool
) -> tuple[np.ndarray, bool]:
    """Fit the comparison group's outcome model (least squares, or a logit if binary).

    Returns the coefficients and whether the logit link was used (a binary outcome falls back to
    a linear probability model when the logit cannot be fitted, e.g. perfect prediction).
    """
    if binary:
        beta = fit_binary(X, y, "logit")
        if np.isfinite(beta).all() and np.abs(X @ beta).max() < 30:
            return beta, True
    return least_squares(X, y, what="outcome model"), False


def _mean_fn(X: np.ndarray, beta: np.ndarray, logit: bool) -> tuple[np.ndarray, np.ndarray]:
    """Fitted mean and its derivative w.r.t. the linear predictor."""
    lp = X @ beta
    if logit:
        m = _expit(lp)
        return m, m * (1 - m)
    return lp, np.ones_like(lp)


def _xtwx(X: np.ndarray, w: np.ndarray) -> np.ndarray:
    return (X * w[:, None]).T @ X / X.shape[0]


def _result(est: tuple[float, float], psi: np.ndarray, cf_weights: np.ndarray) -> MomentFit:
    """ATT and counterfactual with their HC0 standard errors from the influence matrix ``psi``."""
    cf_psi = psi[:, 1:1 + len(cf_weights)] @ cf_weights
    inf = np.column_stack([psi[:, 0], cf_psi])
    return MomentFit(est[0], se_from_influence(inf[:, 0]), est[1], se_from_influence(inf[:, 1]), inf)


def ra_att(
    y: np.ndarray, t: np.ndarray, X: np.ndarray, beta0: np.ndarray, logit: bool
) -> MomentFit:
    """Regression adjustment: counterfactual = mean over participants of the comparison model."""
    n, k = X.shape
    m0, dm0 = _mean_fn(X, beta0, logit)
    p1 = t.mean()
    mu0 = float(m0[t == 1].mean())
    tau = float(y[t == 1].mean()) - mu0
    G = np.column_stack(
        [t * (y - tau - mu0), t * (m0 - mu0), X * ((1 - t) * (y - m0))[:, None]]
    )
    D = np.zeros((k + 2, k + 2))
    D[0, :2] = -p1
    D[1, 1] = -p1
    D[1, 2:] = (t * dm0) @ X / n
    D[2:, 2:] = -_xtwx(X, (1 - t) * dm0)
    return _result((tau, mu0), influence(G, D, what="regression-adjusted ATT"), np.ones(1))


def ipw_att(y: np.ndarray, t: np.ndarray, score: Score, P: np.ndarray) -> MomentFit:
    """Inverse probability weighting (ATT weights, normalised within the comparison group).

    ``P`` is the (standardised) design the propensity ``score`` was fitted on.
    """
    n, k = P.shape
    e, de = score.odds()
    c = t == 0
    p1 = t.mean()
    mu0 = float((e[c] * y[c]).sum() / e[c].sum())
    tau = float(y[t == 1].mean()) - mu0
    w = t + (1 - t) * e
    G = np.column_stack([t * (y - tau - mu0), w * (y - t * tau - mu0),
                         P * score.moment_weight(t)[:, None]])
    D = np.zeros((k + 2, k + 2))
    D[0, :2] = -p1
    D[1, 0] = -p1
    D[1, 1] = -w.mean()
    D[1, 2:] = ((1 - t) * de * (y - mu0)) @ P / n
    D[2:, 2:] = _xtwx(P, score.moment_slope(t))
    return _result((tau, mu0), influence(G, D, what="IPW ATT"), np.ones(1))


def aipw_att(
    y: np.ndarray,
    t: np.ndarray,
    X: np.ndarray,
    score: Score,
    P: np.ndarray,
    beta0: np.ndarray,
    logit: bool,
) -> MomentFit:
    """Doubly robust ATT: regression adjustment plus the ATT-weighted comparison residuals.

    counterfactual = mean_T m0(X) + sum_C e (y - m0) / sum_C e, with e = p / (1 - p).
    Consistent if either the propensity model (on ``P``) or the outcome model (on ``X``) is right.
    """
    n, k = X.shape
    kp = P.shape[1]
    e, de = score.odds()
    m0, dm0 = _mean_fn(X, beta0, logit)
    c = t == 0
    p1 = t.mean()
    a = float(m0[t == 1].mean())
    b = float((e[c] * (y[c] - m0[c])).sum() / e[c].sum())
    tau = float(y[t == 1].mean()) - a - b
    ec = (1 - t) * e
    r = y - m0
    G = np.column_stack(
        [
            t * (y - tau - a - b),
            t * (m0 - a),
            ec * (r - b),
            X * ((1 - t) * r)[:, None],
            P * score.moment_weight(t)[:, None],
        ]
    )
    K = 3 + k + kp
    D = np.zeros((K, K))
    sb, sg = slice(3, 3 + k), slice(3 + k, K)
    D[0, :3] = -p1
    D[1, 1] = -p1
    D[1, sb] = (t * dm0) @ X / n
    D[2, 2] = -ec.mean()
    D[2, sb] = -(ec * dm0) @ X / n
    D[2, sg] = ((1 - t) * de * (r - b)) @ P / n
    D[sb, sb] = -_xtwx(X, (1 - t) * dm0)
    D[sg, sg] = _xtwx(P, score.moment_slope(t))
    return _result((tau, a + b), influence(G, D, what="AIPW ATT"), np.ones(2))


def ols_att(y: np.ndarray, t: np.ndarray, X: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Pooled least squares of ``y`` on an intercept, ``t`` and the covariates of ``X``.

    Returns the coefficient on ``t``, the residuals and the row of ``(W'W/n)^{-1}`` for ``t``,
    from which :func:`~.numerics.se_from_influence` and the classical formula give its SE.
    """
    W = np.column_stack([X[:, :1], t - t.mean(), X[:, 1:]])
    coef, resid, bread = ols(W, y, what="OLS effect")
    return float(coef[1]), resid, W @ bread[1]


def aipw_ate(
    y: np.ndarray, t: np.ndarray, X: np.ndarray, gamma: np.ndarray, beta0: np.ndarray,
    beta1: np.ndarray,
) -> MomentFit:
    """Doubly robust average effect over everyone (ATE), linear outcome models, logit score.

    Not used for additionality (which needs the effect on participants); kept because it is the
    quantity statsmodels' ``TreatmentEffect.aipw`` computes, so the tests can check this
    module's sandwich machinery against it. ``counterfactual`` is the untreated potential
    outcome mean over everyone (statsmodels' POM0).
    """
    n, k = X.shape
    p = _expit(X @ gamma)
    m0, m1 = X @ beta0, X @ beta1
    r0, r1 = y - m0, y - m1
    f0 = m0 + (1 - t) * r0 / (1 - p)
    f1 = m1 + t * r1 / p
    ate, pom0 = float((f1 - f0).mean()), float(f0.mean())
    G = np.column_stack([f1 - f0 - ate, f0 - pom0, X * ((1 - t) * r0)[:, None],
                         X * (t * r1)[:, None], X * (t - p)[:, None]])
    K = 2 + 3 * k
    s0, s1, sg = slice(2, 2 + k), slice(2 + k, 2 + 2 * k), slice(2 + 2 * k, K)
    D = np.zeros((K, K))
    d0 = (1 - (1 - t) / (1 - p)) @ X / n
    dg0 = ((1 - t) * r0 * p / (1 - p)) @ X / n
    D[0, 0] = D[1, 1] = -1.0
    D[0, s1] = (1 - t / p) @ X / n
    D[0, s0] = -d0
    D[0, sg] = -(t * r1 * (1 - p) / p) @ X / n - dg0
    D[1, s0] = d0
    D[1, sg] = dg0
    D[s0, s0] = -_xtwx(X, 1 - t)
    D[s1, s1] = -_xtwx(X, t)
    D[sg, sg] = -_xtwx(X, p * (1 - p))
    psi = influence(G, D, what="AIPW ATE")
    return MomentFit(ate, se_from_influence(psi[:, 0]), pom0, se_from_influence(psi[:, 1]), psi[:, :2])
