"""Tests for discounting, prices, unit values and optimism bias (svimpact.estimators.valuation)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from svimpact import ParamsError
from svimpact.estimators.valuation import (
    HEALTH,
    STANDARD,
    VALUES_DIR,
    DeflatorSeries,
    DiscountSchedule,
    UnitValue,
    apply_optimism_bias,
    combined_optimism_bias,
    discount_factors,
    load_deflator,
    load_hact_values,
    load_unit_values,
    normalise_year,
    persistence_profile,
)


# ------------------------------------------------------------------ Green Book discounting
@pytest.mark.parametrize(
    ("t", "expected"),
    # METHODS.md section 3, derived standard discount factors (Green Book schedule).
    [(1, 0.9662), (5, 0.8420), (10, 0.7089), (30, 0.3563), (31, 0.3459)],
)
def test_standard_discount_factors_match_methods(t: int, expected: float) -> None:
    assert round(float(discount_factors(t + 1)[t]), 4) == expected


def test_year_zero_is_undiscounted() -> None:
    assert discount_factors(1)[0] == 1.0
    assert discount_factors(1, "health")[0] == 1.0


def test_bands_compound_without_restarting() -> None:
    df = discount_factors(400)
    # DF_t = DF_{t-1} / (1 + r_t), r_t from the band t falls in.
    expected = {30: 1.035**-30, 31: 1.035**-30 / 1.03, 75: 1.035**-30 * 1.03**-45,
                76: 1.035**-30 * 1.03**-45 / 1.025,
                301: 1.035**-30 * 1.03**-45 * 1.025**-50 * 1.02**-75 * 1.015**-100 / 1.01}
    for t, v in expected.items():
        assert df[t] == pytest.approx(v, rel=1e-12)


def test_rates_by_band_edges() -> None:
    r = STANDARD.rates(302)
    assert (r[30], r[31], r[75], r[76], r[125], r[126], r[200], r[201], r[300], r[301]) == (
        0.035, 0.03, 0.03, 0.025, 0.025, 0.02, 0.02, 0.015, 0.015, 0.01)
    h = HEALTH.rates(302)
    assert (h[1], h[31], h[76], h[126], h[201], h[301]) == (
        0.015, 0.0129, 0.0107, 0.0086, 0.0064, 0.0043)


def test_health_discount_factors_derived() -> None:
    df = discount_factors(32, "health")
    assert round(float(df[1]), 4) == 0.9852       # 1 / 1.015
    assert round(float(df[30]), 4) == 0.6398       # 1.015 ** -30
    assert df[31] == pytest.approx(1.015**-30 / 1.0129)


def test_schedule_records_edition_and_constant_schedule() -> None:
    assert "Green Book" in STANDARD.edition
    c = DiscountSchedule.constant(0.02, edition="sensitivity test")
    assert c.factors(3)[2] == pytest.approx(1 / 1.02**2)


def test_unknown_schedule_lists_valid_names() -> None:
    with pytest.raises(ParamsError, match="valid names are standard, health"):
        discount_factors(10, "green")


# ------------------------------------------------------------- persistence, optimism bias
def test_persistence_and_drop_off() -> None:
    p = persistence_profile(6, 3, 0.1)
    assert p == pytest.approx([1.0, 0.9, 0.81, 0, 0, 0])
    assert persistence_profile(4, 2.5, 0.0) == pytest.approx([1, 1, 0.5, 0])
    v = persistence_profile(3, np.array([1, 3]), np.array([0.0, 0.5]))
    assert v.shape == (2, 3) and v[1] == pytest.approx([1, 0.5, 0.25])


def test_optimism_bias_worked_example() -> None:
    # Green Book supplementary guidance (Mott MacDonald 2002), METHODS.md section 3:
    # 30% non-standard (upper bound 51%) + 70% standard (24%) = 15.3 + 16.8 = 32.1%.
    ob = combined_optimism_bias([(0.30, 0.51), (0.70, 0.24)])
    assert round(ob, 4) == 0.321
    assert float(apply_optimism_bias(100.0, ob)) == pytest.approx(132.1)


def test_optimism_bias_shares_must_sum_to_one() -> None:
    with pytest.raises(ParamsError, match="sum to 1"):
        combined_optimism_bias([(0.3, 0.51), (0.6, 0.24)])


# ------------------------------------------------------------------------- price years
def example_deflator() -> DeflatorSeries:
    """A MADE-UP series for tests (not real GDP deflator figures)."""
    return DeflatorSeries.from_mapping({
        "source": "svimpact test example (not real data)", "vintage": "test",
        "url": "none", "example": True,
        "series": {"2010-11": 80.0, "2011-12": 81.6, "2012-13": 83.2, "2020-21": 100.0},
    }, file="tests/example_deflator.yaml")


def test_deflator_conversion() -> None:
    d = example_deflator()
    assert d.convert(7900, "2010/11", "2020-21") == pytest.approx(7900 * 100 / 80)
    assert d.factor("2020-21", "2020-21") == 1.0
    assert d.example


def test_price_year_missing_from_deflator_is_a_clear_error() -> None:
    with pytest.raises(ParamsError) as exc:
        example_deflator().convert(100, "2009-10", "2020-21")
    msg = str(exc.value)
    assert "price year 2009-10 is not in the GDP deflator series (2010-11 to 2020-21" in msg
    assert msg.startswith("tests/example_deflator.yaml")


def test_deflator_file_needs_source_fields(tmp_path: Path) -> None:
    f = tmp_path / "d.yaml"
    f.write_text(yaml.safe_dump({"source": "x", "series": {"2019": 1.0}}))
    with pytest.raises(ParamsError, match=r"key 'vintage': required field is missing"):
        load_deflator(f)


def test_shipped_deflator_template_has_no_numbers() -> None:
    with pytest.raises(ParamsError, match="series must map years"):
        load_deflator(VALUES_DIR / "gdp_deflator.TEMPLATE.yaml")


def test_normalise_year() -> None:
    assert normalise_year("2010/11") == normalise_year("2010-2011") == "2010-11"
    assert normalise_year(2019) == "2019"
    with pytest.raises(ParamsError, match="cannot read price year"):
        normalise_year("2010/12")


# ------------------------------------------------------------------------- unit values
def test_shipped_library_is_sourced_and_second_hand_labelled() -> None:
    lib = load_unit_values()
    ids = {v.id for v in lib}
    # issue 15 added the WELLBY (read in the guidance's own text, so not second-hand).
    assert ids == {"gmca_v1_4_rough_sleeper_la_spend", "gmca_v1_4_jsa_claimant_into_work", "hmt_wellby_2019"}
    # METHODS.md section 3: GMCA v1.4 figures seen second-hand.
    rough = lib["gmca_v1_4_rough_sleeper_la_spend"]
    assert (rough.amount, rough.price_year, rough.value_type) == (7900, "2010-11", "fiscal")
    jsa = lib["gmca_v1_4_jsa_claimant_into_work"]
    assert (jsa.amount, jsa.price_year, jsa.value_type) == (9800, "2012-13",
                                                             "fiscal and economic")
    for v in lib:
        if v.id.startswith("gmca"):
            assert v.second_hand and "second-hand" in v.source and v.licence
        else:
            assert not v.second_hand and "Box 7" in v.source and v.licence


def test_no_hact_values_shipped() -> None:
    # HACT Social Value Bank values are CC BY-NC-ND: never shipped (METHODS.md section 3).
    for v in load_unit_values():
        assert "hact" not in (v.source + v.licence + v.name).lower()
    template = (VALUES_DIR / "hact_values.TEMPLATE.csv").read_text().strip().splitlines()
    assert len(template) == 1  # header only
    assert len(load_hact_values(VALUES_DIR / "hact_values.TEMPLATE.csv")) == 0


def test_hact_loader_reads_a_user_file_and_sets_licence(tmp_path: Path) -> None:
    f = tmp_path / "my_hact.csv"
    f.write_text("id,name,amount,unit,price_year,value_type,agency,source\n"
                 "h1,Made-up wellbeing value,\"1,234\",per person per year,2020,social,"
                 "Individual,user's licensed HACT file (test fixture; made-up number)\n")
    lib = load_hact_values(f)
    assert lib["h1"].amount == 1234.0
    assert "CC BY-NC-ND" in lib["h1"].licence and "not shipped" in lib["h1"].licence


def test_unit_value_errors_name_the_key(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    rec = dict(id="a", name="A", amount=1, unit="u", price_year=2020, value_type="fiscal",
               agency="LA", source="s", licence="l")
    # "wellbeing" became a value type in issue 15 (discounted on the health schedule); a typo is still an error.
    f.write_text(yaml.safe_dump({"values": [{**rec, "value_type": "wellness"}]}))
    with pytest.raises(ParamsError, match=r"values\[0\].value_type.*fiscal, economic, social"):
        load_unit_values(f)
    f.write_text(yaml.safe_dump({"values": [{k: v for k, v in rec.items() if k != "source"}]}))
    with pytest.raises(ParamsError, match=r"values\[0\].source': required field is missing"):
        load_unit_values(f)
    f.write_text(yaml.safe_dump({"values": [{**rec, "licnce": "x"}]}))
    with pytest.raises(ParamsError, match="did you mean 'licence'"):
        load_unit_values(f)


def test_unit_value_conversion_needs_a_deflator() -> None:
    v = UnitValue("a", "A", 7900, "u", "2010-11", "fiscal", "LA", "s", "l")
    with pytest.raises(ParamsError, match="pass a GDP deflator series"):
        v.in_prices_of("2020-21", None)
    assert v.in_prices_of("2020-21", example_deflator()).amount == pytest.approx(9875.0)
    assert v.in_prices_of("2010/11", None) is v
