"""DiD never breaks on small designs: clear svimpact errors, the wild bootstrap with few clusters."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from svimpact.datasets.simulate import simulate_did
from svimpact.estimators.did import estimate_did
from svimpact.estimators.did.covariance import cr1_factor, fit_ols
from svimpact.estimators.did.wild import _Replicates, _weights, wild_cluster_interval
from svimpact.exceptions import EstimationError, FewClustersWarning, ParamsError

ARGS = {"outcome": "outcome", "treated": "treated", "post": "post"}


def _quiet(**kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimate_did(**kw)


def test_two_clusters_one_treated_is_a_clear_error_not_a_zero_width_interval():
    # Before: SE 2e-14 and a zero-width interval, no warning.
    sim = simulate_did(200, 2, n_clusters=2, seed=1)
    with pytest.raises(EstimationError, match="only 1 cluster\\(s\\) hold participants"):
        _quiet(data=sim.data, **ARGS, unit="unit", cluster="area")


def test_four_row_2x2_is_saturated_error_not_nan():
    # Before: SE NaN. One observation per cell: no residual variation.
    d = pd.DataFrame({"outcome": [1.0, 2.0, 3.0, 5.0], "treated": [0, 0, 1, 1], "post": [0, 1, 0, 1]})
    with pytest.raises(EstimationError, match="saturated: 4 observations for 4 parameters"):
        estimate_did(d, **ARGS)


def test_four_rows_in_two_clusters_is_saturated_error_not_indexerror():
    d = pd.DataFrame({"outcome": [1.0, 2.0, 3.0, 5.0], "treated": [0, 0, 1, 1], "post": [0, 1, 0, 1],
                      "area": [0, 1, 0, 1]})
    with pytest.raises(EstimationError, match="saturated"):
        _quiet(data=d, **ARGS, cluster="area")


def test_saturated_event_study_is_clear_error_not_statsmodels_valueerror():
    # One participant and one comparison unit over four periods: 8 rows, 8 parameters.
    d = pd.DataFrame({"unit": np.repeat([1, 2], 4), "period": np.tile(range(4), 2),
                      "treated": np.repeat([1, 0], 4), "outcome": np.arange(8.0) ** 1.5})
    d["post"] = (d.period >= 2).astype(int)
    with pytest.raises(EstimationError, match="saturated: 8 observations for 8 parameters"):
        estimate_did(d, **ARGS, unit="unit", period="period", se="hc1")


def test_one_cluster_is_clear_error():
    sim = simulate_did(200, 2, n_clusters=40, seed=1)
    d = sim.data.assign(one=1)
    with pytest.raises(EstimationError, match="all rows are in one cluster"):
        estimate_did(d, **ARGS, cluster="one", se="cluster")


def test_pretrend_test_skipped_with_reason_when_clusters_cannot_carry_it():
    # 6 clusters, 5 pre-period effects: a CRVE has rank <= 5, the joint test needs 5 and more df.
    sim = simulate_did(600, 8, n_clusters=6, first_post=6, seed=3)
    est = _quiet(data=sim.data, **ARGS, unit="unit", period="period", cluster="area", n_boot=199)
    assert est.pretrend_p is None
    assert any("Pre-trend test skipped" in w for w in est.warnings)
    assert est.event_study is not None and np.isfinite(est.event_study[["lower", "upper"]].to_numpy()).all()


@pytest.mark.parametrize(("n_clusters", "weights"), [(8, "Webb"), (20, "Rademacher")])
def test_few_clusters_default_to_wild_bootstrap_with_warning(n_clusters, weights):
    sim = simulate_did(400, 2, n_clusters=n_clusters, seed=7)
    with pytest.warns(FewClustersWarning, match=f"only {n_clusters} clusters"):
        est = estimate_did(sim.data, **ARGS, unit="unit", cluster="area")
    assert "restricted wild cluster bootstrap" in est.se_method and weights in est.se_method
    assert est.att.lower < est.att.value < est.att.upper
    # 30+ clusters: cluster-robust t, no warning
    sim = simulate_did(400, 2, n_clusters=30, seed=7)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FewClustersWarning)
        est = estimate_did(sim.data, **ARGS, unit="unit", cluster="area")
    assert est.se_method.startswith("cluster-robust (CR1, 30 clusters")


def test_wild_interval_wider_than_cluster_t_with_few_clusters():
    sim = simulate_did(300, 2, n_clusters=6, seed=11)
    wild = _quiet(data=sim.data, **ARGS, unit="unit", cluster="area", se="wild")
    clus = _quiet(data=sim.data, **ARGS, unit="unit", cluster="area", se="cluster")
    assert wild.att.value == pytest.approx(clus.att.value)
    assert wild.se == pytest.approx(clus.se)  # the same CR1 standard error is reported
    assert wild.att.upper - wild.att.lower > 0


def test_unknown_se_named():
    sim = simulate_did(100, 2, seed=1)
    with pytest.raises(ParamsError, match="unknown standard error 'robust'; choose one of classical, hc1"):
        estimate_did(sim.data, **ARGS, se="robust")


def _toy(G: int = 9, n: int = 150, seed: int = 0):
    rng = np.random.default_rng(seed)
    cl = rng.integers(0, G, n)
    X = np.column_stack([np.ones(n), rng.normal(size=n), (cl < G // 2).astype(float), rng.normal(size=n)])
    y = X @ [1, 2, 0.5, 0.3] + rng.normal(size=n) + rng.normal(size=G)[cl]
    return fit_ols(y, X, list("abcd")), cl, y, X


def _brute_p(fit, cl, y, X, c, r, V, factor):
    """Re-fit every replicate under the null c'b = r: the definition of the WCR p-value."""
    B, G = fit.bread, V.shape[1]
    b_r = fit.params - B @ c * (c @ fit.params - r) / (c @ B @ c)
    u_r = y - X @ b_r

    def crse(e):
        S = np.array([X[cl == g].T @ e[cl == g] for g in range(G)])
        return np.sqrt(factor * c @ B @ S.T @ S @ B @ c)

    t = (c @ fit.params - r) / crse(fit.resid)
    t_star = []
    for v in V:
        ys = X @ b_r + v[cl] * u_r
        bs = B @ X.T @ ys
        t_star.append((c @ bs - r) / crse(ys - X @ bs))
    return np.mean(np.abs(t_star) >= abs(t) * (1 - 1e-12))


@pytest.mark.parametrize("r", [0.0, 0.3, -1.2])
def test_wcr_replicates_equal_refitting_each_bootstrap_sample(r):
    fit, cl, y, X = _toy()
    c = np.array([0, 0, 1.0, 0])
    factor = cr1_factor(fit.n, fit.k, 0, 9, "stata")
    V, _, _ = _weights(9, 99, np.random.default_rng(1))
    fast = _Replicates(fit, cl, c, factor, V).p_value(float(c @ fit.params) - r)
    assert fast == pytest.approx(_brute_p(fit, cl, y, X, c, r, V, factor), abs=1e-12)


def test_wcr_imposes_the_null():
    # The fault this catches: bootstrapping unrestricted residuals (WCU) gives another p-value.
    fit, cl, y, X = _toy(seed=3)
    c = np.array([0, 0, 1.0, 0])
    factor = cr1_factor(fit.n, fit.k, 0, 9, "stata")
    V, _, _ = _weights(9, 199, np.random.default_rng(2))
    rep = _Replicates(fit, cl, c, factor, V)
    wcu = np.mean(np.abs(rep.n0 / np.sqrt(factor * rep.a0)) >= abs(float(c @ fit.params)) / rep.se)
    assert rep.p_value(float(c @ fit.params)) == pytest.approx(_brute_p(fit, cl, y, X, c, 0.0, V, factor))
    assert rep.p_value(float(c @ fit.params)) != pytest.approx(wcu)


def test_wcr_interval_is_the_set_of_unrejected_nulls():
    fit, cl, y, X = _toy(seed=5)
    c = np.array([0, 0, 1.0, 0])
    factor = cr1_factor(fit.n, fit.k, 0, 9, "stata")
    w = wild_cluster_interval(fit, cl, c, factor=factor, level=0.9, n_boot=199, rng=np.random.default_rng(4))
    V, _, _ = _weights(9, 199, np.random.default_rng(4))
    rep = _Replicates(fit, cl, c, factor, V)
    est = float(c @ fit.params)
    for bound, side in ((w.lower, -1), (w.upper, 1)):
        assert rep.p_value(est - (bound - side * 1e-6 * rep.se)) > 0.1  # just inside: not rejected
        assert rep.p_value(est - (bound + side * 1e-3 * rep.se)) <= 0.1  # just outside: rejected


def test_few_clusters_enumerate_every_weight_vector_so_seed_does_not_matter():
    sim = simulate_did(300, 2, n_clusters=4, seed=2)
    # 6**4 = 1296 Webb vectors: sampled with n_boot=999, all enumerated with n_boot=1999
    a = _quiet(data=sim.data, **ARGS, unit="unit", cluster="area", seed=1)
    b = _quiet(data=sim.data, **ARGS, unit="unit", cluster="area", seed=99, n_boot=1999)
    c = _quiet(data=sim.data, **ARGS, unit="unit", cluster="area", seed=5, n_boot=1999)
    assert "999 replicates" in a.se_method and "all replicates" in b.se_method
    assert (b.att.lower, b.att.upper) == (c.att.lower, c.att.upper)


@pytest.mark.parametrize("panel", [True, False])
@pytest.mark.parametrize("scale", [1e-4, 1e-2, 1e3, 1e6])
def test_att_and_se_do_not_move_when_a_covariate_is_rescaled(panel, scale):
    sim = simulate_did(300, 2, n_clusters=40, panel=panel, seed=9)
    d = sim.data.assign(age2=sim.data.age**2, inc=np.random.default_rng(1).lognormal(10, 1, len(sim.data)))
    kw = {**ARGS, "unit": "unit" if panel else None, "cluster": "area", "se": "cluster"}
    base = estimate_did(d, covariates=["age", "age2", "inc"], **kw)
    scaled = estimate_did(d.assign(inc=d.inc * scale, age2=d.age2 * scale), covariates=["age", "age2", "inc"], **kw)
    assert scaled.att.value == pytest.approx(base.att.value, rel=1e-6)
    assert scaled.se == pytest.approx(base.se, rel=1e-6)


def test_cv3_equals_refitting_without_each_cluster():
    from svimpact.estimators.did.covariance import cv3_se

    fit, cl, y, X = _toy(seed=7)
    c = np.array([0, 0, 1.0, 0])
    reps = [c @ np.linalg.lstsq(X[cl != g], y[cl != g], rcond=None)[0] for g in range(9)]
    assert cv3_se(fit, cl, c) == pytest.approx(np.sqrt(8 / 9 * np.sum((reps - np.mean(reps)) ** 2)), rel=1e-10)


def test_under_12_clusters_wild_interval_covers_the_jackknife_t_interval():
    from scipy import stats

    from svimpact.estimators.did.covariance import cv3_se

    sim = simulate_did(300, 2, n_clusters=8, seed=12)
    est = _quiet(data=sim.data, **ARGS, unit="unit", cluster="area")
    assert "cluster jackknife (CV3)" in est.se_method
    d = sim.data
    X = np.column_stack([d.post, d.treated * d.post]).astype(float)
    u = d.unit.to_numpy()
    Xw = X - pd.DataFrame(X).groupby(u).transform("mean").to_numpy()
    yw = d.outcome.to_numpy() - d.groupby("unit").outcome.transform("mean").to_numpy()
    fit = fit_ols(yw, Xw, ["post", "att"], absorbed=len(np.unique(u)))
    half = stats.t.ppf(0.975, 7) * cv3_se(fit, d.area.to_numpy(), np.array([0, 1.0]))
    assert est.att.lower <= est.att.value - half + 1e-12 and est.att.upper >= est.att.value + half - 1e-12
