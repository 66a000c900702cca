"""Tests for the gross-to-net chain (svimpact.estimators.additionality)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from svimpact import Interval, ParamsError
from svimpact.estimators.additionality import (
    LINES,
    NetAdditionalResult,
    ReferenceCase,
    chain_lines,
    net_additional,
)
from svimpact.estimators.distributions import Draws, Fixed, Triangular, Uniform

# METHODS.md section 1 worked check (constructed, not published):
# GI=100, L=0.10, DW=0.20, Dp=0.25, S=0, M=1.2 gives 64.8 by either form.
WORKED = dict(leakage=0.10, displacement=0.25, substitution=0.0, multiplier=1.2)


def test_worked_check_shortcut_form() -> None:
    r = net_additional(100, deadweight=0.20, **WORKED)
    assert r.net == Interval.exact(64.8)
    assert r.form == "shortcut"
    assert r.n_draws == 0


def test_worked_check_full_form() -> None:
    # Reference case GI* = DW x GI = 20, sharing the intervention's factors.
    r = net_additional(100, reference=ReferenceCase(gross=20), **WORKED)
    assert r.net.value == pytest.approx(64.8, abs=1e-9)
    assert r.net.lower == r.net.upper == r.net.value
    assert r.form == "reference case"


def test_worked_check_full_form_with_explicit_starred_factors() -> None:
    ref = ReferenceCase(gross=20, leakage=0.10, displacement=0.25, substitution=0.0,
                        multiplier=1.2)
    assert net_additional(100, reference=ref, **WORKED).net.value == pytest.approx(64.8)


def test_full_form_with_different_reference_factors_by_hand() -> None:
    # 100 x 0.9 x 0.75 x 1.2 - 30 x 0.8 x 0.5 x 1.0 = 81 - 12 = 69
    ref = ReferenceCase(gross=30, leakage=0.2, displacement=0.5, multiplier=1.0)
    r = net_additional(100, leakage=0.1, displacement=0.25, multiplier=1.2, reference=ref)
    assert r.net.value == pytest.approx(69.0)
    assert r["after leakage"].value == pytest.approx(90.0)
    assert r["after deadweight"].value == pytest.approx(90.0 - 24.0)


def test_intermediate_lines_of_worked_check() -> None:
    r = net_additional(100, deadweight=0.20, **WORKED)
    expected = [100, 90, 72, 54, 54, 54, 64.8]
    assert list(r.lines) == list(LINES)
    assert [iv.value for iv in r.lines.values()] == pytest.approx(expected)
    frame = r.table()
    assert frame["line"].tolist() == list(LINES)
    assert frame["change"].iloc[1:].sum() == pytest.approx(64.8 - 100)


def test_attribution_applied_like_a_share() -> None:
    assert net_additional(100, attribution=0.25).net.value == pytest.approx(75.0)


def test_zero_adjustments_leave_gross_unchanged() -> None:
    r = net_additional(123.4)
    assert all(iv.value == pytest.approx(123.4) for iv in r.lines.values())


def test_net_never_exceeds_gross_when_shares_in_unit_interval_and_m_is_one() -> None:
    rng = np.random.default_rng(20261121)
    n = 20_000
    p = {k: rng.uniform(0, 1, n) for k in
         ("leakage", "deadweight", "displacement", "substitution", "attribution")}
    p["gross"] = rng.uniform(0, 1e6, n)
    p["multiplier"] = np.ones(n)
    lines = chain_lines(p)
    assert np.all(lines["after multiplier"] <= p["gross"])
    assert np.all(lines["after multiplier"] >= 0)


def test_more_deadweight_never_raises_net() -> None:
    rng = np.random.default_rng(7)
    for _ in range(200):
        kw = dict(leakage=rng.uniform(), displacement=rng.uniform(), multiplier=rng.uniform(0, 3))
        dws = np.sort(rng.uniform(0, 1, 5))
        nets = [net_additional(50, deadweight=d, **kw).net.value
                for d in dws]
        assert np.all(np.diff(nets) <= 1e-12)


def test_more_reference_gross_never_raises_net_in_full_form() -> None:
    nets = [net_additional(100, leakage=0.1, reference=ReferenceCase(gross=g)).net.value
            for g in (0, 10, 50, 90)]
    assert np.all(np.diff(nets) < 0)


@pytest.mark.parametrize("name", ["deadweight", "leakage", "displacement", "substitution",
                                  "attribution"])
def test_share_above_one_is_a_clear_error(name: str) -> None:
    with pytest.raises(ParamsError, match=rf"key '{name}'.*share must lie in \[0, 1\]"):
        net_additional(100, **{name: 1.2})


def test_share_distribution_reaching_past_one_is_an_error() -> None:
    with pytest.raises(ParamsError, match=r"reaches 0.5 to 1.5"):
        net_additional(100, deadweight=Uniform(0.5, 1.5))


def test_negative_multiplier_is_an_error() -> None:
    with pytest.raises(ParamsError, match=r"key 'multiplier'.*must be >= 0"):
        net_additional(100, multiplier=-0.1)


def test_non_number_is_an_error_naming_the_types_accepted() -> None:
    with pytest.raises(ParamsError, match=r"expected a number or a distribution"):
        net_additional(100, deadweight="twenty percent")


def test_deadweight_and_reference_case_together_is_an_error() -> None:
    with pytest.raises(ParamsError, match="not both"):
        net_additional(100, deadweight=0.2, reference=ReferenceCase(gross=20))


def test_uncertain_inputs_give_monte_carlo_intervals_around_the_point() -> None:
    # The central value is the mean of the draws (issue 15: expected values, not modes). This
    # triangular is symmetric, so its mean is its mode and the mean net is 64.8 up to Monte Carlo
    # error (sd of net ~2.5 over 10,000 draws: se ~0.025).
    r = net_additional(100, deadweight=Triangular(0.1, 0.2, 0.3), seed=3, **WORKED)
    assert r.net.value == pytest.approx(64.8, abs=0.1)
    assert r.net.lower < 64.8 < r.net.upper
    assert r.net.method == "Monte Carlo: mean of draws, percentile interval"
    assert r["after leakage"].lower == r["after leakage"].upper == 90.0
    assert r.seed == 3 and r.n_draws == 10_000


def test_same_seed_same_table_and_different_seed_different_table() -> None:
    kw = dict(deadweight=Triangular(0.1, 0.2, 0.3), leakage=Uniform(0, 0.2), n_draws=5000)
    a = net_additional(100, seed=11, **kw).to_frame()
    b = net_additional(100, seed=11, **kw).to_frame()
    c = net_additional(100, seed=12, **kw).to_frame()
    assert a.equals(b)
    assert not a.equals(c)


def test_seed_none_records_the_entropy_used_and_reproduces() -> None:
    kw = dict(deadweight=Uniform(0.1, 0.3), n_draws=2000)
    r = net_additional(100, **kw)
    assert isinstance(r.seed, int)
    assert net_additional(100, seed=r.seed, **kw).to_frame().equals(r.to_frame())


def test_monte_carlo_interval_converges_to_exact_quantiles() -> None:
    # net = 100 (1 - DW), DW ~ U(0.1, 0.3): exact 95% limits 100(1 - 0.295) = 70.5 and
    # 100(1 - 0.105) = 89.5 (analytic, from the uniform quantile function).
    def errors(n: int) -> float:
        errs = []
        for seed in range(12):
            iv = net_additional(100, deadweight=Uniform(0.1, 0.3), n_draws=n, seed=seed).net
            errs.append(max(abs(iv.lower - 70.5), abs(iv.upper - 89.5)))
        return float(np.sqrt(np.mean(np.square(errs))))

    e_small, e_mid, e_large = errors(500), errors(20_000), errors(500_000)
    assert e_small > e_mid > e_large
    assert e_large < 0.02


def test_estimator_draws_plug_in_through_to_distribution() -> None:
    class FakeEstimate:  # the interface comparison-group estimators implement
        def to_distribution(self) -> Draws:
            return Draws(np.linspace(0.15, 0.25, 101), point_value=0.2, source="fake PSM")

    r = net_additional(100, deadweight=FakeEstimate(), seed=1, n_draws=4000)
    # Central value = mean of the resampled draws (symmetric around 0.2): 80 up to MC error.
    assert r.net.value == pytest.approx(80.0, abs=0.2)  # 4 standard errors (sd 2.9, 4,000 draws)
    assert 75.0 <= r.net.lower < r.net.upper <= 85.0
    assert "fake PSM" in r.parameters["deadweight"]


def test_fixed_distribution_equals_plain_number() -> None:
    assert net_additional(100, deadweight=Fixed(0.2)).net == net_additional(100, deadweight=0.2).net


def test_result_is_frozen_and_renders() -> None:
    r = net_additional(100, deadweight=0.2)
    assert isinstance(r, NetAdditionalResult)
    with pytest.raises(AttributeError):
        r.form = "x"  # type: ignore[misc]
    assert "64.8" not in str(r) and "80" in str(r)
    assert "<table" in r._repr_html_()
    assert r.to_dict()["lines"]["after multiplier"]["value"] == 80.0


def test_waterfall_chart_is_a_figure_with_one_bar_per_step() -> None:
    from matplotlib.figure import Figure

    r = net_additional(100, deadweight=Triangular(0.1, 0.2, 0.3), seed=1, **WORKED)
    fig = r.chart(unit="people")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[0] == "gross" and labels[-1] == "net additional"
    assert len(labels) == len(LINES) + 1
