"""Unit tests for svimpact.estimators.effects (comparison-group ATT estimators)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.treatment.treatment_effects import TreatmentEffect

from svimpact.datasets.simulate import simulate_programme
from svimpact.estimators.effects import METHODS, EffectEstimate, estimate_effect
from svimpact.estimators.effects.covariance import aipw_ate
from svimpact.exceptions import InputDataError, ParamsError

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture(scope="module")
def sim():
    return simulate_programme(400, 2000, seed=11)


def _sm_setup(sim):
    """statsmodels TreatmentEffect on the same design (benefit_type one-hot, ESA reference)."""
    df = sim.data
    X = np.column_stack([np.ones(len(df)), df[["x1", "x2", "x3"]].to_numpy(),
                         (df.benefit_type == "JSA").to_numpy(float),
                         (df.benefit_type == "UC").to_numpy(float)])
    t = df.treated.to_numpy()
    y = df.outcome.to_numpy()
    rs = sm.Logit(t, X).fit(disp=0)
    return y, t, X, rs, TreatmentEffect(sm.OLS(y, X), t, results_select=rs)


@pytest.mark.parametrize("method", ["regression", "ipw"])
def test_matches_statsmodels_treatment_effect_att(sim, method):
    # Reference: statsmodels.treatment.treatment_effects.TreatmentEffect, effect_group=1 (ATT).
    *_, te = _sm_setup(sim)
    ref = te.ra(effect_group=1) if method == "regression" else te.ipw(effect_group=1)
    est = estimate_effect(sim.data, outcome="outcome", treatment="treated",
                          covariates=sim.covariates, method=method)
    # Closed-form point estimates (return_results=False) agree to rounding; the GMM results
    # object re-optimises by Nelder-Mead, so its numbers agree to the optimiser's tolerance.
    closed = (te.ra if method == "regression" else te.ipw)(return_results=False, effect_group=1)
    assert est.att.value == pytest.approx(closed[0], rel=1e-9)
    assert est.counterfactual.value == pytest.approx(closed[1], rel=1e-9)
    assert est.att.value == pytest.approx(ref.effect[0], rel=1e-4)
    assert est.se == pytest.approx(float(np.ravel(ref.sd)[0]), rel=1e-3)


def test_aipw_machinery_matches_statsmodels_aipw_ate(sim):
    # statsmodels' aipw() computes the ATE only (no effect on the treated), so the shared
    # sandwich code is checked through its ATE variant against TreatmentEffect.aipw().
    y, t, X, rs, te = _sm_setup(sim)
    ref = te.aipw()
    b0 = sm.OLS(y[t == 0], X[t == 0]).fit().params
    b1 = sm.OLS(y[t == 1], X[t == 1]).fit().params
    mine = aipw_ate(y, t.astype(float), X, np.asarray(rs.params), b0, b1)
    assert mine.att == pytest.approx(te.aipw(return_results=False)[0], rel=1e-9)
    assert mine.att == pytest.approx(ref.effect[0], rel=1e-4)
    assert mine.se_att == pytest.approx(float(np.ravel(ref.sd)[0]), rel=1e-3)
    assert mine.se_counterfactual == pytest.approx(float(np.ravel(ref.sd)[1]), rel=1e-3)


def test_aipw_att_equals_hand_formula(sim):
    est = estimate_effect(sim.data, outcome="outcome", treatment="treated",
                          covariates=sim.covariates, method="aipw")
    y, t, X, rs, _ = _sm_setup(sim)
    m0 = X @ sm.OLS(y[t == 0], X[t == 0]).fit().params
    e = np.exp(X @ rs.params)
    c = t == 0
    cf = m0[t == 1].mean() + (e[c] * (y[c] - m0[c])).sum() / e[c].sum()
    assert est.counterfactual.value == pytest.approx(cf, rel=1e-8)


@pytest.mark.parametrize("method", list(METHODS))
def test_every_method_returns_a_full_estimate(sim, method):
    est = estimate_effect(sim.data, outcome="outcome", treatment="treated",
                          covariates=sim.covariates, method=method, seed=3, n_draws=500)
    assert isinstance(est, EffectEstimate)
    assert est.sms_level == METHODS[method]
    assert est.draws.n_draws == 500
    assert est.att.lower < est.att.value < est.att.upper
    assert est.observed.value - est.att.value == pytest.approx(est.counterfactual.value)
    assert est.deadweight.value == pytest.approx(est.counterfactual.value / est.observed.value)
    np.testing.assert_allclose(est.draws.counterfactual, est.observed.value - est.draws.att)
    frame = est.to_frame()
    assert frame["measure"].iloc[0].startswith("ATT")
    assert "Maryland" in str(est)
    assert list(est.balance["covariate"]) == ["x1", "x2", "x3", "benefit_type[JSA]",
                                              "benefit_type[UC]"]


def test_same_seed_same_result(sim):
    kw = dict(outcome="outcome", treatment="treated", covariates=sim.covariates, method="psm",
              n_boot=60)
    a = estimate_effect(sim.data, seed=5, **kw)
    b = estimate_effect(sim.data, seed=5, **kw)
    np.testing.assert_array_equal(a.draws.att, b.draws.att)
    np.testing.assert_array_equal(a.draws.replicates, b.draws.replicates)
    assert a.att == b.att


def test_adjustment_improves_balance(sim):
    est = estimate_effect(sim.data, outcome="outcome", treatment="treated",
                          covariates=sim.covariates, method="ipw")
    assert (est.balance.smd_before.abs() > 0.1).any()
    assert (est.balance.smd_after.abs() < 0.05).all()


def test_binary_outcome_counterfactual_within_unit_interval():
    sim = simulate_programme(300, 1500, outcome="binary", effect=2.0, seed=4)
    for method in ("regression", "ipw", "aipw", "psm"):
        est = estimate_effect(sim.data, outcome="outcome", treatment="treated",
                              covariates=sim.covariates, method=method, n_boot=50)
        assert est.outcome_type == "binary"
        assert 0 <= est.counterfactual.lower <= est.counterfactual.upper <= 1
        assert ((est.draws.counterfactual >= 0) & (est.draws.counterfactual <= 1)).all()


def test_lead_call_with_string_categories():
    rng = np.random.default_rng(0)
    n = 600
    df = pd.DataFrame({
        "age": rng.normal(40, 10, n),
        "benefit_type": rng.choice(["UC", "ESA", "JSA"], n),
        "placed": rng.integers(0, 2, n),
    })
    df["sustained_12m"] = (rng.random(n) < 0.3 + 0.2 * df.placed).astype(int)
    est = estimate_effect(df, outcome="sustained_12m", treatment="placed",
                          covariates=["age", "benefit_type"], method="aipw", seed=1)
    assert est.n_treated + est.n_comparison == n
    assert 0 <= est.deadweight.value <= 1.5


def test_negative_outcome_has_no_deadweight(sim):
    df = sim.data.assign(outcome=sim.data.outcome - 20)
    est = estimate_effect(df, outcome="outcome", treatment="treated",
                          covariates=sim.covariates, method="ipw")
    assert np.isnan(est.deadweight.value)
    assert np.isnan(est.draws.deadweight).all()
    assert any("Deadweight share not given" in n for n in est._notes())


# --- bad input -------------------------------------------------------------------------------

def test_treatment_not_binary_names_column(sim):
    df = sim.data.assign(treated=sim.data.treated.replace({1: 2}))
    with pytest.raises(InputDataError, match=r"column 'treated': must be coded 0/1.*\[2\.0\]"):
        estimate_effect(df, outcome="outcome", treatment="treated", covariates=["x1"])


def test_text_treatment_names_column(sim):
    df = sim.data.assign(treated=np.where(sim.data.treated == 1, "yes", "no"))
    with pytest.raises(InputDataError, match="column 'treated'.*text values"):
        estimate_effect(df, outcome="outcome", treatment="treated", covariates=["x1"])


def test_constant_covariate_names_column(sim):
    df = sim.data.assign(region="LCR")
    with pytest.raises(InputDataError, match="column 'region': has no variation"):
        estimate_effect(df, outcome="outcome", treatment="treated", covariates=["x1", "region"])


def test_missing_values_name_column_and_rows(sim):
    df = sim.data.copy()
    df.loc[[4, 9], "x2"] = np.nan
    with pytest.raises(InputDataError, match=r"column 'x2': has 2 missing.*rows 5, 10"):
        estimate_effect(df, outcome="outcome", treatment="treated", covariates=["x1", "x2"])
    est = estimate_effect(df, outcome="outcome", treatment="treated",
                          covariates=["x1", "x2"], method="ipw", dropna=True)
    assert est.n_dropped == 2
    assert "2 rows with missing values were dropped" in str(est)


def test_no_overlap_names_column(sim):
    df = sim.data.copy()
    df["income"] = np.where(df.treated == 1, 100.0, 10.0) + df.x1
    with pytest.raises(InputDataError, match="column 'income'.*no overlap"):
        estimate_effect(df, outcome="outcome", treatment="treated",
                        covariates=["x1", "income"], method="ipw")


def test_poor_overlap_warns_in_plain_english():
    sim = simulate_programme(300, 1500, confounding=2.5, seed=2)
    with pytest.warns(UserWarning, match="Poor overlap: .* participants"):
        estimate_effect(sim.data, outcome="outcome", treatment="treated",
                        covariates=sim.covariates, method="ipw")


def test_imbalance_warns(sim):
    with pytest.warns(UserWarning, match="Balance check failed.*x1"):
        estimate_effect(sim.data, outcome="outcome", treatment="treated",
                        covariates=sim.covariates, method="difference")


def test_unknown_method_lists_choices(sim):
    with pytest.raises(ParamsError, match="unknown method 'matching'; choose one of difference"):
        estimate_effect(sim.data, outcome="outcome", treatment="treated",
                        covariates=["x1"], method="matching")


def test_missing_column_suggests(sim):
    with pytest.raises(InputDataError, match="column 'outcom'.*did you mean 'outcome'"):
        estimate_effect(sim.data, outcome="outcom", treatment="treated", covariates=["x1"])


def test_collinear_covariate_named(sim):
    df = sim.data.assign(x1_copy=sim.data.x1 * 2)
    with pytest.raises(InputDataError, match="x1_copy.*linear combination"):
        estimate_effect(df, outcome="outcome", treatment="treated",
                        covariates=["x1", "x1_copy"], method="ipw")


def test_psm_caliper_counts_unmatched():
    sim = simulate_programme(300, 1500, confounding=1.5, seed=8)
    est = estimate_effect(sim.data, outcome="outcome", treatment="treated",
                          covariates=sim.covariates, method="psm", caliper=0.05, n_boot=50)
    assert est.n_unmatched > 0
    assert est.n_treated + est.n_unmatched == 300
    assert "no match within the caliper" in str(est)
