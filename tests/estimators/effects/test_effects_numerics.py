"""Numerically stable inference (issue 13, item 1): units of covariates never change an estimate.

With earnings in pounds and their squares among the covariates, the old sandwich (a pseudo-inverse
of the raw-unit Jacobian) returned standard errors of 1e-27; every estimator now works on a
standardised design, so the ATT and its standard error are the same whatever a covariate is
multiplied by, and an untrustworthy standard error is flagged, never silently returned.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from svimpact.datasets.scenarios import simulate_scenario
from svimpact.estimators.effects import UnreliableStandardErrorWarning, estimate_effect
from svimpact.exceptions import InputDataError

FACTORS = (1e-4, 1e-2, 1e3, 1e6)


@pytest.fixture(scope="module")
def earnings():
    return simulate_scenario("raw_units", n=1500, seed=7)


def _est(data: pd.DataFrame, covariates, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimate_effect(data, outcome="outcome", treatment="treated", covariates=covariates,
                               n_draws=200, **kw)


@pytest.mark.parametrize("method", ["regression", "ipw", "aipw", "psm", "ols"])
def test_att_and_se_do_not_depend_on_covariate_units(earnings, method):
    data, covs = earnings.data, list(earnings.covariates)
    base = _est(data, covs, method=method)
    assert 100 < base.se < 2000  # pounds: a real interval, not 1e-27
    for col in ("re74sq", "re75", "age"):
        for factor in FACTORS:
            e = _est(data.assign(**{col: data[col] * factor}), covs, method=method)
            assert e.att.value == pytest.approx(base.att.value, rel=1e-6), (col, factor)
            assert e.se == pytest.approx(base.se, rel=1e-6), (col, factor)


def test_binary_outcome_with_raw_units_is_invariant_too(earnings):
    data = earnings.data.assign(outcome=(earnings.data.outcome > earnings.data.outcome.median()).astype(int))
    covs = list(earnings.covariates)
    base = _est(data, covs, method="aipw")
    e = _est(data.assign(re74sq=data.re74sq * 1e6, age=data.age * 1e-4), covs, method="aipw")
    assert e.att.value == pytest.approx(base.att.value, rel=1e-6)
    assert e.se == pytest.approx(base.se, rel=1e-6)


def _pinv_ra_se(y: np.ndarray, t: np.ndarray, X: np.ndarray) -> float:
    """The removed implementation: regression adjustment's sandwich with a pseudo-inverse of the
    raw-unit Jacobian (kept here to show what the invariance test guards against)."""
    n, k = X.shape
    b0 = np.linalg.lstsq(X[t == 0], y[t == 0], rcond=None)[0]
    m0 = X @ b0
    mu0, p1 = m0[t == 1].mean(), t.mean()
    tau = y[t == 1].mean() - mu0
    G = np.column_stack([t * (y - tau - mu0), t * (m0 - mu0), X * ((1 - t) * (y - m0))[:, None]])
    D = np.zeros((k + 2, k + 2))
    D[0, :2], D[1, 1], D[1, 2:] = -p1, -p1, t @ X / n
    D[2:, 2:] = -(X * (1 - t)[:, None]).T @ X / n
    Dinv = np.linalg.pinv(D)
    return float(np.sqrt((Dinv @ (G.T @ G / n) @ Dinv.T / n)[0, 0]))


def test_the_pseudo_inverse_sandwich_collapses_on_raw_units(earnings):
    data, covs = earnings.data, list(earnings.covariates)
    X = np.column_stack([np.ones(len(data)), data[covs].to_numpy(float)])
    old = _pinv_ra_se(data.outcome.to_numpy(), data.treated.to_numpy(float), X)
    new = _est(data, covs, method="regression").se
    assert old < 1e-3 * new  # the fault: an interval of zero width, and no warning


def test_nearly_collinear_covariates_warn_and_are_recorded():
    rng = np.random.default_rng(3)
    n = 1500
    x1 = rng.normal(size=n)
    t = (rng.uniform(size=n) < 1 / (1 + np.exp(1 - 0.5 * x1))).astype(int)
    data = pd.DataFrame({"t": t, "y": x1 + t + rng.normal(size=n), "x1": x1,
                         "x2": x1 + 3e-6 * rng.normal(size=n)})
    with pytest.warns(UnreliableStandardErrorWarning, match="nearly singular"):
        e = estimate_effect(data, outcome="y", treatment="t", covariates=["x1", "x2"], method="regression")
    assert any("nearly singular" in w for w in e.warnings)
    with pytest.raises(InputDataError, match="x2.*linear combination"):
        estimate_effect(data.assign(x2=2 * data.x1 + 1), outcome="y", treatment="t", covariates=["x1", "x2"])


def test_zero_width_interval_warns():
    rng = np.random.default_rng(5)
    n = 800
    x = rng.normal(size=n)
    t = (rng.uniform(size=n) < 0.3).astype(int)
    data = pd.DataFrame({"t": t, "x": x, "y": 2.0 + 3.0 * x + 1.5 * t})  # no noise at all
    with pytest.warns(UnreliableStandardErrorWarning, match="zero width"):
        e = estimate_effect(data, outcome="y", treatment="t", covariates=["x"], method="regression")
    assert e.att.value == pytest.approx(1.5)


def test_a_singular_outcome_model_is_a_clear_error():
    rng = np.random.default_rng(6)
    n = 600
    t = (rng.uniform(size=n) < 0.3).astype(int)
    only_treated = np.where(t == 1, rng.integers(0, 2, n), 0)  # constant among comparison units
    data = pd.DataFrame({"t": t, "x": rng.normal(size=n), "z": only_treated, "y": rng.normal(size=n)})
    with pytest.raises(InputDataError, match="cannot be computed"):
        _ = estimate_effect(data, outcome="y", treatment="t", covariates=["x", "z"], method="regression")
