"""Issue 15, item 4: WELLBY valuation and distributional weights, worked by hand.

References: HM Treasury, Wellbeing Guidance for Appraisal (July 2021), section 4.3, Box 7 (WELLBY
£13,000, low £10,000, high £16,000, 2019 prices; example 0.2 points for 2 years = £2,600 a year,
range £2,000-£3,200). The Green Book, annex A3, A3.14 and A3.20 (elasticity 1.3; bottom-quintile
weight 2.4 from 2015 data). Health discount rate 1.5% (Green Book annex A6).
"""

from __future__ import annotations

import numpy as np
import pytest

from svimpact import ParamsError
from svimpact.estimators.appraisal import appraise
from svimpact.estimators.appraisal.wellbeing import distributional_weights, quintile_weights, wellby_value
from svimpact.estimators.valuation import load_unit_values


def test_shipped_wellby_value_carries_its_figures_and_source() -> None:
    w = load_unit_values()["hmt_wellby_2019"]
    assert (w.amount, w.low, w.high, w.price_year) == (13000, 10000, 16000, "2019")
    assert "Box 7" in w.source and "July 2021" in w.source and w.value_type == "wellbeing"
    assert w.schedule == "health"


def test_box_7_example_by_hand_through_the_appraisal() -> None:
    # Box 7: 0.2 points x £13,000 = £2,600 a year for 2 years, range £2,000 to £3,200.
    v = wellby_value(0.2)
    assert (v.amount, v.low, v.high) == pytest.approx((2600, 2000, 3200))
    # One participant, effect lasting 2 years, discounted on the health schedule (1.5%):
    # PV = 2,600 + 2,600 / 1.015 = 5,161.58 (central); the range scales likewise.
    r = appraise({"persistence": 2}, 1, 1000, [v], years=5, seed=1, n_draws=20_000)
    by_hand = 2600 * (1 + 1 / 1.015)
    assert by_hand == pytest.approx(5161.576, abs=1e-3)
    # The value is uncertain (triangular 2,000 / 2,600 / 3,200, mean 2,600): the central PV is the
    # mean of the draws, within Monte Carlo error of the hand figure.
    assert r.pv_benefits.value == pytest.approx(by_hand, rel=0.003)
    assert 2000 * (1 + 1 / 1.015) < r.pv_benefits.lower < by_hand < r.pv_benefits.upper < 3200 * (1 + 1 / 1.015)
    # Health-schedule stream: a standard-rate discount would give 2,600 (1 + 1/1.035) instead.
    assert r.by_stream.set_index("stream").loc["Benefits (health and wellbeing)", "value"] == pytest.approx(r.pv_benefits.value)
    with pytest.raises(ParamsError, match="positive number of points"):
        wellby_value(-0.1)


def test_distributional_weights_by_hand() -> None:
    # Deciles 1, 2 -> quintile 1 (weight 2.4); 3 -> quintile 2; 9, 10 -> quintile 5 (weight 1).
    t = distributional_weights([1, 2, 3, 9, 10], 1000.0).set_index("income_quintile")
    assert t.loc["1", "share"] == pytest.approx(0.4) and t.loc["1", "weight"] == 2.4
    assert t.loc["Total", "unweighted"] == 1000.0
    assert t.loc["Total", "weighted"] == pytest.approx(400 * 2.4 + 200 + 400)   # 1,560
    # The formula: (median / quintile income) ** 1.3; a quintile at half the median gets 2 ** 1.3 = 2.46.
    w = quintile_weights({1: 10_000, 2: 15_000, 3: 20_000, 4: 30_000, 5: 50_000}, median=20_000)
    assert w[1] == pytest.approx(2 ** 1.3) and w[3] == pytest.approx(1.0) and w[5] == pytest.approx(0.4 ** 1.3)
    with pytest.raises(ParamsError, match="rows 2"):
        distributional_weights([1, 11], 1.0)
    assert np.isclose(distributional_weights([5, 6], 10.0).set_index("income_quintile").loc["Total", "weighted"], 10.0)


def test_weights_apply_only_to_benefits_the_people_served_receive() -> None:
    from svimpact.estimators.appraisal.wellbeing import beneficiary_weights
    from svimpact.estimators.valuation import UnitValue

    fiscal = UnitValue("f", "Fiscal saving", 1000, "GBP", "2019", "fiscal", "LA", "test fixture (made-up)", "n/a")
    r = appraise({}, 1, 100, [fiscal, wellby_value(0.1)], years=1, price_year="2019", seed=2, n_draws=2000)
    t = beneficiary_weights(r, [1, 10]).set_index("income_quintile")
    wellbeing_pv = r.by_value_type.set_index("value_type").loc["wellbeing", "value"]
    assert t.loc["Total", "unweighted"] == pytest.approx(wellbeing_pv)          # not the fiscal saving
    assert t.loc["Total", "weighted"] == pytest.approx(wellbeing_pv * (0.5 * 2.4 + 0.5))
    assert beneficiary_weights(appraise({}, 1, 100, [fiscal], years=1), [1]) is None


def test_published_weights_use_published_counts_only() -> None:
    # 3 beneficiaries in quintile 1 (deciles 1-2: withheld under nhs-hes, 1-7), 20 in quintile 3.
    deciles = [1] * 3 + [5] * 20
    t = distributional_weights(deciles, 100.0, rule="nhs-hes").set_index("income_quintile")
    assert np.isnan(t.loc["1", "share"])                      # withheld, and nothing computed from it
    assert t.loc["3", "share"] == pytest.approx(20 / 25)      # published 20 over published total 25
    rest = t.loc["withheld or rounding (weight 1)", "share"]
    assert rest == pytest.approx(0.2) and t.loc["Total", "weighted"] == pytest.approx(100.0)
