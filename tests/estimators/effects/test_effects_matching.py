"""Propensity-score matching as Stata's ``teffects psmatch`` does it (issue 13, item 2).

Tied comparison units share the match (so row order never matters), matching on the score or its
logit, a caliper in pooled standard deviations, Abadie-Imbens standard errors by default and the
bootstrap on request (with a warning for one neighbour). Stata parity is in test_effects_stata.py.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from svimpact.datasets.simulate import simulate_programme
from svimpact.estimators.effects import UnreliableStandardErrorWarning, estimate_effect
from svimpact.estimators.effects.matching import make_groups, match_att, nearest, pooled_sd


def test_tied_units_share_the_match():
    # One participant at 0.5; comparison units at 0.4 and (twice) 0.6: all three are nearest.
    y = np.array([10.0, 1.0, 2.0, 6.0, 9.0])
    t = np.array([1, 0, 0, 0, 0])
    s = np.array([0.5, 0.4, 0.6, 0.6, 0.9])
    m = match_att(y, t, s, n_neighbors=1, caliper=None)
    assert m.counterfactual == pytest.approx((1 + 2 + 6) / 3)
    np.testing.assert_allclose(m.control_weights, [1 / 3, 1 / 3, 1 / 3, 0])
    np.testing.assert_allclose(m.control_weights_sq, [1 / 9, 1 / 9, 1 / 9, 0])
    assert m.max_matches == 3
    # Two neighbours: the nearest three already hold two units, so the match is the same three.
    assert match_att(y, t, s, n_neighbors=2, caliper=None).counterfactual == pytest.approx(3.0)
    # Four neighbours reach 0.9 as well.
    assert match_att(y, t, s, n_neighbors=4, caliper=None).counterfactual == pytest.approx(4.5)


def test_frequency_weights_equal_duplicated_rows():
    rng = np.random.default_rng(0)
    s, y = rng.uniform(size=30).round(2), rng.normal(size=30)
    w = rng.integers(1, 4, 30).astype(float)
    g = make_groups(s, y, w)
    dup = make_groups(np.repeat(s, w.astype(int)), np.repeat(y, w.astype(int)))
    np.testing.assert_allclose(g.value, dup.value)
    np.testing.assert_allclose(g.weight, dup.weight)
    np.testing.assert_allclose(g.ysum, dup.ysum)
    q = rng.uniform(size=12)
    for k in (1, 3):
        (c1, u1), (c2, u2) = nearest(g, q, k), nearest(dup, q, k)
        np.testing.assert_allclose(np.where(u1, g.ysum[c1], 0).sum(1), np.where(u2, dup.ysum[c2], 0).sum(1))


@pytest.fixture(scope="module")
def discrete():
    """Covariates with few values, so many propensity scores tie."""
    rng = np.random.default_rng(11)
    n = 1500
    df = pd.DataFrame({"a": rng.integers(0, 4, n), "b": rng.integers(0, 3, n), "c": rng.integers(0, 2, n)})
    p = 1 / (1 + np.exp(1.5 - 0.4 * df.a - 0.3 * df.b + 0.5 * df.c))
    df["t"] = (rng.uniform(size=n) < p).astype(int)
    df["y"] = 1.0 + 0.5 * df.a - 0.3 * df.b + df.t + rng.normal(size=n)
    return df


@pytest.mark.parametrize("kw", [{"n_neighbors": 1}, {"n_neighbors": 4, "caliper": 0.2},
                                {"n_neighbors": 2, "match_on": "score"}])
def test_matching_does_not_depend_on_row_order(discrete, kw):
    def run(d):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return estimate_effect(d, outcome="y", treatment="t", covariates=["a", "b", "c"], method="psm", **kw)

    base = run(discrete)
    for seed in (1, 2, 3):
        other = run(discrete.sample(frac=1.0, random_state=seed))
        assert other.att.value == pytest.approx(base.att.value, rel=1e-10)
        assert other.se == pytest.approx(base.se, rel=1e-8)
        assert other.effective_n_comparison == pytest.approx(base.effective_n_comparison, rel=1e-10)


def test_match_on_score_or_logit():
    sim = simulate_programme(300, 1500, confounding=1.0, seed=8)
    # With four neighbours the fourth-nearest differs on the two scales (the logit stretches the tails).
    kw = dict(outcome="outcome", treatment="treated", covariates=sim.covariates, method="psm", n_neighbors=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = estimate_effect(sim.data, match_on="logit", **kw)
        b = estimate_effect(sim.data, match_on="score", **kw)
    assert a.att.value != b.att.value
    assert a.params["match_on"] == "logit" and "matched on the score" in b.se_method
    assert abs(a.att.value - b.att.value) < 2 * a.se


def test_caliper_is_in_pooled_standard_deviations():
    sim = simulate_programme(300, 1500, confounding=1.5, seed=8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = estimate_effect(sim.data, outcome="outcome", treatment="treated", covariates=sim.covariates,
                              method="psm", caliper=0.02, n_neighbors=1)
    # The same match by hand: nearest comparison unit on the logit, within 0.02 pooled SDs.
    from svimpact.estimators.effects.data import build_design
    from svimpact.estimators.effects.propensity import fit_propensity

    d = build_design(sim.data, outcome="outcome", treatment="treated", covariates=sim.covariates, dropna=False)
    lp = fit_propensity(d.Ps, d.t, d.names).index
    cal = 0.02 * np.sqrt((lp[d.t == 1].var() + lp[d.t == 0].var()) / 2)
    assert cal == pytest.approx(0.02 * pooled_sd(lp, d.t))
    nearest_gap = np.abs(lp[d.t == 1][:, None] - lp[d.t == 0][None, :]).min(axis=1)
    assert est.n_unmatched == int((nearest_gap > cal).sum()) > 0
    assert est.n_treated + est.n_unmatched == 300


def test_bootstrap_is_an_option_with_a_warning_for_one_neighbour():
    sim = simulate_programme(200, 800, seed=4)
    kw = dict(outcome="outcome", treatment="treated", covariates=sim.covariates, method="psm", se="bootstrap",
              n_boot=60, seed=1)
    with pytest.warns(UnreliableStandardErrorWarning, match="bootstrap standard error of one-neighbour"):
        one = estimate_effect(sim.data, n_neighbors=1, **kw)
    assert one.draws.replicates is not None and one.att.method == "bootstrap normal"
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnreliableStandardErrorWarning)
        four = estimate_effect(sim.data, n_neighbors=4, **{**kw, "seed": 2})
    assert "bootstrap" in four.se_method
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ai = estimate_effect(sim.data, n_neighbors=4, **{k: v for k, v in kw.items() if k != "se"})
    assert "Abadie-Imbens" in ai.se_method and ai.draws.replicates is None
    assert four.se == pytest.approx(ai.se, rel=0.35)
