"""Regression adjustment, IPW and AIPW for the effect on the treated, with sandwich errors.

Each estimator is written as a set of stacked moment conditions (the outcome or propensity
model's score equations plus the effect's own), solved in closed form. Standard errors come from
the M-estimation sandwich ``D^-1 S D^-T / n`` with the analytic Jacobian ``D``: the same
quantity statsmodels' ``TreatmentEffect`` obtains by GMM (HC0), so first-step estimation of the
propensity and outcome models is accounted for.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

__all__ = ["MomentFit", "aipw_ate", "aipw_att", "fit_outcome_model", "ipw_att", "ra_att"]


@dataclass(frozen=True)
class MomentFit:
    """Point estimates and standard errors of the ATT and the counterfactual mean."""

    att: float
    se_att: float
    counterfactual: float
    se_counterfactual: float


def _expit(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def fit_outcome_model(
    X: np.ndarray, y: np.ndarray, binary: bool
) -> tuple[np.ndarray, bool]:
    """Fit the comparison group's outcome model with statsmodels (OLS, or logit if binary).

    Returns the coefficients and whether the logit link was used (a binary outcome falls back to
    a linear probability model when the logit cannot be fitted, e.g. perfect prediction).
    """
    import statsmodels.api as sm

    if binary:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                res = sm.Logit(y, X).fit(disp=0, method="newton", maxiter=50)
                if np.isfinite(res.params).all() and np.abs(res.params).max() < 30:
                    return np.asarray(res.params), True
            except Exception:  # noqa: BLE001 - separation: fall back to OLS below
                pass
    return np.asarray(sm.OLS(y, X).fit().params), False


def _mean_fn(X: np.ndarray, beta: np.ndarray, logit: bool) -> tuple[np.ndarray, np.ndarray]:
    """Fitted mean and its derivative w.r.t. the linear predictor."""
    lp = X @ beta
    if logit:
        m = _expit(lp)
        return m, m * (1 - m)
    return lp, np.ones_like(lp)


def _sandwich(G: np.ndarray, D: np.ndarray) -> np.ndarray:
    n = G.shape[0]
    S = G.T @ G / n
    Dinv = np.linalg.pinv(D)
    return Dinv @ S @ Dinv.T / n


def _xtwx(X: np.ndarray, w: np.ndarray) -> np.ndarray:
    return (X * w[:, None]).T @ X / X.shape[0]


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
    cov = _sandwich(G, D)
    return MomentFit(tau, float(np.sqrt(cov[0, 0])), mu0, float(np.sqrt(cov[1, 1])))


def att_odds(X: np.ndarray, gamma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Propensity score and the ATT weight of a comparison unit, the odds ``p / (1 - p)``."""
    lp = X @ gamma
    return _expit(lp), np.exp(lp)


def ipw_att(y: np.ndarray, t: np.ndarray, X: np.ndarray, gamma: np.ndarray) -> MomentFit:
    """Inverse probability weighting (ATT weights, normalised within the comparison group)."""
    n, k = X.shape
    p, e = att_odds(X, gamma)
    c = t == 0
    p1 = t.mean()
    mu0 = float((e[c] * y[c]).sum() / e[c].sum())
    tau = float(y[t == 1].mean()) - mu0
    w = t + (1 - t) * e
    G = np.column_stack([t * (y - tau - mu0), w * (y - t * tau - mu0), X * (t - p)[:, None]])
    D = np.zeros((k + 2, k + 2))
    D[0, :2] = -p1
    D[1, 0] = -p1
    D[1, 1] = -w.mean()
    D[1, 2:] = ((1 - t) * e * (y - mu0)) @ X / n
    D[2:, 2:] = -_xtwx(X, p * (1 - p))
    cov = _sandwich(G, D)
    return MomentFit(tau, float(np.sqrt(cov[0, 0])), mu0, float(np.sqrt(cov[1, 1])))


def aipw_att(
    y: np.ndarray,
    t: np.ndarray,
    X: np.ndarray,
    gamma: np.ndarray,
    beta0: np.ndarray,
    logit: bool,
) -> MomentFit:
    """Doubly robust ATT: regression adjustment plus the ATT-weighted comparison residuals.

    counterfactual = mean_T m0(X) + sum_C e (y - m0) / sum_C e, with e = p / (1 - p).
    Consistent if either the propensity model or the outcome model is right.
    """
    n, k = X.shape
    p, e = att_odds(X, gamma)
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
            X * (t - p)[:, None],
        ]
    )
    K = 3 + 2 * k
    D = np.zeros((K, K))
    sb, sg = slice(3, 3 + k), slice(3 + k, K)
    D[0, :3] = -p1
    D[1, 1] = -p1
    D[1, sb] = (t * dm0) @ X / n
    D[2, 2] = -ec.mean()
    D[2, sb] = -(ec * dm0) @ X / n
    D[2, sg] = (ec * (r - b)) @ X / n
    D[sb, sb] = -_xtwx(X, (1 - t) * dm0)
    D[sg, sg] = -_xtwx(X, p * (1 - p))
    cov = _sandwich(G, D)
    se_mu0 = float(np.sqrt(cov[1, 1] + cov[2, 2] + 2 * cov[1, 2]))
    return MomentFit(tau, float(np.sqrt(cov[0, 0])), a + b, se_mu0)


def aipw_ate(
    y: np.ndarray, t: np.ndarray, X: np.ndarray, gamma: np.ndarray, beta0: np.ndarray,
    beta1: np.ndarray,
) -> MomentFit:
    """Doubly robust average effect over everyone (ATE), linear outcome models.

    Not used for additionality (which needs the effect on participants); kept because it is the
    quantity statsmodels' ``TreatmentEffect.aipw`` computes, so the tests can check this
    module's sandwich machinery against it. ``counterfactual`` is the untreated potential
    outcome mean over everyone (statsmodels' POM0).
    """
    n, k = X.shape
    p, _ = att_odds(X, gamma)
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
    cov = _sandwich(G, D)
    return MomentFit(ate, float(np.sqrt(cov[0, 0])), pom0, float(np.sqrt(cov[1, 1])))
