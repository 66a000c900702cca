"""Options users expect (issue 13, item 3): pooled OLS, standard-error conventions, trimming, a
separate propensity model, the unadjusted difference, common-support counts, overlap warnings."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from svimpact.datasets.scenarios import simulate_scenario
from svimpact.datasets.simulate import simulate_programme
from svimpact.estimators.effects import UnreliableStandardErrorWarning, estimate_effect
from svimpact.estimators.effects.options import crump_cutoff
from svimpact.exceptions import OverlapWarning, ParamsError

KW = dict(outcome="outcome", treatment="treated")


@pytest.fixture(scope="module")
def sim():
    s = simulate_programme(400, 1600, seed=21)
    rng = np.random.default_rng(0)
    return s.data.assign(area=rng.integers(0, 60, len(s.data)), x1sq=s.data.x1**2), s.covariates


def _est(data, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimate_effect(data, **{**KW, **kw})


def _sm_ols(data, covs):
    X = sm.add_constant(np.column_stack([data.treated, pd.get_dummies(data[covs], drop_first=True, dtype=float)]))
    return sm.OLS(data.outcome.to_numpy(), X)


@pytest.mark.parametrize(("se", "cov_type", "cov_kwds"), [
    ("hc1", "HC1", None), ("classical", "nonrobust", None), ("hc0", "HC0", None),
    ("cluster", "cluster", "area"),
])
def test_ols_matches_statsmodels(sim, se, cov_type, cov_kwds):
    data, covs = sim
    kw = {} if cov_kwds is None else {"cluster": cov_kwds}
    e = _est(data, covariates=covs, method="ols", se=se, **kw)
    fit_kw = {} if cov_kwds is None else {"cov_kwds": {"groups": data[cov_kwds].to_numpy()}}
    ref = _sm_ols(data, list(covs)).fit(cov_type=cov_type, **fit_kw)
    assert e.att.value == pytest.approx(ref.params[1], rel=1e-9)
    assert e.se == pytest.approx(ref.bse[1], rel=1e-8)
    assert e.sms_level == 2 and "pooled OLS" in e.se_method
    assert e.counterfactual.value == pytest.approx(e.observed.value - e.att.value)


def test_default_ols_se_is_hc1_like_stata_regress_robust(sim):
    data, covs = sim
    assert _est(data, covariates=covs, method="ols").params["se"] == "hc1"


def test_hc1_and_cluster_forms_of_the_sandwich(sim):
    data, covs = sim
    hc0 = _est(data, covariates=covs, method="ipw")
    hc1 = _est(data, covariates=covs, method="ipw", se="hc1")
    n, k = len(data), 5 + 1 + 2  # intercept, 5 covariate columns, tau and mu0
    assert hc1.se == pytest.approx(hc0.se * np.sqrt(n / (n - k)), rel=1e-12)
    assert hc1.att.value == hc0.att.value
    # Every unit its own cluster: the HC0 sandwich times sqrt(G / (G - 1)).
    own = _est(data.assign(unit=np.arange(n)), covariates=covs, method="aipw", cluster="unit")
    ref = _est(data, covariates=covs, method="aipw")
    assert own.se == pytest.approx(ref.se * np.sqrt(n / (n - 1)), rel=1e-10)
    # Clusters that group similar people change the standard error.
    assert _est(data, covariates=covs, method="aipw", cluster="area").se != pytest.approx(ref.se, rel=1e-3)


def test_few_clusters_warn(sim):
    data, covs = sim
    with pytest.warns(UnreliableStandardErrorWarning, match="Only 8 clusters"):
        estimate_effect(data.assign(area=data.area % 8), **KW, covariates=covs, method="ipw", se="cluster",
                        cluster="area")


def test_trimming_pair_drops_units_outside_the_bounds(sim):
    data, covs = sim
    e = _est(data, covariates=covs, method="ipw", trim=(0.1, 0.9))
    X = sm.add_constant(np.column_stack([data[["x1", "x2", "x3"]],
                                         pd.get_dummies(data.benefit_type, drop_first=True, dtype=float)]))
    p = sm.Logit(data.treated.to_numpy(), X).fit(disp=0).predict(X)
    out = (p < 0.1) | (p > 0.9)
    assert e.n_trimmed_treated == int((out & (data.treated == 1)).sum())
    assert e.n_trimmed_comparison == int((out & (data.treated == 0)).sum()) > 0
    assert e.n_treated == int((~out & (data.treated == 1)).sum())
    assert e.params["trim_bounds"] == (0.1, 0.9)
    assert "Propensity trimming" in str(e)


def test_crump_rule():
    # Scores spread over (0, 1): the rule's cutoff solves 1/(a(1-a)) = 2 E[v | v <= 1/(a(1-a))].
    rng = np.random.default_rng(2)
    p = 1 / (1 + np.exp(-rng.normal(0, 2.5, 20000)))
    a = crump_cutoff(p)
    v = 1 / (p * (1 - p))
    gamma = 1 / (a * (1 - a))
    assert gamma == pytest.approx(2 * v[v <= gamma].mean(), rel=1e-2)
    assert 0.05 < a < 0.15
    # Good overlap: nothing to drop.
    assert crump_cutoff(rng.uniform(0.3, 0.7, 5000)) == 0.0
    poor = simulate_scenario("poor_overlap", n=3000, seed=1).data
    e = _est(poor, outcome="outcome", covariates=["x1", "x2", "x3"], method="aipw", trim="crump")
    low, high = e.params["trim_bounds"]
    assert low == pytest.approx(1 - high) and 0 < low < 0.2
    assert e.n_trimmed_comparison > 0


def test_separate_propensity_covariates(sim):
    data, covs = sim
    # IPW uses only the propensity model: covariates then only add balance rows.
    a = _est(data, covariates=covs, method="ipw", propensity_covariates=["x1", "x2"])
    b = _est(data, covariates=["x1", "x2"], method="ipw")
    assert a.att.value == pytest.approx(b.att.value, rel=1e-12)
    assert a.se == pytest.approx(b.se, rel=1e-10)
    assert list(a.balance.covariate) == ["x1", "x2", "x3", "benefit_type[JSA]", "benefit_type[UC]"]
    # AIPW: outcome model on the covariates, propensity model on x1 and its square.
    c = _est(data, covariates=covs, method="aipw", propensity_covariates=["x1", "x1sq"])
    assert c.att.value != pytest.approx(_est(data, covariates=covs, method="aipw").att.value, rel=1e-6)
    assert "x1sq" in list(c.balance.covariate)
    assert c.params["propensity_covariates"] == ("x1", "x1sq")


def test_naive_difference_and_common_support_counts(sim):
    data, covs = sim
    e = _est(data, covariates=covs, method="aipw")
    yt, yc = data.outcome[data.treated == 1], data.outcome[data.treated == 0]
    assert e.naive.value == pytest.approx(yt.mean() - yc.mean())
    assert e.naive.width == pytest.approx(2 * 1.959964 * np.sqrt(yt.var() / len(yt) + yc.var() / len(yc)), rel=1e-5)
    st, sc = e.overlap.scores_treated, e.overlap.scores_comparison
    assert e.n_comparison_below == int((sc < st.min()).sum())
    assert e.n_comparison_above == int((sc > st.max()).sum())
    assert e.n_comparison_below + e.n_comparison_above > 0
    assert _est(data, method="difference").n_comparison_below is None


def test_overlap_warns_on_effective_sample_size():
    sim = simulate_programme(300, 1500, confounding=1.5, seed=2)
    with pytest.warns(OverlapWarning, match=r"counts as about 105 people \(Kish effective sample size\) out of 1,500"):
        e = estimate_effect(sim.data, **KW, covariates=sim.covariates, method="ipw")
    assert e.effective_n_comparison == pytest.approx(105.3, abs=0.1)
    assert e.overlap.effective_n == pytest.approx(e.effective_n_comparison)
    good = simulate_programme(300, 1500, confounding=0.2, seed=1).data
    with warnings.catch_warnings():
        warnings.simplefilter("error", OverlapWarning)
        estimate_effect(good, **KW, covariates=["x1", "x2", "x3"], method="ipw")


@pytest.mark.parametrize(("kw", "message"), [
    ({"method": "ipw", "se": "classical"}, r"unknown se 'classical'; choose one of 'hc0', 'hc1', 'cluster'"),
    ({"method": "psm", "se": "hc1"}, r"unknown se 'hc1'; choose one of 'ai', 'bootstrap'"),
    ({"method": "ipw", "se": "cluster"}, r"se='cluster' needs cluster="),
    ({"method": "ipw", "cluster": "area", "se": "hc1"}, r"use se='cluster'"),
    ({"method": "ipw", "trim": (0.9, 0.1)}, r"trim needs 0 <= low < high <= 1"),
    ({"method": "ipw", "trim": "tight"}, r"unknown trim 'tight'"),
    ({"method": "psm", "match_on": "index"}, r"unknown match_on 'index'"),
    ({"method": "ipw", "propensity_model": "cloglog"}, r"unknown propensity_model 'cloglog'"),
    ({"method": "ipw", "propensity_covariates": "x1"}, r"propensity_covariates must be a list"),
    ({"method": "psm", "se": "bootstrap", "n_boot": 10}, r"n_boot must be at least 50"),
])
def test_bad_options_name_the_choices(sim, kw, message):
    data, covs = sim
    with pytest.raises(ParamsError, match=message):
        estimate_effect(data, **KW, covariates=covs, **kw)


def test_ols_and_difference_need_no_covariates(sim):
    data, _ = sim
    ols = _est(data, method="ols")
    diff = _est(data, method="difference", se="hc1")
    assert ols.att.value == pytest.approx(diff.att.value, rel=1e-10)
    assert ols.se == pytest.approx(diff.se, rel=1e-10)
    classical = _est(data, method="difference", se="classical")
    yt, yc = data.outcome[data.treated == 1], data.outcome[data.treated == 0]
    sp2 = ((len(yt) - 1) * yt.var() + (len(yc) - 1) * yc.var()) / (len(data) - 2)
    assert classical.se == pytest.approx(np.sqrt(sp2 * (1 / len(yt) + 1 / len(yc))), rel=1e-10)
