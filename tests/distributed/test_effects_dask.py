"""estimate_effect on a Dask DataFrame (svimpact.distributed.effects) gives the pandas path's answer.

Reference: the pandas path itself, which reproduces statsmodels' ``TreatmentEffect.ra``/``.ipw`` and
Stata's ``teffects ra/ipw/aipw, atet`` (tests/estimators/effects); here the Dask path must agree with
it to 1e-8 (estimates and standard errors) with the rows shuffled and split into uneven partitions
(one empty, one without participants), on a ``LocalCluster`` of two worker processes.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from dask_fixtures import dask_client, uneven  # noqa: F401 (fixture)

from svimpact.datasets.simulate import simulate_programme
from svimpact.estimators.effects import estimate_effect
from svimpact.exceptions import EstimationError, InputDataError

TOL = 1e-8
CUTS = [0, 7, 300, 301, 1100, 1150]  # partitions of 0, 7, 293, 1, 799, 50 and 650 rows


@pytest.fixture(scope="module")
def sim():
    return simulate_programme(n_treated=300, n_comparison=1500, seed=3)


def _quiet(**kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est = estimate_effect(**kw)
    return est, [str(w.message) for w in caught]


def _same(a, b):
    for name in ("att", "counterfactual", "deadweight"):
        x, y = getattr(a, name), getattr(b, name)
        np.testing.assert_allclose([y.value, y.lower, y.upper], [x.value, x.lower, x.upper], rtol=TOL, atol=1e-12)
    np.testing.assert_allclose(b.se, a.se, rtol=TOL, atol=1e-12)
    assert b.se_method == a.se_method and b.observed.value == pytest.approx(a.observed.value, rel=1e-12)
    np.testing.assert_allclose(b.draws.att, a.draws.att, rtol=TOL, atol=1e-12)
    assert (b.n_treated, b.n_comparison, b.n_dropped) == (a.n_treated, a.n_comparison, a.n_dropped)
    assert b.effective_n_comparison == pytest.approx(a.effective_n_comparison, rel=1e-10)
    assert list(b.balance["covariate"]) == list(a.balance["covariate"])
    np.testing.assert_allclose(b.balance.iloc[:, 1:].to_numpy(float), a.balance.iloc[:, 1:].to_numpy(float),
                               rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose([b.naive.value, b.naive.lower], [a.naive.value, a.naive.lower], rtol=1e-10)
    oa, ob = a.overlap, b.overlap
    if oa is None:
        assert ob is None and b.warnings == a.warnings
        return
    assert (ob.n_off_support, ob.n_comparison_below, ob.n_comparison_above) == \
        (oa.n_off_support, oa.n_comparison_below, oa.n_comparison_above)
    np.testing.assert_allclose([*ob.range_treated, *ob.range_comparison, ob.max_weight_share, ob.effective_n],
                               [*oa.range_treated, *oa.range_comparison, oa.max_weight_share, oa.effective_n],
                               rtol=1e-9)
    np.testing.assert_allclose(np.sort(ob.scores_treated), np.sort(oa.scores_treated), rtol=1e-9)
    assert b.warnings == a.warnings


@pytest.mark.parametrize(("method", "se"), [("regression", "hc0"), ("ipw", "hc1"), ("aipw", "hc0"), ("aipw", "hc1")])
def test_dask_agrees_with_pandas(dask_client, sim, method, se):
    ddf, _ = uneven(sim.data, CUTS, seed=1)
    kw = dict(outcome="outcome", treatment="treated", covariates=sim.covariates, method=method, se=se, seed=5)
    a, wa = _quiet(data=sim.data, **kw)
    b, wb = _quiet(data=ddf, **kw)
    _same(a, b)
    assert wa == wb
    assert b.params["backend"] == "dask"


@pytest.mark.parametrize(("method", "se"), [("difference", "welch"), ("difference", "hc1"), ("ols", "classical"),
                                          ("ols", "cluster")])
def test_pooled_methods_agree_with_pandas(dask_client, sim, method, se):
    df = sim.data.assign(area=np.arange(len(sim.data)) % 35)
    ddf, _ = uneven(df, CUTS, seed=4)
    covs = sim.covariates if method == "ols" else ()
    kw = dict(outcome="outcome", treatment="treated", covariates=covs, method=method, se=se, seed=5,
              cluster="area" if se == "cluster" else None)
    a, wa = _quiet(data=df, **kw)
    b, wb = _quiet(data=ddf, **kw)
    _same(a, b)
    assert wa == wb and (a.overlap is None) == (method == "difference")


def test_binary_outcome_probit_separate_propensity_model_and_clusters(dask_client, sim):
    df = sim.data.assign(outcome=(sim.data["outcome"] > sim.data["outcome"].median()).astype(int),
                         area=np.arange(len(sim.data)) % 40)
    ddf, _ = uneven(df, [250, 900], seed=2)
    for method in ("regression", "aipw", "ipw"):
        kw = dict(outcome="outcome", treatment="treated", covariates=["x1", "x2", "benefit_type"], method=method,
                  propensity_covariates=["x1", "x3"], propensity_model="probit", cluster="area", seed=2)
        a, _ = _quiet(data=df, **kw)
        b, _ = _quiet(data=ddf, **kw)
        assert a.outcome_type == "binary" and "logit outcome model" in a.se_method or method == "ipw"
        _same(a, b)


def test_dropna_drops_and_counts_the_same_rows(dask_client, sim):
    df = sim.data.copy()
    df.loc[[3, 50, 700, 1700], "x2"] = np.nan
    df.loc[[9], "benefit_type"] = None
    ddf, _ = uneven(df, [400, 401, 1000], seed=3)
    kw = dict(outcome="outcome", treatment="treated", covariates=sim.covariates, method="aipw", dropna=True)
    a, _ = _quiet(data=df, **kw)
    b, _ = _quiet(data=ddf, **kw)
    assert a.n_dropped == b.n_dropped == 5
    _same(a, b)


def test_missing_values_name_the_column_and_the_same_rows(dask_client, sim):
    import dask.dataframe as dd

    df = sim.data.copy()
    df.loc[[3, 1700], "x2"] = np.nan
    kw = dict(outcome="outcome", treatment="treated", covariates=sim.covariates, method="ipw")
    with pytest.raises(InputDataError) as pandas_error:
        estimate_effect(df, **kw)
    with pytest.raises(InputDataError) as dask_error:
        estimate_effect(dd.from_pandas(df, npartitions=4), **kw)
    assert str(dask_error.value) == str(pandas_error.value)
    assert "x2" in str(dask_error.value) and "rows 4, 1701" in str(dask_error.value)


def test_bad_treatment_and_collinear_covariate_give_the_pandas_message(dask_client, sim):
    import dask.dataframe as dd

    bad = sim.data.assign(treated=sim.data["treated"].where(sim.data.index != 10, 2))
    dup = sim.data.assign(x4=2 * sim.data["x1"] + 1)
    for df, covs in ((bad, sim.covariates), (dup, [*sim.covariates, "x4"])):
        kw = dict(outcome="outcome", treatment="treated", covariates=covs, method="aipw")
        with pytest.raises(InputDataError) as pe:
            estimate_effect(df, **kw)
        with pytest.raises(InputDataError) as de:
            estimate_effect(dd.from_pandas(df, npartitions=3), **kw)
        assert str(de.value) == str(pe.value)


def test_matching_and_trimming_are_refused_naming_the_alternatives(sim):
    import dask.dataframe as dd

    ddf = dd.from_pandas(sim.data, npartitions=2)
    kw = dict(outcome="outcome", treatment="treated", covariates=sim.covariates)
    with pytest.raises(EstimationError, match=r"method='ipw', 'aipw' \(doubly robust\) or 'regression'"):
        estimate_effect(ddf, method="psm", **kw)
    with pytest.raises(EstimationError, match="trim"):
        estimate_effect(ddf, method="ipw", trim="crump", **kw)


def test_no_overlap_names_the_separating_covariate(dask_client, sim):
    import dask.dataframe as dd

    df = sim.data.assign(x3=np.where(sim.data["treated"] == 1, 5.0, 0.0) + np.random.default_rng(0).random(len(sim.data)))
    kw = dict(outcome="outcome", treatment="treated", covariates=sim.covariates, method="ipw")
    with pytest.raises(InputDataError) as pe:
        estimate_effect(df, **kw)
    with pytest.raises(InputDataError) as de:
        estimate_effect(dd.from_pandas(df, npartitions=3), **kw)
    assert str(de.value) == str(pe.value) and "'x3'" in str(de.value)


def test_importing_svimpact_does_not_import_dask():
    import subprocess
    import sys

    code = "import sys, svimpact, svimpact.estimators.effects, svimpact.geo.targeting, svimpact.distributed; " \
           "print([m for m in ('dask', 'distributed') if m in sys.modules])"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"


def test_shuffled_rows_give_the_same_estimate(dask_client, sim):
    kw = dict(outcome="outcome", treatment="treated", covariates=sim.covariates, method="aipw")
    one, _ = _quiet(data=uneven(sim.data, [900], seed=7)[0], **kw)
    two, _ = _quiet(data=uneven(sim.data, [100, 200, 1500], seed=8)[0], **kw)
    np.testing.assert_allclose([two.att.value, two.se], [one.att.value, one.se], rtol=TOL)
    assert isinstance(one.balance, pd.DataFrame)
