"""Published forms of the additionality results (svimpact.report.disclosed): no count comes back.

Each test first shows the route open on the raw result (so the test can fail), then closed on the
published form. Rule: nhs-hes (0 stays 0, 1-7 suppressed, others rounded to 5).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import REPO

import svimpact
from svimpact.disclosure import SUPPRESSED
from svimpact.estimators.survey import leakage_from_geography, survey_deadweight
from svimpact.report.disclosed import (
    publishable_balance,
    publishable_effect,
    publishable_leakage,
    publishable_survey,
    published_count,
)

pytestmark = pytest.mark.filterwarnings("ignore:Poor overlap")


def _small_service(n_treated=67, successes=63, n_comparison=600, seed=3) -> pd.DataFrame:
    """67 participants of whom 63 achieved the outcome (4 did not: a cell of 1-7), one with a rare trait."""
    rng = np.random.default_rng(seed)
    age = rng.normal(40, 10, n_treated + n_comparison)
    treated = np.r_[np.ones(n_treated, int), np.zeros(n_comparison, int)]
    y = np.r_[np.ones(successes, int), np.zeros(n_treated - successes, int),
              (rng.random(n_comparison) < 0.5).astype(int)]
    rare = np.zeros(n_treated + n_comparison, int)
    rare[0] = 1  # 1 of 67 participants: a category share of 1/67
    rare[n_treated: n_treated + 40] = 1
    tenure = np.where(np.arange(n_treated + n_comparison) % 3 == 0, "social", "private")
    tenure[1:3] = "shared"  # 2 of 67 participants
    tenure[n_treated: n_treated + 30] = "shared"
    return pd.DataFrame({"y": y, "t": treated, "age": age, "rare": rare, "tenure": tenure})


def _recovers(mean: float, published_n: int, rounding: int = 5) -> set[int]:
    """Counts k (0 < k < n) with k / n equal to ``mean`` at its printed digits, for every n the rounding allows."""
    text = repr(float(mean))
    digits = len(text.split(".")[1]) if "." in text else 0
    found = set()
    for n in range(published_n - rounding // 2, published_n + rounding // 2 + 1):
        for k in range(1, n):
            if round(k / n, digits) == round(mean, digits):
                found.add(n - k)
    return found


@pytest.fixture(scope="module")
def small_effect():
    data = _small_service()
    raw = svimpact.estimate_effect(data, outcome="y", treatment="t", covariates=["age"], method="ipw", seed=1)
    return data, raw, publishable_effect(raw)


def test_observed_rate_times_n_gives_back_the_small_complement_on_the_raw_result(small_effect):
    _, raw, _ = small_effect
    # 63 / 67 = 0.940299..: the only n in 65 +/- 2 with a matching k is 67, so 4 did not sustain.
    assert _recovers(raw.observed.value, 65) == {4}


def test_published_observed_rate_is_the_published_counts_ratio(small_effect):
    _, raw, pub = small_effect
    assert pub.observed.value == pytest.approx(65 / 65)  # 63 -> 65 and 67 -> 65
    # ATT + counterfactual = observed, so none of them carries more than the published counts.
    assert pub.att.value + pub.counterfactual.value == pytest.approx(pub.observed.value, abs=1.5e-3)
    assert pub.deadweight.value == pytest.approx(round(pub.counterfactual.value / pub.observed.value, 3), abs=1e-3)
    assert pub.counterfactual.value == pytest.approx(raw.counterfactual.value, abs=5e-4)
    # The interval moves with the estimate and still contains it.
    assert pub.att.lower <= pub.att.value <= pub.att.upper
    assert pub.att.upper - pub.att.lower == pytest.approx(raw.att.upper - raw.att.lower, abs=2e-3)
    assert np.allclose(pub.draws.deadweight, pub.draws.counterfactual / pub.observed.value)
    assert any("published count" in w for w in pub.warnings)


def test_balance_withholds_category_shares_resting_on_small_counts(small_effect):
    data, _, pub = small_effect
    effect = svimpact.estimate_effect(data, outcome="y", treatment="t", covariates=["age", "rare", "tenure"],
                                      method="ipw", seed=1)
    raw = effect.balance.set_index("covariate")
    assert round(raw.loc["rare", "mean_treated"] * 67) == 1  # the raw table publishes 1/67
    table = publishable_balance(effect, data, "t")
    shown = table.to_publish().set_index("covariate")
    assert shown.loc["rare", "mean_treated"] == SUPPRESSED and shown.loc["rare", "smd_before"] == SUPPRESSED
    assert shown.loc["tenure[shared]", "mean_treated"] == SUPPRESSED
    # A publishable category is a published count over the published group size, to 3 decimal places.
    social = int((data.loc[data.t == 1, "tenure"] == "social").sum())
    expected = round(published_count(social).value / published_count(67).value, 3)
    assert shown.loc["tenure[social]", "mean_treated"] == expected
    # Continuous covariates are means (not counts), at 3 significant figures.
    assert len(f"{shown.loc['age', 'mean_treated']:g}".replace(".", "").lstrip("0")) <= 3
    assert {a.row for a in table.audit} >= {"rare", "tenure[shared]"}


def test_leakage_distribution_rests_on_published_counts_and_never_prints_the_small_one():
    people = pd.DataFrame({"lsoa": ["A"] * 64 + ["X", "Y", "Z"]})  # 3 of 67 live outside
    leak = leakage_from_geography(people, "lsoa", ["A"])
    assert "3 / 64" in leak.distribution.describe()  # the raw form names the small count
    dist = publishable_leakage(leak)
    assert SUPPRESSED in dist.describe() and "3 /" not in dist.describe() and " 64" not in dist.describe()
    assert dist.successes == 4 and dist.successes + dist.failures == 65  # 1..7 enters as 4, of the published 65
    lo, hi = dist.bounds()
    assert lo < 3 / 67 < hi and lo < 7 / 67 < hi  # the interval spans what the suppressed count may be


def test_survey_share_is_withheld_when_a_counted_answer_is_small():
    answers = pd.DataFrame({"q": ["yes_fully"] * 30 + ["partly"] * 2 + ["no"] * 40})
    survey = survey_deadweight(answers, column="q")
    share, why = publishable_survey(survey)
    assert share is None and "1 to 7" in why
    answers = pd.DataFrame({"q": ["yes_fully"] * 31 + ["partly"] * 12 + ["no"] * 38})
    share, _ = publishable_survey(survey_deadweight(answers, column="q"))
    assert share is not None and share.value == pytest.approx(round((30 + 0.5 * 10) / 80, 3))


def test_estimator_warnings_carry_published_counts_only(small_effect):
    _, raw, pub = small_effect
    assert any("1 of 67 participants" in w for w in raw.warnings)  # the raw warning names 1 person
    overlap = [w for w in pub.warnings if w.startswith("Poor overlap")]
    assert overlap and all(f"{SUPPRESSED} of 65 participants have" in w for w in overlap)
    assert not any("67" in w or "1.5%" in w for w in pub.warnings)


def test_published_notebooks_do_not_print_svimpact_warnings(tmp_path):
    import warnings

    from svimpact.exceptions import OverlapWarning
    from svimpact.report import open_service

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        open_service(REPO / "params" / "housing_first.yaml", tmp_path / "out", 1)
        warnings.warn("Poor overlap: 1 of 67 participants", OverlapWarning, stacklevel=1)
    assert not [w for w in seen if issubclass(w.category, OverlapWarning)]


def test_value_by_decile_hides_the_deciles_every_table_of_these_people_hides():
    from types import SimpleNamespace

    from svimpact._results import Interval
    from svimpact.geo.targeting.published import decile_pattern
    from svimpact.report.tables import value_by_decile

    counts = [31, 55, 38, 47, 38, 36, 22, 22, 8, 3]  # decile 10 is small; decile 9 hidden with it
    appraisal = SimpleNamespace(by_decile=pd.DataFrame({"imd_decile": range(1, 11), "beneficiaries": counts}),
                                pv_benefits=Interval(1_000_000.0, 600_000.0, 1_400_000.0))
    table = value_by_decile(appraisal)
    shown = table.to_publish().set_index("imd_decile")
    hidden = {int(d) for d in shown.index[:-1] if shown.loc[d, "beneficiaries"] == SUPPRESSED}
    assert hidden == set(decile_pattern(dict(enumerate(counts, 1)))) == {9, 10}
    assert all(shown.loc[str(d), c] == SUPPRESSED for d in hidden for c in ("share", "value", "lower", "upper"))
    # Shares are published counts over the published total (300): 31 -> 30, so 30 / 300.
    assert shown.loc["Total", "beneficiaries"] == 300 and shown.loc["1", "share"] == pytest.approx(0.1)
    assert shown.loc["1", "value"] == pytest.approx(100_000.0)
    # The withheld deciles' value is the Total's less the deciles shown: nothing finer comes back.
    visible = sum(shown.loc[str(d), "value"] for d in range(1, 9))
    assert 1_000_000.0 - visible == pytest.approx(1_000_000.0 * (300 - 285) / 300)


def test_plain_text_form_of_a_published_table_holds_no_audit_and_no_withheld_value():
    from svimpact.disclosure import disclose
    from svimpact.report.publish import PublishedTable

    table = disclose(pd.DataFrame({"g": ["a", "b", "c", "Total"], "n": [3, 20, 30, 53]}), counts=["n"], label="g",
                     total_label="Total")
    text = repr(PublishedTable(table, "Users by group"))
    assert "secondary" not in text and "AuditEntry" not in text and "count between" not in text
    import re

    assert re.findall(r"\b\d+\b", text) == ["30", "55"] and SUPPRESSED in text and "Users by group" in text
