"""Tests for the appraisal (svimpact.estimators.appraisal)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from svimpact import InputDataError, ParamsError
from svimpact.estimators.additionality import ReferenceCase
from svimpact.estimators.appraisal import AppraisalResult, appraise
from svimpact.estimators.distributions import Pert, Triangular, Uniform
from svimpact.estimators.ledger import Ledger
from svimpact.estimators.valuation import DeflatorSeries, UnitValue, load_unit_values

FISCAL = UnitValue("f", "Fiscal saving", 1000, "GBP per person per year", "2020", "fiscal",
                   "Local authority", "test fixture (made-up)", "n/a")
SOCIAL = UnitValue("s", "Wellbeing", 500, "GBP per person per year", "2020", "social",
                   "Individual", "test fixture (made-up)", "n/a")
FIXED_LEDGER = {"deadweight": 0.2, "persistence": 3, "drop_off": 0.1, "optimism_bias": 0.2}
UNCERTAIN_LEDGER = {
    "deadweight": Triangular(0.1, 0.2, 0.4), "leakage": 0.1,
    "displacement": Pert(0.1, 0.25, 0.4), "multiplier": Uniform(1.0, 1.3),
    "persistence": Triangular(2, 3, 5), "drop_off": Uniform(0.1, 0.3),
    "optimism_bias": Triangular(0.1, 0.2, 0.5),
}


def by_hand() -> dict[str, float]:
    """The fixed case computed independently: 80 net outcomes x 1000 for 3 years, 10% drop-off,
    Green Book 3.5%; costs 100,000 in year 0 with 20% optimism bias."""
    net = 100 * (1 - 0.2)
    years = 1 + 0.9 / 1.035 + 0.81 / 1.035**2
    pvb = net * 1000 * years
    pvc = 100_000 * 1.2
    return {"net": net, "pvb": pvb, "pvc": pvc}


def test_fixed_appraisal_matches_hand_calculation() -> None:
    r = appraise(FIXED_LEDGER, 100, 100_000, [FISCAL], years=10)
    h = by_hand()
    assert r.net_outcomes.value == pytest.approx(h["net"])
    assert r.pv_benefits.value == pytest.approx(h["pvb"])
    assert r.pv_costs.value == pytest.approx(h["pvc"])
    assert r.npsv.value == pytest.approx(h["pvb"] - h["pvc"])
    assert r.bcr.value == pytest.approx(h["pvb"] / h["pvc"])
    assert r.sroi_ratio.value == pytest.approx(h["pvb"] / 100_000)  # inputs before OB
    assert r.cost_per_outcome.value == pytest.approx(h["pvc"] / h["net"])
    assert r.fiscal_return.value == pytest.approx(h["pvb"] / h["pvc"])
    assert r.npsv.lower == r.npsv.upper == r.npsv.value  # plain numbers: exact
    assert r.settings["n_draws"] == 0


def test_yearly_cohorts_and_costs_are_discounted_by_year() -> None:
    r = appraise({"persistence": 1}, [0, 10], [0, 1000], [FISCAL], years=3)
    assert r.pv_benefits.value == pytest.approx(10 * 1000 / 1.035)
    assert r.pv_costs.value == pytest.approx(1000 / 1.035)
    assert r.bcr.value == pytest.approx(10.0)


def test_benefits_stop_at_the_end_of_the_appraisal_period() -> None:
    r = appraise({"persistence": 20}, 1, 1, [FISCAL], years=2)
    assert r.pv_benefits.value == pytest.approx(1000 * (1 + 1 / 1.035))


def test_health_schedule_is_used_for_health_values_only() -> None:
    # This test used to ask for schedule="health" and expect a *fiscal* value (and the costs) at
    # 1.5%. That was the fault issue 15 names: the Green Book's health rate is for health and
    # wellbeing effects only. Now the value's type picks its schedule, and asking for the health
    # schedule for everything is a clear error.
    health = UnitValue("h", "QALY gain", 1000, "GBP per person per year", "2020", "health",
                       "Individual", "test fixture (made-up)", "n/a")
    r = appraise({"persistence": 2}, 1, 1, [health], years=2)
    assert r.pv_benefits.value == pytest.approx(1000 * (1 + 1 / 1.015))
    f = appraise({"persistence": 2}, 1, 1, [FISCAL], years=2)
    assert f.pv_benefits.value == pytest.approx(1000 * (1 + 1 / 1.035))
    with pytest.raises(ParamsError, match="applies only to health and wellbeing values"):
        appraise({"persistence": 2}, 1, 1, [FISCAL], years=2, schedule="health")


def test_splits_by_value_type_and_agency_add_up() -> None:
    r = appraise(UNCERTAIN_LEDGER, 100, 150_000, [FISCAL, SOCIAL], seed=1, n_draws=5000)
    assert r.by_value_type["value"].sum() == pytest.approx(r.pv_benefits.value)
    assert set(r.by_value_type["value_type"]) == {"fiscal", "social"}
    assert set(r.by_agency["agency"]) == {"Local authority", "Individual"}
    fiscal = r.by_value_type.set_index("value_type").loc["fiscal", "value"]
    assert r.fiscal_return.value == pytest.approx(fiscal / r.pv_costs.value)
    assert r.by_value_type["lower"].lt(r.by_value_type["value"]).all()


def test_full_form_matches_shortcut() -> None:
    a = appraise({"leakage": 0.1, "deadweight": 0.2}, 100, 1000, [FISCAL])
    b = appraise({"leakage": 0.1}, 100, 1000, [FISCAL], reference=ReferenceCase(gross=20))
    assert a.npsv.value == pytest.approx(b.npsv.value)
    with pytest.raises(ParamsError, match="not both"):
        appraise({"deadweight": 0.2}, 100, 1000, [FISCAL], reference=ReferenceCase(gross=20))


def test_every_headline_is_an_interval_and_contains_its_point() -> None:
    r = appraise(UNCERTAIN_LEDGER, 100, 150_000, [FISCAL, SOCIAL], seed=3, n_draws=20_000)
    frame = r.to_frame()
    assert len(frame) == 8
    for _, row in frame.iterrows():
        assert row["lower"] < row["value"] < row["upper"], row["measure"]
    # Central values are expected values (issue 15), and the method says so.
    assert (frame["method"] == "Monte Carlo: mean of draws, percentile interval").all()


def test_same_seed_same_tables() -> None:
    kw = dict(seed=20261121, n_draws=3000)
    a = appraise(UNCERTAIN_LEDGER, 100, 150_000, [FISCAL, SOCIAL], **kw)
    b = appraise(UNCERTAIN_LEDGER, 100, 150_000, [FISCAL, SOCIAL], **kw)
    c = appraise(UNCERTAIN_LEDGER, 100, 150_000, [FISCAL, SOCIAL], seed=1, n_draws=3000)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    pd.testing.assert_frame_equal(a.by_agency, b.by_agency)
    pd.testing.assert_frame_equal(a.switching_values, b.switching_values)
    pd.testing.assert_frame_equal(a.tornado, b.tornado)
    assert not a.to_frame().equals(c.to_frame())


def test_switching_values_zero_the_npsv() -> None:
    r = appraise(UNCERTAIN_LEDGER, 100, 150_000, [FISCAL, SOCIAL], seed=1, n_draws=1000)
    sv = r.switching_values.set_index("parameter")
    dw = sv.loc["deadweight", "npsv = 0"]
    assert 0 < dw < 1
    assert sv.loc["deadweight", "bcr = 1"] == pytest.approx(dw, abs=1e-9)
    # Re-appraise at the switching value, everything else at its expected value: the sensitivity
    # tables hold the other assumptions at their means since issue 15 (they used to hold them at
    # their modes, which put the tornado's base off the headline's central value).
    point = {k: (v.mean if hasattr(v, "mean") else v) for k, v in UNCERTAIN_LEDGER.items()}
    point["deadweight"] = dw
    again = appraise(point, 100, 150_000, [FISCAL, SOCIAL])
    assert again.npsv.value == pytest.approx(0, abs=1e-4)
    assert again.bcr.value == pytest.approx(1, abs=1e-9)
    # Closed form for the unit value: NPSV linear in it.
    base = appraise(point | {"deadweight": UNCERTAIN_LEDGER["deadweight"].mean}, 100, 150_000, [FISCAL, SOCIAL])
    per_pound = base.by_value.set_index("value_id").loc["f", "value"] / 1000
    other = base.by_value.set_index("value_id").loc["s", "value"]
    expected = (base.pv_costs.value - other) / per_pound
    assert sv.loc["value:f", "npsv = 0"] == pytest.approx(expected, rel=1e-9)


def test_switching_value_nan_when_no_crossing() -> None:
    # PVB = 100 (1 - DW) x 1000 (one year), PVC = 1 x (1 + OB): DW switches at 1 - 1e-5;
    # OB would have to exceed 79,999, far outside the searched 0 to 5, so it is NaN.
    r = appraise({"deadweight": 0.2}, 100, 1, [FISCAL])
    sv = r.switching_values.set_index("parameter")
    assert sv.loc["deadweight", "npsv = 0"] == pytest.approx(1 - 1e-5, abs=1e-12)
    assert np.isnan(sv.loc["optimism_bias", "npsv = 0"])
    assert sv.loc["optimism_bias", "searched"] == "0 to 5"


def test_tornado_rows_for_uncertain_parameters_widest_first() -> None:
    r = appraise(UNCERTAIN_LEDGER, 100, 150_000, [FISCAL, SOCIAL], seed=1, n_draws=1000)
    t = r.tornado
    assert set(t["parameter"]) == {"deadweight", "displacement", "multiplier", "persistence",
                                   "drop_off", "optimism_bias"}
    assert t["swing"].is_monotonic_decreasing
    dw = t.set_index("parameter").loc["deadweight"]
    assert (dw["low"], dw["high"]) == (0.1, 0.4)
    assert dw["output_low"] > r.npsv.value > dw["output_high"]


def test_charts_are_figures() -> None:
    from matplotlib.figure import Figure

    r = appraise(UNCERTAIN_LEDGER, 100, 150_000, [FISCAL, SOCIAL], seed=1, n_draws=1000)
    fig = r.tornado_chart()
    assert isinstance(fig, Figure) and len(fig.axes[0].get_yticklabels()) == 6
    assert isinstance(r.waterfall_chart(), Figure)


def test_value_by_imd_decile() -> None:
    r = appraise(FIXED_LEDGER, 100, 1000, [FISCAL], beneficiary_deciles=[1, 1, 2, 10])
    d = r.by_decile.set_index("imd_decile")
    assert len(d) == 10
    assert d.loc[1, "share"] == 0.5 and d.loc[5, "beneficiaries"] == 0
    assert d["value"].sum() == pytest.approx(r.pv_benefits.value)
    with pytest.raises(InputDataError, match=r"rows 2, 3"):
        appraise(FIXED_LEDGER, 100, 1000, [FISCAL], beneficiary_deciles=[1, 11, None])
    assert appraise(FIXED_LEDGER, 100, 1000, [FISCAL],
                    beneficiary_deciles={1: 3, 2: 1}).by_decile.loc[0, "share"] == 0.75


def test_price_years_converted_with_the_deflator() -> None:
    lib = load_unit_values()
    rough = lib["gmca_v1_4_rough_sleeper_la_spend"]
    made_up = DeflatorSeries({"2010-11": 80.0, "2020-21": 100.0}, "test series (made up)",
                             "test", "none", example=True)
    r = appraise({"persistence": 1}, 1, 1, [rough], years=1, price_year="2020-21",
                 deflator=made_up)
    assert r.pv_benefits.value == pytest.approx(7900 * 100 / 80)
    assert "EXAMPLE SERIES" in r.settings["deflator"]
    assert r.settings["second_hand_values"] == ["gmca_v1_4_rough_sleeper_la_spend"]
    with pytest.raises(ParamsError, match="price year 2012-13 is not in the GDP deflator"):
        appraise({}, 1, 1, [lib["gmca_v1_4_jsa_claimant_into_work"]], price_year="2020-21",
                 deflator=made_up)
    with pytest.raises(ParamsError, match="pass a GDP deflator series"):
        appraise({}, 1, 1, list(lib), price_year="2020-21")


def test_appraise_accepts_a_ledger() -> None:
    led = Ledger.from_mapping({"adjustments": {
        "deadweight": {"value": 0.2, "evidence": {"method": "assumption", "confidence": "low"}},
        "persistence": {"value": 3, "evidence": {"method": "assumption", "confidence": "low"}},
        "drop_off": {"value": 0.1, "evidence": {"method": "assumption", "confidence": "low"}},
        "optimism_bias": {"value": 0.2, "evidence": {"method": "assumption",
                                                     "confidence": "medium"}},
    }}, file="params/test.yaml")
    r = appraise(led, 100, 100_000, [FISCAL])
    assert r.npsv.value == pytest.approx(by_hand()["pvb"] - by_hand()["pvc"])
    assert "evidence" not in r.ledger.columns and "method" in r.ledger.columns
    assert isinstance(r, AppraisalResult)
    assert "Net present social value" in str(r)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(ledger={"deadweight": 1.2}), r"share must lie in \[0, 1\]"),
        (dict(ledger={"deadweigth": 0.2}), "unknown adjustment"),
        (dict(years=0), "years must be a positive whole number"),
        (dict(costs=[-1]), "must be finite and >= 0"),
        (dict(values=[]), "non-empty sequence of UnitValue"),
        (dict(schedule="flat"), "unknown discount schedule"),
        (dict(schedule="health"), "applies only to health and wellbeing"),
        (dict(n_draws=0, ledger={"deadweight": Uniform(0, 0.5)}), "n_draws must be a positive"),
    ],
)
def test_bad_inputs_raise_clear_errors(kwargs: dict, message: str) -> None:
    args = dict(ledger={}, gross=10, costs=100, values=[FISCAL]) | kwargs
    with pytest.raises(ParamsError, match=message):
        appraise(args.pop("ledger"), args.pop("gross"), args.pop("costs"), args.pop("values"),
                 **args)


# ----------------------------------------------------------------- generic machinery
@pytest.mark.slow
def test_appraisal_intervals_converge_as_draws_grow() -> None:
    def spread(n: int) -> float:
        lows = [appraise(UNCERTAIN_LEDGER, 100, 150_000, [FISCAL], seed=s, n_draws=n).npsv.lower
                for s in range(8)]
        return float(np.std(lows))

    s_small, s_large = spread(1_000), spread(100_000)
    assert s_large < s_small / 4  # percentile error shrinks like 1 / sqrt(n): /10 expected


def test_return_per_pound_by_agency() -> None:
    r = appraise(FIXED_LEDGER, 100, 100_000, [FISCAL, SOCIAL])
    t = r.by_agency.set_index("agency")
    assert t.loc["Local authority", "return_per_pound"] == pytest.approx(
        t.loc["Local authority", "value"] / r.pv_costs.value)
    assert t["return_per_pound"].sum() == pytest.approx(r.bcr.value)
    u = appraise(UNCERTAIN_LEDGER, 100, 150_000, [FISCAL, SOCIAL], seed=1, n_draws=2000)
    row = u.by_value_type.set_index("value_type").loc["fiscal"]
    assert row["return_per_pound"] == pytest.approx(u.fiscal_return.value)
    assert row["return_lower"] == pytest.approx(u.fiscal_return.lower)


def test_uncertainty_is_the_stable_import_path() -> None:
    from svimpact.estimators import uncertainty

    assert uncertainty.appraise is appraise and uncertainty.AppraisalResult is AppraisalResult
