"""Kaplan-Meier numbers against lifelines 0.30.0 (KaplanMeierFitter), the reference implementation.

Reference: lifelines.KaplanMeierFitter.fit(durations, event_observed[, weights]) — survival_function_
and confidence_interval_ (Greenwood variance on the log(-log) scale, Kalbfleisch & Prentice 2002,
eq. 1.10). Every check is to 1e-9.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from svimpact.datasets.durations import simulate_sustainment
from svimpact.estimators.sustainment import estimate_sustainment
from svimpact.estimators.sustainment.km import greenwood_loglog, km_table, log_km_influence
from svimpact.io.durations import durations_from_dates

lifelines = pytest.importorskip("lifelines")


def _sample(seed: int = 3):
    sim = simulate_sustainment(seed=seed)
    days, ended = durations_from_dates(sim.data, "start", "end", sim.cutoff)
    return sim, days, ended


def _fit(days, ended, weights=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lifelines warns that non-integer weights look like propensity weights
        return lifelines.KaplanMeierFitter().fit(days, ended, weights=weights)


@pytest.mark.parametrize("seed", [3, 11])
def test_participants_km_and_interval_equal_lifelines(seed):
    sim, days, ended = _sample(seed)
    treated = sim.data["treated"].to_numpy() == 1
    ref = _fit(days[treated], ended[treated])
    times = ref.survival_function_.index.to_numpy()
    tab = km_table(days[treated], ended[treated])
    np.testing.assert_allclose(tab.at(times), ref.survival_function_.iloc[:, 0], atol=1e-9, rtol=0)
    lo, hi = greenwood_loglog(tab.at(times), tab.greenwood_at(times), 0.95)
    ci = ref.confidence_interval_
    ok = np.isfinite(lo)
    np.testing.assert_allclose(lo[ok], ci.iloc[:, 0].to_numpy()[ok], atol=1e-9, rtol=0)
    np.testing.assert_allclose(hi[ok], ci.iloc[:, 1].to_numpy()[ok], atol=1e-9, rtol=0)
    # the public function gives the same number and interval at 12 months
    est = estimate_sustainment(sim.data, start="start", end="end", cutoff=sim.cutoff, horizon=12,
                               treatment="treated", covariates=sim.covariates)
    h = 12 * 365.25 / 12
    assert est.participants.value == pytest.approx(float(ref.predict(h)), abs=1e-9)
    at = ci.index.to_numpy()[ci.index.to_numpy() <= h].max()
    assert est.participants.lower == pytest.approx(ci.loc[at].iloc[0], abs=1e-9)
    assert est.participants.upper == pytest.approx(ci.loc[at].iloc[1], abs=1e-9)


def test_weighted_km_equals_lifelines_with_weights():
    sim, days, ended = _sample()
    est = estimate_sustainment(sim.data, start="start", end="end", cutoff=sim.cutoff, horizon=[6, 12],
                               treatment="treated", covariates=sim.covariates)
    # the ATT weights the estimator used, refitted here with statsmodels' logit as a second reference
    import statsmodels.api as sm

    t = sim.data["treated"].to_numpy()
    X = sm.add_constant(sim.data[list(sim.covariates)].astype(float))
    p = sm.Logit(t, X).fit(disp=0).predict(X)
    comp = t == 0
    ref = _fit(days[comp], ended[comp], weights=(p / (1 - p))[comp])
    for label, months in (("6 months", 6), ("12 months", 12)):
        assert est[label].counterfactual.value == pytest.approx(float(ref.predict(months * 365.25 / 12)), abs=1e-9)
    curve = est.curves.query("group == 'comparison, reweighted'")
    np.testing.assert_allclose(curve.survival, ref.predict(curve.day.to_numpy()).to_numpy(), atol=1e-9, rtol=0)


def test_influence_sum_of_squares_is_greenwood_for_unit_weights():
    # with unit weights, the linearisation variance of log S equals Greenwood's formula exactly
    _, days, ended = _sample()
    h = np.array([100.0, 365.25])
    infl = log_km_influence(days, ended, h)
    tab = km_table(days, ended)
    np.testing.assert_allclose((infl ** 2).sum(axis=0), tab.greenwood_at(h), rtol=1e-10)
    np.testing.assert_allclose(infl.sum(axis=0), 0.0, atol=1e-12)


def test_horizon_keys_numbers_at_risk_and_determinism():
    sim, days, ended = _sample()
    a = estimate_sustainment(sim.data, start="start", end="end", cutoff=sim.cutoff, horizon=["26 weeks", 12],
                             treatment="treated", covariates=sim.covariates, seed=5)
    b = estimate_sustainment(sim.data, start="start", end="end", cutoff=sim.cutoff, horizon=["26 weeks", 12],
                             treatment="treated", covariates=sim.covariates, seed=5)
    assert list(a) == ["26 weeks", "12 months"]
    np.testing.assert_array_equal(a["12 months"].draws.deadweight, b["12 months"].draws.deadweight)
    treated = sim.data["treated"].to_numpy() == 1
    ar = a["12 months"].at_risk_participants
    d, e = days[treated], ended[treated].astype(bool)
    assert ar.at_risk == int((d >= 365.25).sum()) and ar.n == treated.sum()
    assert ar.events == int((e & (d <= 365.25)).sum())
    assert ar.events + ar.at_risk + ar.still_going_short == ar.n
    r = a["12 months"]
    assert r.att.value == pytest.approx(r.participants.value - r.counterfactual.value)
    assert r.deadweight.value == pytest.approx(r.counterfactual.value / r.participants.value)
    for iv in (r.participants, r.counterfactual):
        assert 0 <= iv.lower <= iv.value <= iv.upper <= 1


def test_bad_dates_name_column_and_rows_not_values():
    df = pd.DataFrame({"start": ["2024-04-01", "2024-05-01", "2024-06-01", None],
                       "end": ["2024-03-01", None, "2025-06-01", None]})
    from svimpact.exceptions import InputDataError

    with pytest.raises(InputDataError, match=r"column 'start': has missing start dates \(row 4\)"):
        estimate_sustainment(df, start="start", end="end", cutoff="2025-03-31", horizon=12)
    df.loc[3, "start"] = "2024-07-01"
    with pytest.raises(InputDataError, match=r"column 'end': has end dates before the start date \(row 1\)") as err:
        estimate_sustainment(df, start="start", end="end", cutoff="2025-03-31", horizon=12)
    assert "2024-03-01" not in str(err.value)
    df.loc[0, "end"] = None
    with pytest.raises(InputDataError, match=r"end dates after the data cut-off \(row 3\)"):
        estimate_sustainment(df, start="start", end="end", cutoff="2025-03-31", horizon=12)
    with pytest.raises(InputDataError, match=r"start dates after the data cut-off \(rows 1-4\)|after the data cut-off"):
        estimate_sustainment(df, start="start", end="end", cutoff="2024-01-01", horizon=12)
