"""Tests for the additionality ledger (svimpact.estimators.ledger)."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import yaml

from svimpact import ParamsError
from svimpact.estimators.distributions import BetaCounts, Draws, Fixed, Triangular
from svimpact.estimators.ledger import (
    LEDGER_KINDS,
    Evidence,
    Ledger,
    Source,
    load_benchmarks,
)
from svimpact.estimators.valuation import VALUES_DIR

FILE = "params/hf.yaml"
GOOD = {
    "adjustments": {
        "deadweight": {
            "dist": "triangular", "low": 0.1, "mode": 0.2, "high": 0.35,
            "evidence": {"method": "survey",
                         "source": {"document": "HF beneficiary survey", "edition": "2025",
                                    "section": "Q7"},
                         "sms_level": 1},
        },
        "leakage": {"value": 0.12,
                    "evidence": {"method": "geography",
                                 "source": {"document": "HF referrals, LSOA of residence"},
                                 "confidence": "high"}},
        "multiplier": {"dist": "uniform", "low": 1.0, "high": 1.3,
                       "evidence": {"method": "assumption", "confidence": "low"}},
        "displacement": {"dist": "beta", "successes": 12, "failures": 88,
                         "evidence": {"method": "survey", "source": {"document": "survey"},
                                      "sms_level": 1}},
    }
}


def with_change(path: str, value: object) -> dict:
    m = copy.deepcopy(GOOD)
    node = m
    keys = path.split(".")
    for k in keys[:-1]:
        node = node[k]
    if value is None:
        del node[keys[-1]]
    else:
        node[keys[-1]] = value
    return m


def test_good_ledger_parses_with_defaults() -> None:
    led = Ledger.from_mapping(GOOD, file=FILE)
    d = led.distributions()
    assert set(d) == set(LEDGER_KINDS)
    assert d["deadweight"] == Triangular(0.1, 0.2, 0.35)
    assert d["leakage"] == Fixed(0.12)
    assert d["displacement"] == BetaCounts(12, 88)
    assert d["substitution"] == Fixed(0.0) and d["persistence"] == Fixed(1.0)
    assert led["deadweight"].evidence.source.cite() == "HF beneficiary survey, 2025, Q7"
    frame = led.table()
    assert frame.set_index("parameter").loc["deadweight", "strength"] == "SMS 1"
    assert frame.set_index("parameter").loc["substitution", "distribution"].startswith("default")
    assert "Additionality ledger" in str(led)


def test_adjustments_mapping_without_wrapper_is_accepted() -> None:
    assert Ledger.from_mapping(GOOD["adjustments"]).distributions()["leakage"] == Fixed(0.12)


@pytest.mark.parametrize(
    ("path", "value", "key", "message"),
    [
        ("adjustments.deadweight.low", "ten", "adjustments.deadweight.low", "expected a number"),
        ("adjustments.deadweight.low", 0.3, "adjustments.deadweight", "low <= mode"),
        ("adjustments.deadweight.high", 1.5, "adjustments.deadweight",
         r"share must lie in \[0, 1\]"),
        ("adjustments.deadweight.dist", "normal", "adjustments.deadweight.dist",
         "Input should be 'fixed', 'uniform', 'triangular', 'pert', 'beta' or 'estimator'"),
        ("adjustments.deadweight.evidence", None, "adjustments.deadweight",
         "evidence is required"),
        ("adjustments.deadweight.evidence.method", "hunch",
         "adjustments.deadweight.evidence.method", r"Input should be 'comparison_group', .* \(got 'hunch'\)"),
        ("adjustments.deadweight.evidence.sms_level", 7,
         "adjustments.deadweight.evidence.sms_level", r"Input should be 1, 2, 3, 4 or 5 \(got 7\)"),
        ("adjustments.leakage.evidence.source", None, "adjustments.leakage.evidence",
         "needs a source"),
        ("adjustments.leakage.evidence.confidence", "very",
         "adjustments.leakage.evidence.confidence",
         "'low', 'medium' or 'high'"),
        ("adjustments.multiplier.low", -1, "adjustments.multiplier", "must be >= 0"),
        ("adjustments.deadweigth", {"value": 0.1}, "adjustments.deadweigth",
         "did you mean 'deadweight'"),
        ("adjustments.leakage", 0.1, "adjustments.leakage", "needs a value"),
    ],
)
def test_errors_name_file_and_key_path(path: str, value: object, key: str, message: str) -> None:
    with pytest.raises(ParamsError, match=message) as exc:
        Ledger.from_mapping(with_change(path, value), file=FILE)
    assert exc.value.key == key
    assert exc.value.file == FILE
    assert str(exc.value).startswith(f"{FILE}: key '{key}'")


def test_benchmark_evidence_needs_document_edition_and_section() -> None:
    m = with_change("adjustments.leakage.evidence.method", "benchmark")
    with pytest.raises(ParamsError, match="adjustments.leakage.evidence': a benchmark's source needs document, "
                                          "edition and section"):
        Ledger.from_mapping(m, file=FILE)


def test_estimator_placeholder_then_draws() -> None:
    m = with_change("adjustments.deadweight", {
        "dist": "estimator", "estimator": "psm",
        "evidence": {"method": "comparison_group", "source": {"document": "HF admin data"},
                     "sms_level": 2}})
    led = Ledger.from_mapping(m, file=FILE)
    with pytest.raises(ParamsError, match="awaits draws from estimator 'psm'"):
        led.distributions()
    filled = led.with_draws("deadweight", Draws(np.linspace(0.2, 0.3, 50), source="psm"))
    assert isinstance(filled.distributions()["deadweight"], Draws)
    assert filled["deadweight"].evidence.sms_level == 2
    assert led["deadweight"].distribution is None  # the original is unchanged
    # Estimated deadweight draws may exceed 1 (a null or negative effect); stated shares may not.
    assert led.with_draws("deadweight", Draws([0.5, 1.5])).distributions()["deadweight"].support() == (0.5, 1.5)
    with pytest.raises(ParamsError, match="share"):
        led.with_draws("leakage", Draws([0.5, 1.5]), Evidence("survey", Source("doc"), sms_level=1))


def test_evidence_object_validates() -> None:
    with pytest.raises(ParamsError, match="sms_level"):
        Evidence("survey", Source("doc"))
    assert Evidence("assumption", confidence="low").grade() == "low confidence"


def test_shipped_benchmark_template_has_no_levels() -> None:
    table = load_benchmarks(VALUES_DIR / "benchmarks.TEMPLATE.yaml")
    assert table.benchmarks == ()
    # No unsourced numbers: the template's only data is an empty list.
    data = yaml.safe_load((VALUES_DIR / "benchmarks.TEMPLATE.yaml").read_text())
    assert data == {"benchmarks": []}


def test_user_benchmark_file_feeds_the_ledger(tmp_path: Path) -> None:
    f = tmp_path / "bench.yaml"
    f.write_text(yaml.safe_dump({"benchmarks": [{
        "factor": "deadweight", "level": "medium",
        "dist": "triangular", "low": 0.2, "mode": 0.3, "high": 0.4,  # made-up test levels
        "context": "test fixture",
        "source": {"document": "Test document", "edition": "1st", "section": "Table 1"}}]}))
    table = load_benchmarks(f)
    led = Ledger.from_mapping({"adjustments": {"deadweight": {"benchmark": "medium"}}},
                              file=FILE, benchmarks=table)
    e = led["deadweight"]
    assert e.distribution == Triangular(0.2, 0.3, 0.4)
    assert e.evidence.method == "benchmark" and e.evidence.source.section == "Table 1"
    with pytest.raises(ParamsError, match="no benchmark level 'high' for deadweight"):
        Ledger.from_mapping({"deadweight": {"benchmark": "high"}}, benchmarks=table)
    with pytest.raises(ParamsError, match="no benchmark file was given"):
        Ledger.from_mapping({"deadweight": {"benchmark": "medium"}})


def test_benchmark_without_full_source_is_rejected(tmp_path: Path) -> None:
    f = tmp_path / "bench.yaml"
    f.write_text(yaml.safe_dump({"benchmarks": [{
        "factor": "leakage", "level": "low", "value": 0.1,
        "source": {"document": "Some guide"}}]}))
    with pytest.raises(ParamsError, match=r"benchmarks\[0\].source.edition'"):
        load_benchmarks(f)


def test_comparison_group_estimate_fills_the_ledger_and_the_chain() -> None:
    effects = pytest.importorskip("svimpact.estimators.effects")
    from svimpact.estimators.additionality import net_additional

    rng = np.random.default_rng(1)
    n = 2000
    treated = rng.integers(0, 2, n)
    # Outcome rate 30% without the service, 50% with it: deadweight about 0.3 / 0.5 = 0.6.
    outcome = (rng.uniform(size=n) < np.where(treated == 1, 0.5, 0.3)).astype(int)
    import pandas as pd

    est = effects.estimate_effect(pd.DataFrame({"y": outcome, "t": treated}), outcome="y",
                                  treatment="t", method="difference", seed=1)
    m = with_change("adjustments.deadweight", {
        "dist": "estimator", "estimator": "difference",
        "evidence": {"method": "comparison_group", "source": {"document": "admin data"},
                     "sms_level": 1}})
    led = Ledger.from_mapping(m, file=FILE).with_estimate(
        "deadweight", est, Source("HF admin data", "2025 extract", "outcome y"))
    dw = led.distributions()["deadweight"]
    assert isinstance(dw, Draws)
    assert dw.point == pytest.approx(est.deadweight.value)
    assert 0.5 < dw.point < 0.7
    assert led["deadweight"].evidence.method == "comparison_group"
    assert led["deadweight"].evidence.sms_level == est.sms_level
    # The estimate also goes straight into the chain.
    r = net_additional(100, deadweight=est, seed=1, n_draws=2000)
    # The chain's central value is the expected value over the estimate's draws (issue 15), so it
    # matches 100 (1 - mean of the draws) exactly and the point estimate up to the draws' spread.
    assert r.net.value == pytest.approx(100 * (1 - dw.mean), abs=0.3)
    assert r.net.value == pytest.approx(100 * (1 - est.deadweight.value), abs=0.5)
    assert r.net.lower < r.net.value < r.net.upper


def test_flat_evidence_form_is_accepted() -> None:
    # The form the first params files use: evidence as a method name, source as text.
    flat = {"adjustments": {
        "displacement": {"value": 0.2, "evidence": "comparison group",
                         "source": "HF admin data", "sms_level": 2},
        "leakage": {"value": 0.0, "evidence": "assumption", "source": "all live in region"},
    }}
    with pytest.raises(ParamsError, match=r"key 'adjustments.leakage.evidence': give the Maryland SMS level.*confidence"):
        Ledger.from_mapping(flat, file=FILE)
    flat["adjustments"]["leakage"]["confidence"] = "low"
    led = Ledger.from_mapping(flat, file=FILE)
    assert led["displacement"].evidence.method == "comparison_group"
    assert led["displacement"].evidence.source.document == "HF admin data"
    assert led["leakage"].evidence.grade() == "low confidence"
