"""Hand-computed cases and algebraic identities for svimpact.geo.inequality.

Expected numbers here were worked out by hand (shown in comments) or follow from identities in
``../shared/oracles/README.md`` section 3; PHE's own test cases are in test_oracles_phe.py.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from svimpact.exceptions import InputDataError, ParamsError
from svimpact.geo.inequality import (
    byars_interval,
    concentration_index,
    exact_poisson_interval,
    phe_quantile,
    phe_rate,
    phe_sii,
    wilson_interval,
)
from svimpact.geo.inequality.concentration import _fractional_rank
from svimpact.geo.inequality.sii import _percentile_pair

Z95 = 1.959963984540054


# ----------------------------------------------------------------------------- intervals
def test_wilson_zero_events_has_closed_form_upper_limit():
    # x = 0: lower = 0, upper = z^2 / (n + z^2)
    lo, hi = wilson_interval(0, 10)
    assert lo[0] == pytest.approx(0.0, abs=1e-15)
    assert hi[0] == pytest.approx(Z95**2 / (10 + Z95**2), rel=1e-12)


def test_wilson_all_events_mirrors_zero_events():
    lo0, hi0 = wilson_interval(0, 25)
    lo1, hi1 = wilson_interval(25, 25)
    assert lo1[0] == pytest.approx(1 - hi0[0], rel=1e-12)
    assert hi1[0] == pytest.approx(1.0)


def test_wilson_missing_inputs_give_nan_and_bad_inputs_name_rows():
    lo, hi = wilson_interval([1, np.nan], [10, 10])
    assert np.isnan(lo[1]) and np.isnan(hi[1])
    with pytest.raises(InputDataError, match=r"x must not exceed n \(row 2\)"):
        wilson_interval([1, 12], [10, 10])


def test_exact_poisson_zero_count_has_closed_form():
    # P(X = 0 | mu) = exp(-mu) = 0.025  ->  mu = -ln(0.025)
    lo, hi = exact_poisson_interval(0)
    assert lo[0] == 0 and hi[0] == pytest.approx(-math.log(0.025), rel=1e-10)


def test_byars_formula_by_hand_for_x_100():
    x, z = 100.0, Z95
    lo, hi = byars_interval(x)
    assert lo[0] == pytest.approx(x * (1 - 1 / (9 * x) - z / (3 * 10)) ** 3, rel=1e-12)
    assert hi[0] == pytest.approx(101 * (1 - 1 / 909 + z / (3 * math.sqrt(101))) ** 3, rel=1e-12)


def test_rate_switches_from_exact_to_byars_at_ten():
    r = phe_rate([9, 10], [1000, 1000], multiplier=1000)
    assert r["method"].tolist() == ["Exact", "Byars"]
    assert r["value"].tolist() == [9.0, 10.0]


def test_level_as_percentage_and_bad_level():
    assert wilson_interval(5, 10, 95)[0][0] == pytest.approx(wilson_interval(5, 10, 0.95)[0][0])
    with pytest.raises(ParamsError, match="confidence level"):
        wilson_interval(5, 10, 1.5)


# ----------------------------------------------------------------------------- quantiles
def test_quantile_by_hand_with_ties_and_missing():
    # 10 values, q = 4, invert: ranks 11->1 ... 3,3 -> 8 (min), 1 -> 10
    # quantile = floor(5 - ceil((11 - rank) / 2.5))
    got = phe_quantile([5, 4, 3, 3, 1, None, 7, 8, 9, 10, 11], q=4)
    assert got.tolist() == [3, 3, 3, 3, 4, pd.NA, 2, 2, 1, 1, 1]


def test_quantile_invert_false_puts_lowest_value_first():
    # invert=False (e.g. IMD rank, 1 = most deprived): lowest value -> quantile 1
    assert phe_quantile(list(range(1, 11)), q=10, invert=False).tolist() == list(range(1, 11))
    # invert=True (IMD score): highest value -> quantile 1
    assert phe_quantile(list(range(1, 11)), q=10, invert=True).tolist() == list(range(10, 0, -1))


def test_quantile_small_group_gets_na_with_warning():
    with pytest.warns(UserWarning, match="fewer than 10"):
        got = phe_quantile([1, 2, 3], q=10)
    assert got.isna().all()


# ----------------------------------------------------------------------------- SII / RII
def test_sii_exact_linear_data_equal_populations():
    # b = 0.1, 0.3, ..., 0.9; y = 10, 8, ..., 2 = 11 - 10 b  ->  SII -10, intercept 11, RII 1/11
    r = phe_sii([1, 2, 3, 4, 5], [100] * 5, [10, 8, 6, 4, 2], se=[0.5] * 5, seed=1)
    assert r.sii.value == pytest.approx(-10, rel=1e-12)
    assert r.intercept == pytest.approx(11, rel=1e-12)
    assert r.rii.value == pytest.approx(1 / 11, rel=1e-12)
    assert r.midpoint == pytest.approx((0.1, 0.3, 0.5, 0.7, 0.9))


def test_sii_unequal_populations_by_hand():
    # shares .1 .1 .2 .3 .3 -> b = .05 .15 .30 .55 .85; y = 3 + 2 b exactly -> SII 2, RII 5/3
    b = np.array([0.05, 0.15, 0.30, 0.55, 0.85])
    r = phe_sii([5, 4, 3, 2, 1][::-1], [100, 100, 200, 300, 300], 3 + 2 * b, se=[0.1] * 5, seed=2)
    assert r.midpoint == pytest.approx(tuple(b))
    assert (r.sii.value, r.rii.value, r.intercept) == pytest.approx((2.0, 5 / 3, 3.0))


def test_sii_non_linear_by_hand():
    # equal shares, y = 0 0 0 0 1: b-bar .5, sum a (b-.5)^2 = .08, sum a (b-.5) y = .08 -> slope 1;
    # intercept = mean y - slope * .5 = .2 - .5 = -.3
    r = phe_sii([1, 2, 3, 4, 5], [7] * 5, [0, 0, 0, 0, 1], se=[0.1] * 5, seed=3)
    assert r.sii.value == pytest.approx(1.0) and r.intercept == pytest.approx(-0.3)


def test_sii_sorts_by_quantile_and_negative_multiplier_flips():
    a = phe_sii([1, 2, 3, 4, 5], [100] * 5, [10, 8, 6, 4, 2], se=[0.5] * 5, seed=4)
    b = phe_sii([5, 3, 1, 2, 4], [100] * 5, [2, 6, 10, 8, 4], se=[0.5] * 5, seed=4, multiplier=-100)
    assert b.sii.value == pytest.approx(-100 * a.sii.value)
    assert b.rii.value == pytest.approx(1 / a.rii.value)
    assert b.sii.lower < b.sii.value < b.sii.upper


def test_sii_transform_log_linear_by_hand():
    # value = exp(1 + b): on the log scale intercept 1, slope 1 -> SII e^2 - e, RII e, intercept e
    b = np.array([0.1, 0.3, 0.5, 0.7, 0.9])
    v = np.exp(1 + b)
    r = phe_sii([1, 2, 3, 4, 5], [50] * 5, v, lower=v * 0.9, upper=v * 1.1, value_type=1, transform=True, seed=5)
    e = math.e
    assert (r.sii.value, r.rii.value, r.intercept) == pytest.approx((e**2 - e, e, e))
    assert r.sii.lower < r.sii.value < r.sii.upper and r.rii.lower < r.rii.value < r.rii.upper


def test_sii_same_seed_same_limits_and_tiny_se_collapses():
    args = ([1, 2, 3, 4, 5], [100] * 5, [10, 8, 6, 4, 2])
    r1 = phe_sii(*args, se=[1] * 5, seed=11)
    r2 = phe_sii(*args, se=[1] * 5, seed=11)
    r3 = phe_sii(*args, se=[1] * 5, seed=12)
    assert r1 == r2 and r1.sii.lower != r3.sii.lower
    tiny = phe_sii(*args, se=[1e-9] * 5, seed=1)
    assert tiny.sii.width < 1e-6


def test_percentile_positions_follow_phe():
    # R = 10,000 at 95%: positions 250 and 9,750 (1-based) -> values 249 and 9749 of arange
    assert _percentile_pair(np.arange(10_000.0), 0.95) == (249.0, 9749.0)


def test_sii_parameter_errors():
    args = ([1, 2, 3, 4, 5], [100] * 5, [10, 8, 6, 4, 2])
    with pytest.raises(ParamsError, match="at least 1,000"):
        phe_sii(*args, se=[1] * 5, repetitions=10)
    with pytest.raises(ParamsError, match="transform=True needs"):
        phe_sii(*args, se=[1] * 5, transform=True, value_type=1)
    with pytest.raises(ParamsError, match="give either se or both"):
        phe_sii(*args)


# ----------------------------------------------------------------------------- concentration index
def test_concentration_index_by_hand():
    # r = .125 .375 .625 .875, mu = 2.5, sum w (y - mu)(r - .5) = -.3125 -> C = -0.25
    # Kakwani a_i = .8 .9 .8 .5; var = (2.34/4 - .75^2)/4 = .005625 -> se .075
    r = concentration_index([4, 3, 2, 1], [1, 2, 3, 4])
    assert r.index.value == pytest.approx(-0.25)
    assert r.se == pytest.approx(0.075)
    assert r.index.lower == pytest.approx(-0.25 - Z95 * 0.075)


def test_weighted_mean_rank_is_half_and_matches_sii_midpoints():
    w = np.array([7291, 7997, 6105, 7666, 5790, 6934, 5918, 5974, 7147, 7534], float)
    r, _ = _fractional_rank(np.arange(1, 11.0), w, "stable")
    assert float(r @ w / w.sum()) == pytest.approx(0.5, abs=1e-15)
    s = phe_sii(np.arange(1, 11), w, np.linspace(70, 80, 10), se=np.ones(10), seed=1)
    np.testing.assert_allclose(r, s.midpoint, rtol=1e-13)


def test_constant_outcome_gives_zero():
    assert concentration_index([3, 3, 3, 3], [4, 1, 2, 3], [1, 2, 3, 4]).index.value == pytest.approx(0, abs=1e-15)


def test_kind_scalings_follow_identities():
    y = np.array([0.3, 0.2, 0.25, 0.1, 0.05])
    rank, w = np.arange(5.0), np.array([10, 20, 30, 20, 10.0])
    base = concentration_index(y, rank, w)
    mu = float(y @ w / w.sum())
    for kind, factor in (("generalised", mu), ("erreygers", 4 * mu), ("wagstaff", 1 / (1 - mu))):
        r = concentration_index(y, rank, w, kind=kind)
        assert r.index.value == pytest.approx(base.index.value * factor, rel=1e-12)
        assert r.se == pytest.approx(base.se * factor, rel=1e-12)
    # general Wagstaff bounds [l, u]: (u - l) C mu / ((u - mu)(mu - l))
    r = concentration_index(y, rank, w, kind="wagstaff", bounds=(0, 2))
    assert r.index.value == pytest.approx(2 * base.index.value * mu / ((2 - mu) * mu))
    r = concentration_index(y, rank, w, kind="erreygers", bounds="sample")
    assert r.index.value == pytest.approx(base.index.value * 4 * mu / (0.3 - 0.05))


def test_grouped_weights_equal_expanded_individuals_with_pooled_ties():
    y = np.array([0.5, 0.3, 0.2, 0.1])
    w = np.array([3, 1, 2, 4])
    grouped = concentration_index(y, [1, 2, 3, 4], w, ties="pooled")
    expanded = concentration_index(np.repeat(y, w), np.repeat([1, 2, 3, 4], w), ties="pooled")
    assert grouped.index.value == pytest.approx(expanded.index.value, rel=1e-12)


def test_ties_stable_and_pooled_agree_without_ties():
    y, rank = [5, 1, 4, 2, 3], [2, 5, 1, 4, 3]
    assert concentration_index(y, rank, ties="stable").index.value == pytest.approx(
        concentration_index(y, rank, ties="pooled").index.value)


def test_concentration_errors_are_helpful():
    with pytest.raises(InputDataError, match=r"outside its bounds \[0, 1\] \(row 2\)"):
        concentration_index([0.5, 1.5, 0.2], [1, 2, 3], kind="wagstaff")
    with pytest.raises(InputDataError, match=r"missing values .*row 3"):
        concentration_index([0.5, 0.2, np.nan], [1, 2, 3])
    with pytest.raises(ParamsError, match="choose standard, generalised"):
        concentration_index([1, 2], [1, 2], kind="gini")
