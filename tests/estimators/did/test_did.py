"""Tests for svimpact.estimators.did (difference-in-differences)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import statsmodels.formula.api as smf

from svimpact.datasets.simulate import simulate_did
from svimpact.estimators.did import estimate_did
from svimpact.exceptions import InputDataError

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def test_2x2_cross_section_matches_statsmodels_formula():
    # Reference: the textbook 2x2 regression y ~ treated * post with cluster-robust errors.
    sim = simulate_did(400, 2, n_clusters=40, panel=False, seed=3)
    df = sim.data
    ref = smf.ols("outcome ~ treated * post", df).fit(
        cov_type="cluster", cov_kwds={"groups": df.area})
    est = estimate_did(df, outcome="outcome", treated="treated", post="post", cluster="area")
    assert est.att.value == pytest.approx(ref.params["treated:post"], rel=1e-10)
    assert est.se == pytest.approx(ref.bse["treated:post"], rel=1e-8)
    assert est.sms_level == 3 and est.method == "did"


def test_panel_fixed_effects_equal_first_differences():
    sim = simulate_did(300, 2, n_clusters=40, seed=4)
    df = sim.data
    wide = df.pivot(index="unit", columns="period", values="outcome")
    g = df.groupby("unit").treated.first()
    dy = wide[1] - wide[0]
    hand = dy[g == 1].mean() - dy[g == 0].mean()
    est = estimate_did(df, outcome="outcome", treated="treated", post="post", unit="unit")
    assert est.att.value == pytest.approx(hand, rel=1e-10)
    assert est.n_treated == int((g == 1).sum())


def test_event_study_and_pretrend():
    sim = simulate_did(600, 6, n_clusters=60, seed=5)
    est = estimate_did(sim.data, outcome="outcome", treated="treated", post="post",
                       unit="unit", period="period", cluster="area")
    es = est.event_study
    assert list(es.phase) == ["pre", "pre", "post", "post", "post"]
    assert est.pretrend_p is not None and 0 <= est.pretrend_p <= 1
    assert est.att.value == pytest.approx(es.loc[es.phase == "post", "effect"].mean())


def test_pretrend_failure_warns():
    sim = simulate_did(600, 6, n_clusters=60, seed=6)
    df = sim.data.copy()
    df.loc[df.treated == 1, "outcome"] += 0.8 * df.loc[df.treated == 1, "period"]
    with pytest.warns(UserWarning, match="Pre-trend check failed"):
        estimate_did(df, outcome="outcome", treated="treated", post="post", unit="unit",
                     period="period", cluster="area")


def test_few_clusters_use_wild_bootstrap():
    sim = simulate_did(400, 2, n_clusters=10, seed=7)
    est = estimate_did(sim.data, outcome="outcome", treated="treated", post="post",
                       unit="unit", cluster="area", seed=2)
    assert "wild cluster bootstrap" in est.se_method
    again = estimate_did(sim.data, outcome="outcome", treated="treated", post="post",
                         unit="unit", cluster="area", seed=2)
    np.testing.assert_array_equal(est.draws.att, again.draws.att)


def test_treated_must_be_fixed_within_unit():
    sim = simulate_did(100, 2, seed=1)
    df = sim.data.copy()
    df.loc[0, "treated"] = 1 - df.loc[0, "treated"]
    with pytest.raises(InputDataError, match="column 'treated': changes within unit"):
        estimate_did(df, outcome="outcome", treated="treated", post="post", unit="unit")


def test_missing_values_named():
    sim = simulate_did(100, 2, seed=1)
    df = sim.data.copy()
    df.loc[3, "age"] = np.nan
    with pytest.raises(InputDataError, match="column 'age': has 1 missing.*row 4"):
        estimate_did(df, outcome="outcome", treated="treated", post="post",
                     covariates=["age"])


def _coverage(n_sims: int, **kw) -> tuple[float, float, float]:
    est, cover = np.empty(n_sims), np.empty(n_sims, dtype=bool)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in range(n_sims):
            sim = simulate_did(seed=100 + i, **kw)
            e = estimate_did(sim.data, outcome="outcome", treated="treated", post="post",
                             unit="unit" if kw.get("panel", True) else None,
                             covariates=["age"], cluster="area", seed=i, n_boot=399)
            est[i], cover[i] = e.att.value, e.att.contains(sim.true_att)
    return est.mean(), est.std(ddof=1) / np.sqrt(n_sims), cover.mean()


@pytest.mark.slow
@pytest.mark.parametrize("kw", [
    {"n_units": 400, "n_clusters": 40},
    {"n_units": 400, "n_clusters": 40, "panel": False},
    {"n_units": 300, "n_clusters": 12},
])
def test_did_coverage(kw):
    mean, mc_se, cover = _coverage(300, **kw)
    assert abs(mean - 1.0) < 3 * mc_se
    assert 0.92 <= cover <= 0.98, cover
