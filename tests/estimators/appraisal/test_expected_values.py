"""Issue 15, item 1: headline central values are expected values and sit inside their intervals.

References: the triangular mean (low + mode + high) / 3 is checked against ``scipy.stats.triang``
(an independent implementation); the Beta-PERT mean (low + 4 mode + high) / 6 is Vose, *Risk
Analysis* (3rd ed. 2008), section 9.1.4, checked against ``scipy.stats.beta`` with the PERT shapes.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svimpact.estimators.additionality import net_additional
from svimpact.estimators.appraisal import appraise
from svimpact.estimators.distributions import BetaCounts, Pert, Triangular
from svimpact.estimators.montecarlo import interval_around
from svimpact.estimators.valuation import UnitValue

FISCAL = UnitValue("f", "Fiscal saving", 1000, "GBP per person per year", "2020", "fiscal",
                   "Local authority", "test fixture (made-up)", "n/a")
SOCIAL = UnitValue("s", "Wellbeing", 500, "GBP per person per year", "2020", "social",
                   "Individual", "test fixture (made-up)", "n/a")


def test_issue_example_reports_the_mean_inside_its_interval() -> None:
    # The issue's example: the chain at the modes gives 100 x 0.95 x 0.85 = 80.75, above the top of
    # its own interval. The expected value, by hand: E[L] = (0 + .05 + .5) / 3, E[DW] = (.1 + .15 + .6) / 3,
    # independent, so E[net] = 100 (1 - E[L]) (1 - E[DW]) = 58.53.
    by_hand = 100 * (1 - 0.55 / 3) * (1 - 0.85 / 3)
    assert by_hand == pytest.approx(58.53, abs=0.01)
    r = net_additional(100, deadweight=Triangular(0.1, 0.15, 0.6), leakage=Triangular(0, 0.05, 0.5),
                       seed=20261121, n_draws=200_000)
    assert r.net.value == pytest.approx(by_hand, abs=0.15)   # sd of net ~12.3: 200,000 draws, se 0.03
    assert r.net.lower < r.net.value < r.net.upper
    assert r.net.value != pytest.approx(80.75, abs=5)


def test_triangular_and_pert_means_match_scipy() -> None:
    from scipy import stats

    t = Triangular(0.1, 0.15, 0.6)
    assert t.mean == pytest.approx(stats.triang(c=(0.15 - 0.1) / 0.5, loc=0.1, scale=0.5).mean())
    p = Pert(0.0, 0.05, 0.5)
    a, b = 1 + 4 * 0.05 / 0.5, 1 + 4 * 0.45 / 0.5
    assert p.mean == pytest.approx(stats.beta(a, b, loc=0, scale=0.5).mean())
    assert BetaCounts(3, 7).mean == pytest.approx(stats.beta(3.5, 7.5).mean())


def test_interval_moves_its_tails_when_the_mean_falls_outside_the_equal_tailed_one() -> None:
    # 98% of draws at 0 and 2% at 1000: mean 20, but the equal-tailed 95% interval is [0, 0] and
    # misses it (the fault this guards against); a 95% interval holding 20 must reach the top tail.
    draws = np.r_[np.zeros(980), np.full(20, 1000.0)]
    lo, hi = np.quantile(draws, [0.025, 0.975])
    assert not lo <= 20 <= hi
    iv = interval_around(draws, float(draws.mean()))
    assert iv.lower <= 20 <= iv.upper and "unequal tails" in iv.method
    assert np.mean((draws >= iv.lower) & (draws <= iv.upper)) >= 0.95


def _share(draw: st.DrawFn, top: float = 0.9):
    kind = draw(st.sampled_from(["triangular", "pert", "beta"]))
    if kind == "beta":
        return BetaCounts(draw(st.integers(1, 40)), draw(st.integers(1, 200)))
    low = draw(st.floats(0, top * 0.3))
    high = draw(st.floats(low + 0.05, top))
    mode = low + (high - low) * draw(st.floats(0, 0.25))   # skewed: the mode near the bottom
    return (Triangular if kind == "triangular" else Pert)(low, mode, high)


@st.composite
def ledgers(draw: st.DrawFn) -> dict:
    return {
        "deadweight": _share(draw), "leakage": _share(draw, 0.6), "displacement": _share(draw, 0.6),
        "persistence": Triangular(1, draw(st.floats(1, 2)), draw(st.floats(2, 8))),
        "drop_off": _share(draw, 0.5), "optimism_bias": Triangular(0, draw(st.floats(0, 0.1)), 0.6),
    }


_NUMBER = re.compile(r"[-\u2212]?[\d,]+(?:\.\d+)?")  # the chapter writes a true minus sign (U+2212)


def _published(iv) -> list[float]:
    """The numbers a reader sees in ``iv.format()`` (value, lower, upper), after rounding."""
    return [float(x.replace(",", "").replace("\u2212", "-")) for x in _NUMBER.findall(iv.format().replace("95%", ""))]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ledger=ledgers(), gross=st.integers(5, 500), cost=st.floats(1_000, 2_000_000))
def test_every_published_interval_contains_its_central_value(ledger: dict, gross: int, cost: float) -> None:
    r = appraise(ledger, gross, cost, [FISCAL, SOCIAL], years=10, seed=7, n_draws=2_000)
    intervals = [getattr(r, k) for k in ("pv_benefits", "pv_costs", "npsv", "bcr", "sroi_ratio",
                                         "cost_per_outcome", "fiscal_return", "net_outcomes")]
    intervals += list(r.chain.lines.values())
    for iv in intervals:
        if np.isnan(iv.lower):
            continue
        assert iv.lower <= iv.value <= iv.upper, iv
        shown = _published(iv)
        if len(shown) == 3:
            assert shown[1] <= shown[0] <= shown[2], iv.format()
    for frame in (r.by_value_type, r.by_agency):
        assert (frame["lower"] <= frame["value"]).all() and (frame["value"] <= frame["upper"]).all()
    # The central values are the means of the draws (ratios: ratio of the means).
    out = r.draws.outputs
    assert r.npsv.value == pytest.approx(float(np.mean(out["npsv"])))
    assert r.bcr.value == pytest.approx(float(np.mean(out["pv_benefits"]) / np.mean(out["pv_costs"])))


# ----------------------------------------------------------------- item 6: value types reported honestly
COMBINED = UnitValue("c", "Into work", 9800, "GBP per person per year", "2020", "fiscal and economic",
                     "not stated", "test fixture (made-up)", "n/a")


def test_combined_fiscal_and_economic_value_is_not_a_zero_fiscal_return() -> None:
    # Households into Work used to publish "Fiscal return 0.000 (exact)": its only value is combined.
    r = appraise({"deadweight": 0.2, "optimism_bias": 0.1}, 100, 500_000, [COMBINED])
    t = r.table().set_index("measure")
    fiscal = t.loc["Fiscal return (PV fiscal benefits / PV costs)"]
    assert np.isnan(fiscal["value"]) and fiscal["method"].startswith("not computed: no unit value is purely fiscal")
    # The only value is combined, so its return is the BCR: shown once, on the BCR's row, named.
    combined = t.loc["Benefit-cost ratio = Fiscal and economic return (combined, not split; PV / PV costs)"]
    assert combined["value"] == pytest.approx(r.bcr.value)
    assert "benefit-cost ratio and combined fiscal and economic return are the same number" in str(r)
    assert not (t["value"] == 0).any()   # no zero return published
    frame = r.to_frame().set_index("measure")
    assert frame.loc["Fiscal and economic return (combined, not split; PV / PV costs)", "value"] == pytest.approx(r.bcr.value)


def test_coinciding_ratios_are_shown_once_with_a_sentence() -> None:
    # Housing First: one fiscal value, no optimism bias -> BCR = SROI ratio = fiscal return.
    r = appraise({"deadweight": 0.2}, 100, 500_000, [FISCAL])
    t = r.table()
    assert len(t) == 6   # 8 headlines, two folded into the BCR row
    row = t[t["measure"].str.startswith("Benefit-cost ratio")].iloc[0]
    assert row["measure"] == "Benefit-cost ratio = SROI ratio = Fiscal return (PV fiscal benefits / PV costs)"
    assert "benefit-cost ratio, SROI ratio and fiscal return are the same number" in str(r)
    # With optimism bias and a social value nothing coincides: all three rows, no sentence.
    u = appraise({"deadweight": 0.2, "optimism_bias": 0.2}, 100, 500_000, [FISCAL, SOCIAL])
    assert len(u.table()) == 8 and "same number" not in str(u)
    # Optimism bias only: BCR = fiscal return (all fiscal), SROI ratio differs.
    v = appraise({"deadweight": 0.2, "optimism_bias": 0.2}, 100, 500_000, [FISCAL])
    assert "Benefit-cost ratio = Fiscal return (PV fiscal benefits / PV costs)" in set(v.table()["measure"])


def test_combined_return_has_its_own_row_beside_a_fiscal_one() -> None:
    r = appraise({"deadweight": 0.2, "optimism_bias": 0.1}, 100, 500_000, [FISCAL, COMBINED])
    t = r.table().set_index("measure")
    assert t.loc["Fiscal and economic return (combined, not split; PV / PV costs)", "value"] == pytest.approx(
        r.fiscal_and_economic_return.value)
    assert t.loc["Fiscal return (PV fiscal benefits / PV costs)", "value"] == pytest.approx(r.fiscal_return.value)
    assert r.fiscal_return.value > 0
    assert r.fiscal_return.value + r.fiscal_and_economic_return.value == pytest.approx(r.bcr.value)


def test_a_median_point_is_labelled_as_one() -> None:
    from svimpact.estimators.distributions import Draws

    assert "point: median" in Draws(np.array([0.1, 0.2, 0.6])).describe()
    assert "median" not in Draws(np.array([0.1, 0.2, 0.6]), point_value=0.2).describe()
