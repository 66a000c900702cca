"""Tests for survey- and geography-based shares (svimpact.estimators.survey)."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import REFERENCE, need
from scipy.stats import beta

from svimpact import InputDataError, ParamsError
from svimpact.estimators.distributions import BetaCounts
from svimpact.estimators.survey import (
    leakage_from_geography,
    survey_deadweight,
    survey_displacement,
    survey_share,
)


def answers(yes: int, partly: int, no: int, dk: int = 0) -> pd.DataFrame:
    codes = ["yes_fully"] * yes + ["partly"] * partly + ["no"] * no + ["dont_know"] * dk
    return pd.DataFrame({"answer": codes})


def test_partial_answers_weighted_and_weights_reported() -> None:
    r = survey_deadweight(answers(10, 20, 60, 10))
    # (10 x 1 + 20 x 0.5) / 90 = 20 / 90
    assert r.share.value == pytest.approx(20 / 90)
    assert r.weights == {"yes_fully": 1.0, "partly": 0.5, "no": 0.0}
    assert r.n_used == 90 and r.n_excluded == 10
    table = r.counts.set_index("answer")
    assert table.loc["partly", "weighted"] == 10.0
    assert table.loc["dont_know", "respondents"] == 10
    assert not table.loc["dont_know", "counted"]
    assert "partly = 0.5" in str(r)
    assert r.question == "deadweight"


def test_custom_partial_weight_changes_the_share() -> None:
    r = survey_share(answers(10, 20, 70), weights={"yes_fully": 1, "partly": 0.25, "no": 0})
    assert r.share.value == pytest.approx(15 / 100)
    assert r.weights["partly"] == 0.25


def test_interval_is_the_jeffreys_posterior_interval() -> None:
    r = survey_displacement(answers(10, 20, 60))
    lo, hi = beta.ppf([0.025, 0.975], 20.5, 70.5)
    assert (r.share.lower, r.share.upper) == pytest.approx((lo, hi))
    assert r.distribution == BetaCounts(20.0, 70.0, 0.5)
    assert r.to_distribution() is r.distribution


def test_answer_codes_are_case_and_space_insensitive() -> None:
    df = pd.DataFrame({"answer": [" Yes_Fully", "NO", "partly"]})
    assert survey_share(df).n_used == 3


def test_missing_answers_are_an_error_naming_rows() -> None:
    df = pd.DataFrame({"q7": ["yes_fully", None, "no", None]})
    with pytest.raises(InputDataError, match=r"column 'q7': has missing answers \(rows 2, 4"):
        survey_share(df, "q7", file="data/survey.csv")


def test_unrecognised_answers_are_an_error_naming_rows_and_codes() -> None:
    df = pd.DataFrame({"answer": ["yes_fully", "maybe", "no"]})
    with pytest.raises(InputDataError, match=r"unrecognised answers \(maybe\) \(row 2\)"):
        survey_share(df)


def test_missing_column_and_all_excluded_are_errors() -> None:
    with pytest.raises(InputDataError, match="column 'answer': column not found"):
        survey_share(pd.DataFrame({"x": ["no"]}))
    with pytest.raises(InputDataError, match="no usable answers"):
        survey_share(answers(0, 0, 0, 3))


def test_weight_outside_unit_interval_is_an_error() -> None:
    with pytest.raises(ParamsError, match=r"weights.partly.*\[0, 1\]"):
        survey_share(answers(1, 1, 1), weights={"yes_fully": 1, "partly": 1.5, "no": 0})


def test_leakage_is_share_outside_target_area() -> None:
    df = pd.DataFrame({"lsoa": ["A", "B", "C", "D", "D"]})
    r = leakage_from_geography(df, "lsoa", {"A", "B", "C"})
    assert r.share.value == pytest.approx(0.4)
    assert (r.n_inside, r.n_outside) == (3, 2)
    assert r.outside_codes.to_dict("records") == [{"area_code": "D", "participants": 2}]


def test_leakage_missing_area_codes_are_an_error() -> None:
    df = pd.DataFrame({"lsoa": ["A", None, ""]})
    with pytest.raises(InputDataError, match=r"missing area codes \(rows 2, 3"):
        leakage_from_geography(df, "lsoa", {"A"})


def test_leakage_with_real_lcr_lsoas() -> None:
    path = need(REFERENCE / "iod2019/iod2019_lsoa11_lcr.csv")
    lsoas = pd.read_csv(path, usecols=[0, 3])
    lsoas.columns = ["lsoa", "lad"]
    liverpool = set(lsoas.loc[lsoas["lad"] == "Liverpool", "lsoa"])
    assert len(liverpool) == 298  # reference-data README: Liverpool has 298 2011 LSOAs
    # Every LCR LSOA once: participants outside Liverpool = 989 - 298 = 691 of 989.
    r = leakage_from_geography(lsoas, "lsoa", liverpool)
    assert (r.n_inside, r.n_outside) == (298, 691)
    assert r.share.value == pytest.approx(691 / 989)
    assert r.share.contains(691 / 989) and r.share.width < 0.07


def test_survey_result_goes_into_the_ledger_and_chain() -> None:
    from svimpact.estimators.additionality import net_additional
    from svimpact.estimators.ledger import Evidence, Ledger, Source

    r = survey_deadweight(answers(10, 20, 60, 10))
    ev = Evidence("survey", Source("HF beneficiary survey", "2025", "Q7"), sms_level=1)
    led = Ledger.from_mapping({}).with_draws("deadweight", r, ev)
    assert led.distributions()["deadweight"] == r.distribution
    net = net_additional(90, deadweight=r, seed=2, n_draws=5000).net
    # Central value = expected value (issue 15): 90 x (1 - E[DW]), E[DW] the Beta mean (20 + 0.5) / (90 + 1)
    # rather than the observed share 20/90 (which gave 70.0); up to Monte Carlo error (se ~0.06).
    assert r.distribution.mean == pytest.approx(20.5 / 91)
    assert net.value == pytest.approx(90 * (1 - 20.5 / 91), abs=0.25)
    assert net.lower < 70 < net.upper


def test_sooner_bigger_better_follow_ups_as_weighted_codes() -> None:
    df = pd.DataFrame({"a": ["yes_fully"] * 2 + ["partly_later"] * 4 + ["partly_smaller"] * 4
                       + ["no"] * 10})
    w = {"yes_fully": 1.0, "partly_later": 0.75, "partly_smaller": 0.25, "no": 0.0}
    r = survey_deadweight(df, "a", weights=w)
    assert r.share.value == pytest.approx((2 + 3 + 1) / 20)
    assert r.weights == w
