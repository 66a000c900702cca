"""Sustainment in the chapter (issue 14): the published form of a Kaplan-Meier share, the curves and the prose.

Threat model: ../shared/METHODS.md section 6 (a reader holds every published file at once).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from svimpact.datasets.durations import simulate_sustainment
from svimpact.disclosure import get_rule, rounded_count
from svimpact.estimators.sustainment import estimate_sustainment
from svimpact.exceptions import DisclosureError
from svimpact.report import sustainment as S
from svimpact.report.disclosed import publishable_effect

RULE = get_rule("nhs-hes")


def _uncensored(n: int, k: int) -> pd.DataFrame:
    """n people followed for two years; k of them still in their spell at 12 months (no one censored before)."""
    start = pd.Series(pd.Timestamp("2023-01-01"), index=range(n))
    lengths = np.where(np.arange(n) < k, 500, 100)
    end = (start + pd.to_timedelta(lengths, unit="D")).where(lengths < 700)
    return pd.DataFrame({"start": start.dt.strftime("%Y-%m-%d"), "end": end.dt.strftime("%Y-%m-%d")})


def _estimate(data: pd.DataFrame, cutoff: object = "2025-01-31", **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimate_sustainment(data, start="start", end="end", cutoff=cutoff, horizon=12, **kw)


@pytest.mark.parametrize("n, k", [(203, 150), (311, 97), (157, 140)])
def test_without_censoring_the_published_share_is_the_published_count_over_published_n(n, k):
    est = _estimate(_uncensored(n, k))
    assert est.participants.value == pytest.approx(k / n, abs=1e-12)  # Kaplan-Meier is then a plain share
    naive = round(est.participants.value * 100, 1)  # printed to 1 decimal place, as a derived percentage
    assert round(naive / 100 * n) == k and abs(naive / 100 * n - k) < 0.5  # ... it hands the count back
    pub = S.publishable_sustainment(est, RULE)
    assert pub.participants.value == pytest.approx(round(rounded_count(k, RULE) / rounded_count(n, RULE), 3))
    assert publishable_effect(est, RULE).participants.value == pub.participants.value  # the pipeline's entry point


def test_withheld_when_few_ended_or_at_risk():
    with pytest.raises(DisclosureError, match=r"participants: number ended at 12 months is suppressed"):
        S.publishable_sustainment(_estimate(_uncensored(120, 115)), RULE)  # 5 ended
    with pytest.raises(DisclosureError, match=r"participants: number at risk at 12 months"):
        S.publishable_sustainment(_estimate(_uncensored(120, 4)), RULE)  # 4 still going


def test_curves_stop_where_the_risk_set_is_small():
    sim = simulate_sustainment(n_treated=60, n_comparison=400, seed=4, follow_after_days=20)
    est = _estimate(sim.data, sim.cutoff, treatment="treated", covariates=sim.covariates)
    pub = S._published(est.curves, RULE)
    part = pub[pub.group == "participants"]
    small = part.at_risk < 8
    assert small.any(), "the fixture must reach a small risk set"
    assert not part.loc[small, "drawn"].any() and part.loc[part.at_risk >= 10, "drawn"].all()
    table = S.at_risk_table(est, RULE)
    shown = set(table["participants"]) | set(table["comparison group"])
    assert all(v == "[c]" or int(v.replace(",", "")) % 5 == 0 for v in shown)
    fig = S.sustainment_figure(est, RULE, label="tenancy sustained")
    line = fig.axes[0].lines[0]
    assert max(line.get_xdata()) < est.horizon_days / (365.25 / 12)  # the participants' curve stops early
    assert "fewer than 8 people" in " ".join(t.get_text() for t in fig.texts)


def test_follow_up_sentence_uses_published_counts():
    sim = simulate_sustainment(seed=2)
    est = _estimate(sim.data, sim.cutoff, treatment="treated", covariates=sim.covariates)
    text = S.follow_up_sentence(est, RULE, spell="a tenancy")
    n = est.at_risk_participants.still_going_short
    assert n > 7 and f" {n} " not in text or n % 5 == 0
    assert f"{rounded_count(n, RULE):,} participants started a tenancy less than 12 months before it" in text
    assert "count for the time they were followed" in text


def test_curve_drawn_on_the_headline_grid():
    est = _estimate(_uncensored(203, 150))
    pub = S._published(est.curves, RULE)
    part = pub[pub.group == "participants"]
    assert part["survival"].iloc[-1] == pytest.approx(S.publishable_sustainment(est, RULE).participants.value, abs=5e-4)
    assert ((part["survival"] * 205 / 5).round(9) % 1 == 0).all()  # multiples of 5 / published N (205)
