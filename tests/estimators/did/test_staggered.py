"""Staggered adoption: group-time effects (Callaway and Sant'Anna 2021) against the R ``did`` package.

Reference numbers: ``data/mpdta_r_did_attgt.csv`` and ``data/mpdta_r_did_aggte.csv`` are R
``did``'s ``att_gt`` (yname = "lemp", tname = "year", idname = "countyreal", gname =
"first.treat", xformla = ~1, est_method = "dr", bstrap = FALSE) and ``aggte`` (simple, group,
dynamic, calendar; bstrap = FALSE) on ``mpdta``, with never-treated and not-yet-treated controls,
as produced by ``generate_reference.R`` in the csdid repository (d2cml-ai/csdid, MIT, whose
authors include Callaway and Sant'Anna), path csdid/test_csdid/r_ref/, commit
ca91c1fef4974bde0d973d7f4195328414130c92. ``data/mpdta.csv`` is csdid/data/mpdta.csv at that
commit (the R ``did`` package's example data: log teen employment in 500 US counties,
2003-2007). R's Wald pre-test statistic for the never-treated design is W = 7.79123662720035
(ref_pretest.csv).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _staggered_sim import simulate_staggered
from scipy import stats

from svimpact.estimators.did import estimate_did
from svimpact.estimators.did.staggered import StaggeredDidEstimate
from svimpact.exceptions import FewClustersWarning, InputDataError, ParamsError, StaggeredAdoptionWarning

DATA = Path(__file__).parent / "data"
CS = {"outcome": "lemp", "unit": "countyreal", "period": "year", "cohort": "first.treat"}
SCENARIOS = [("mpdta_nev_dr", "never"), ("mpdta_nyt_dr", "not_yet")]


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    return pd.read_csv(DATA / "mpdta.csv")


def _fit(df: pd.DataFrame, control_group: str, **kw) -> StaggeredDidEstimate:
    est = estimate_did(df, **CS, control_group=control_group, ssc="none", **kw)  # R's analytic SE: no G/(G-1)
    assert isinstance(est, StaggeredDidEstimate)
    return est


@pytest.mark.parametrize(("scenario", "control_group"), SCENARIOS)
def test_group_time_effects_match_r_did(mpdta, scenario, control_group):
    ref = pd.read_csv(DATA / "mpdta_r_did_attgt.csv").query("scenario == @scenario")
    gt = _fit(mpdta, control_group).group_time
    assert list(gt.cohort) == list(ref.group) and list(gt.period) == list(ref.t)
    np.testing.assert_allclose(gt.att, ref.att, rtol=0, atol=1e-9)
    np.testing.assert_allclose(gt.se, ref.se, rtol=0, atol=1e-9)


@pytest.mark.parametrize(("scenario", "control_group"), SCENARIOS)
def test_aggregations_match_r_did(mpdta, scenario, control_group):
    ref = pd.read_csv(DATA / "mpdta_r_did_aggte.csv").query("scenario == @scenario")
    est = _fit(mpdta, control_group)
    tables = {"group": est.by_group, "dynamic": est.event_time, "calendar": est.calendar}
    names = {"simple": "simple", "group": "group", "dynamic": "event", "calendar": "calendar"}
    for r_type, ours in names.items():
        r = ref[ref.type == r_type]
        overall = est.aggregations[ours]
        assert overall.value == pytest.approx(r.overall_att.iloc[0], abs=1e-9)
        q = stats.t.ppf(0.975, 499)
        assert (overall.upper - overall.lower) / (2 * q) == pytest.approx(r.overall_se.iloc[0], abs=1e-9)
        if r_type != "simple":
            np.testing.assert_allclose(tables[r_type].att, r.att_egt, atol=1e-9)
            np.testing.assert_allclose(tables[r_type].se, r.se_egt, atol=1e-9)
    assert est.att.value == pytest.approx(ref[ref.type == "simple"].overall_att.iloc[0], abs=1e-9)
    assert est.se == pytest.approx(ref[ref.type == "simple"].overall_se.iloc[0], abs=1e-9)


def test_pretrend_wald_statistic_matches_r_did(mpdta):
    est = _fit(mpdta, "never")
    W = stats.f.isf(est.pretrend_p, 5, 499) * 5  # svimpact reports F(q, G - 1); R the chi-square W
    assert pytest.approx(7.79123662720035, rel=1e-6) == W


def test_wrong_control_group_changes_the_numbers(mpdta):
    # The parity test can fail: not-yet-treated controls give other effects than never-treated ones.
    ref = pd.read_csv(DATA / "mpdta_r_did_attgt.csv").query("scenario == 'mpdta_nev_dr'")
    gt = _fit(mpdta, "not_yet").group_time
    assert np.abs(gt.att.to_numpy() - ref.att.to_numpy()).max() > 1e-3


def test_default_ssc_scales_se_by_g_over_g_minus_1(mpdta):
    a, b = _fit(mpdta, "never"), estimate_did(mpdta, **CS)
    assert b.se == pytest.approx(a.se * np.sqrt(500 / 499), rel=1e-12)


def test_tables_and_summary(mpdta):
    est = estimate_did(mpdta, **CS)
    assert {"cohort", "period", "base_period", "event_time", "phase", "att", "se", "lower", "upper",
            "n_treated", "n_control"} <= set(est.group_time.columns)
    assert list(est.event_time.event_time) == [-3, -2, -1, 0, 1, 2, 3]
    assert set(est.aggregations) == {"simple", "group", "calendar", "event"}
    assert est.att == est.aggregations["simple"]
    assert est.n_treated == 191 and est.n_comparison == 309
    assert "Aggregations of the group-time effects" in est.summary().text
    assert est.draws.att.size == 2000


def test_twfe_on_staggered_changing_effects_warns(mpdta):
    with pytest.warns(StaggeredAdoptionWarning, match="Two-way fixed effects with one post indicator on 3"):
        est = estimate_did(mpdta, **CS, twfe=True)
    assert est.att.value == pytest.approx(-0.0365, abs=1e-4)  # the did package's TWFE figure for mpdta
    assert est.method == "did (two-way fixed effects)"


def test_twfe_with_constant_effect_does_not_warn():
    df, _ = simulate_staggered(600, 6, 40, seed=4, dynamic=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", StaggeredAdoptionWarning)
        warnings.simplefilter("ignore", UserWarning)
        est = estimate_did(df, outcome="outcome", unit="unit", period="period", cohort="cohort", cluster="area",
                           twfe=True)
    assert est.att.value == pytest.approx(1.0, abs=0.3)


def test_twfe_on_simulated_dynamic_effects_is_biased_and_warns():
    df, truth = simulate_staggered(800, 6, 40, seed=5)
    with pytest.warns(StaggeredAdoptionWarning):
        tw = estimate_did(df, outcome="outcome", unit="unit", period="period", cohort="cohort", cluster="area",
                          twfe=True)
    cs = estimate_did(df, outcome="outcome", unit="unit", period="period", cohort="cohort", cluster="area")
    assert abs(cs.att.value - truth) < abs(tw.att.value - truth)


def test_cohort_errors_are_named(mpdta):
    with pytest.raises(ParamsError, match="either cohort="):
        estimate_did(mpdta, **CS, treated="treat", post="treat")
    with pytest.raises(ParamsError, match="needs a panel"):
        estimate_did(mpdta, outcome="lemp", cohort="first.treat", period="year")
    with pytest.raises(ParamsError, match="unknown control_group 'notyet'"):
        estimate_did(mpdta, **CS, control_group="notyet")
    odd = mpdta.assign(**{"first.treat": mpdta["first.treat"].replace(2006, 2005.5)})
    with pytest.raises(InputDataError, match="not among the periods"):
        estimate_did(odd, **CS)
    changing = mpdta.copy()
    changing.loc[0, "first.treat"] = 2006
    with pytest.raises(InputDataError, match="column 'first.treat': changes within unit"):
        estimate_did(changing, **CS)
    with pytest.raises(InputDataError, match="no never-treated units"):
        estimate_did(mpdta[mpdta["first.treat"] > 0], **CS)


def test_unbalanced_panel_refused_or_dropped_and_counted(mpdta):
    short = mpdta.drop(index=[0, 7])
    with pytest.raises(InputDataError, match="not balanced: 2 unit"):
        estimate_did(short, **CS)
    est = estimate_did(short, **CS, dropna=True)
    assert est.n_dropped == 8 and any("not observed in every period" in w for w in est.warnings)


def test_empty_cohort_means_never_treated_and_always_treated_dropped(mpdta):
    blank = mpdta.assign(**{"first.treat": mpdta["first.treat"].replace(0, np.nan)})
    a, b = estimate_did(mpdta, **CS), estimate_did(blank, **CS)
    assert a.att.value == b.att.value
    early = mpdta.copy()
    early.loc[early.countyreal == early.countyreal.iloc[0], "first.treat"] = 2003
    est = estimate_did(early, **CS)
    assert est.n_dropped == 5 and any("treated from the first period" in w for w in est.warnings)


def test_few_clusters_staggered_default_to_cluster_jackknife():
    df, _ = simulate_staggered(300, 6, 8, seed=2)
    cols = {"outcome": "outcome", "unit": "unit", "period": "period", "cohort": "cohort", "cluster": "area"}
    with pytest.warns(FewClustersWarning, match="only 8 clusters.*cluster jackknife"):
        est = estimate_did(df, **cols)
    assert est.se_method.startswith("cluster jackknife (CV3, 8 clusters, t with 7 df)")
    # two clusters per cohort cannot carry a joint test of six pre-period effects: skipped, with the reason
    assert est.pretrend_p is None and any("Pre-trend test skipped" in w for w in est.warnings)
    wild = _quiet(df, **cols, se="wild")
    assert "wild bootstrap-t (8 clusters, Webb weights" in wild.se_method
    clus = _quiet(df, **cols, se="cluster")
    assert clus.att.value == est.att.value == wild.att.value
    # the jackknife is wider than the cluster-robust t (CV1) interval it replaces
    assert est.att.upper - est.att.lower > clus.att.upper - clus.att.lower


def test_jackknife_equals_leave_one_cluster_out_by_hand():
    df, _ = simulate_staggered(200, 5, 6, seed=8)
    cols = {"outcome": "outcome", "unit": "unit", "period": "period", "cohort": "cohort"}
    est = _quiet(df, **cols, cluster="area", se="jackknife")
    reps = [_quiet(df[df.area != a], **cols, se="cluster").att.value for a in sorted(df.area.unique())]
    se = np.sqrt(5 / 6 * np.sum((np.array(reps) - np.mean(reps)) ** 2))
    assert est.se == pytest.approx(se, rel=1e-10)


def _quiet(df, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimate_did(df, **kw)
