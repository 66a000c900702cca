"""Issue 15, items 2 and 5: discounting by stream, a lag before benefits, costs by year and price year.

Reference: HM Treasury, The Green Book (2022), annex A6, declining long-term discount rates:
standard 3.5% (years 0-30) then 3.0% (31-75); health 1.5% then 1.29%. The arithmetic below is
written out independently of svimpact's DiscountSchedule (a plain loop over years, compounding
band by band), so an error in either would show.
"""

from __future__ import annotations

import numpy as np
import pytest

from svimpact import ParamsError
from svimpact.estimators.appraisal import appraise
from svimpact.estimators.valuation import DeflatorSeries, UnitValue

HEALTH = UnitValue("h", "Health gain", 1000, "GBP per person per year", "2020", "health",
                   "Individual", "test fixture (made-up)", "n/a")
FISCAL = UnitValue("f", "Fiscal saving", 1000, "GBP per person per year", "2020", "fiscal",
                   "Local authority", "test fixture (made-up)", "n/a")


def by_hand_factors(first: float, after30: float, years: int) -> list[float]:
    """DF_0 = 1; DF_t = DF_{t-1} / (1 + r_t), r_t = first for t <= 30, after30 for 31 <= t <= 75."""
    out, df = [], 1.0
    for t in range(years):
        if t > 0:
            df /= 1 + (first if t <= 30 else after30)
        out.append(df)
    return out


def test_health_stream_at_1_5_and_costs_at_3_5_over_40_years_across_the_30_year_band() -> None:
    health_df = by_hand_factors(0.015, 0.0129, 40)
    std_df = by_hand_factors(0.035, 0.030, 40)
    assert std_df[31] == pytest.approx(std_df[30] / 1.03)           # the band boundary
    assert health_df[31] == pytest.approx(health_df[30] / 1.0129)
    # One outcome worth 1,000 a year for 40 years (no drop-off); costs 100 a year for 40 years.
    r = appraise({"persistence": 40}, 1, [100.0] * 40, [HEALTH, FISCAL], years=40)
    pv_health = 1000 * sum(health_df)
    pv_fiscal = 1000 * sum(std_df)
    pv_costs = 100 * sum(std_df)
    streams = r.by_stream.set_index("stream")
    assert streams.loc["Benefits (health and wellbeing)", "value"] == pytest.approx(pv_health, rel=1e-12)
    assert streams.loc["Benefits (fiscal, economic, social)", "value"] == pytest.approx(pv_fiscal, rel=1e-12)
    assert streams.loc["Costs (no optimism bias)", "value"] == pytest.approx(pv_costs, rel=1e-12)
    assert r.pv_benefits.value == pytest.approx(pv_health + pv_fiscal, rel=1e-12)
    assert r.pv_costs.value == pytest.approx(pv_costs, rel=1e-12)
    # The fault of old: everything at 1.5% (costs too) would give a different PV of costs.
    assert r.pv_costs.value != pytest.approx(100 * sum(health_df), rel=1e-3)
    assert streams.loc["Benefits (health and wellbeing)", "schedule"].startswith("health: 1.5%")


def test_a_lag_delays_benefits_but_not_costs() -> None:
    # Two-year lag over 5 years: a year-0 outcome persisting 5 years is valued in years 2, 3, 4 only.
    df = by_hand_factors(0.035, 0.03, 5)
    r = appraise({"persistence": 5}, 1, 100, [FISCAL], years=5, lag=2)
    assert r.pv_benefits.value == pytest.approx(1000 * (df[2] + df[3] + df[4]))
    assert r.pv_costs.value == pytest.approx(100)
    assert r.settings["lag"] == 2
    with pytest.raises(ParamsError, match="lag must be a whole number"):
        appraise({}, 1, 100, [FISCAL], lag=-1)


def test_costs_by_year_in_their_own_price_year_are_deflated_then_discounted() -> None:
    made_up = DeflatorSeries({"2018": 90.0, "2019": 95.0, "2020": 100.0}, "test series (made up)", "test",
                             "none", example=True)
    costs = [{"year": 0, "amount": 900, "price_year": 2018}, {"year": 1, "amount": 950, "price_year": 2019},
             {"year": 1, "amount": 50, "price_year": 2020}]
    r = appraise({}, 1, costs, [FISCAL], years=3, price_year=2020, deflator=made_up)
    # 900 x 100/90 = 1000 in year 0; 950 x 100/95 + 50 = 1050 in year 1, discounted at 3.5%.
    assert r.pv_costs.value == pytest.approx(1000 + 1050 / 1.035)
    assert r.settings["costs_price_years"] == ["2018", "2019", "2020"] and r.settings["costs_deflated"]
    with pytest.raises(ParamsError, match="pass a GDP deflator"):
        appraise({}, 1, costs, [FISCAL], years=3, price_year=2020)
    with pytest.raises(ParamsError, match=r"costs\[0\].year"):
        appraise({}, 1, [{"year": 7, "amount": 1}], [FISCAL], years=3)
    # Plain yearly numbers in another price year: costs_price_year.
    p = appraise({}, 1, [900, 0, 0], [FISCAL], years=3, price_year=2020, deflator=made_up, costs_price_year=2018)
    assert p.pv_costs.value == pytest.approx(1000)
    assert np.isfinite(p.bcr.value)


def test_cost_rows_show_optimism_bias_when_there_is_some() -> None:
    r = appraise({"optimism_bias": 0.2}, 1, 100, [FISCAL], years=1).by_stream.set_index("stream")
    assert r.loc["Costs (before optimism bias)", "value"] == pytest.approx(100)
    assert r.loc["Costs (optimism-bias adjusted)", "value"] == pytest.approx(120)
