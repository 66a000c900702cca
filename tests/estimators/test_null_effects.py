"""A null or negative effect flows from the estimator through the ledger and the chain (issue 13, item 5).

An estimate with no effect has deadweight draws on both sides of 1 (the counterfactual may exceed
what participants achieved). The ledger and the chain accept them, the net impact comes out with an
interval that includes zero (or lies below it), and the chapter's sentence says there is no evidence
the service added to the outcome. Stated shares (numbers and distributions someone wrote) must
still lie in [0, 1].
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from svimpact import ParamsError
from svimpact._results import Interval
from svimpact.estimators.additionality import net_additional
from svimpact.estimators.appraisal import appraise
from svimpact.estimators.distributions import Draws, Triangular, check_kind
from svimpact.estimators.effects import estimate_effect
from svimpact.estimators.ledger import Evidence, Ledger, Source
from svimpact.estimators.valuation import UnitValue
from svimpact.report.tables import NO_EVIDENCE, effect_sentence

SOURCE = Source("admin data (test fixture)", "2025 extract", "outcome y")


@pytest.fixture(scope="module")
def null_estimate():
    """AIPW on a 0/1 outcome the service does not change (30% either way)."""
    rng = np.random.default_rng(4)
    n = 900
    x = rng.normal(size=n)
    t = (rng.uniform(size=n) < 1 / (1 + np.exp(1.2 - 0.8 * x))).astype(int)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(0.85 - 0.3 * x))).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimate_effect(pd.DataFrame({"y": y, "t": t, "x": x}), outcome="y", treatment="t",
                               covariates=["x"], method="aipw", seed=2)


def test_null_estimate_has_deadweight_draws_above_one(null_estimate):
    assert null_estimate.att.contains(0.0)
    assert null_estimate.draws.deadweight.max() > 1.0
    assert null_estimate.draws.deadweight.min() < 1.0


def test_ledger_accepts_estimated_deadweight_above_one(null_estimate):
    ledger = Ledger.from_mapping({}).with_estimate("deadweight", null_estimate, SOURCE)
    dw = ledger.distributions()["deadweight"]
    assert isinstance(dw, Draws)
    assert dw.support()[1] > 1.0


def test_chain_gives_a_negative_net_with_its_interval(null_estimate):
    r = net_additional(500, deadweight=null_estimate, leakage=0.1, seed=3, n_draws=4000)
    assert r.net.lower < 0 < r.net.upper  # no evidence of any net additional outcome
    assert (r.draws["after multiplier"] < 0).mean() > 0.05
    # A deadweight wholly above 1 (the service reduced the outcome) gives a net wholly below zero.
    worse = net_additional(500, deadweight=Draws(np.linspace(1.05, 1.3, 200)), seed=3)
    assert worse.net.upper < 0
    # The central value is the mean over the resampled draws (issue 15: expected values), which for these
    # evenly spaced draws is their median too: -87.5 up to Monte Carlo error (sd of net 36, 10,000 draws).
    assert worse.net.value == pytest.approx(500 * (1 - np.median(np.linspace(1.05, 1.3, 200))), abs=1.5)


def test_appraisal_runs_on_a_null_effect(null_estimate):
    ledger = Ledger.from_mapping({}).with_estimate("deadweight", null_estimate, SOURCE)
    value = UnitValue("f", "Fiscal saving", 1000, "GBP per person per year", "2020", "fiscal",
                      "Local authority", "test fixture (made-up)", "n/a")
    res = appraise(ledger, gross=500, costs=100_000, values=[value], years=1, n_draws=2000, seed=1)
    frame = res.to_frame().set_index("measure")
    assert np.isfinite(frame["value"].astype(float)).any()


def test_stated_shares_must_still_be_fractions():
    with pytest.raises(ParamsError, match=r"share must lie in \[0, 1\].*fractions"):
        net_additional(100, deadweight=1.2)
    with pytest.raises(ParamsError, match=r"share must lie in \[0, 1\]"):
        check_kind(Triangular(0.5, 0.9, 1.3), "deadweight", key="deadweight")
    with pytest.raises(ParamsError, match="share"):  # other shares stay in [0, 1] even when estimated
        net_additional(100, leakage=Draws([0.2, 1.2]))
    with pytest.raises(ParamsError, match="share"):
        Ledger.from_mapping({}).with_draws("displacement", Draws([0.5, 1.5]),
                                           Evidence("survey", SOURCE, sms_level=1))


def test_effect_sentence_says_no_evidence_when_the_interval_covers_zero(null_estimate):
    assert NO_EVIDENCE in effect_sentence(null_estimate.att, pct=True)
    assert effect_sentence(Interval(0.2, 0.1, 0.3), pct=True).startswith("The service added")
    below = effect_sentence(Interval(-0.2, -0.3, -0.1), pct=True)
    assert NO_EVIDENCE in below and "reduced" in below
    assert NO_EVIDENCE not in effect_sentence(Interval(12.0, 3.0, 21.0))
    assert "\u22121.0 to +5.0" in effect_sentence(Interval(0.02, -0.01, 0.05), pct=True)  # a true minus sign
    assert "could not be estimated" in effect_sentence(Interval(float("nan"), float("nan"), float("nan")))
