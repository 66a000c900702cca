"""The chapter text assembled from params and results (svimpact.report.tables)."""

from __future__ import annotations

from conftest import REPO

from svimpact.estimators.appraisal import appraise
from svimpact.estimators.valuation import UnitValue
from svimpact.io.params import load_service_params
from svimpact.report.tables import limitations, value_for_money_note

VALUE = UnitValue("f", "Fiscal saving", 1000, "GBP per person per year", "2020", "fiscal",
                  "Local authority", "test fixture (made-up)", "n/a")


def test_value_for_money_note_says_why_from_the_result_and_params() -> None:
    params = load_service_params(REPO / "params" / "housing_first.yaml", check_files=False)
    ledger = {"deadweight": 0.2, "persistence": 3}
    assert value_for_money_note(params, appraise(ledger, 100, 5_000, [VALUE])) is None
    assert value_for_money_note(params, None) is None
    zero = appraise(ledger, 100, 0, [VALUE])
    note = value_for_money_note(params, zero)
    assert note is not None
    assert note.startswith("Value for money is not computed: the cost column (`support_cost`) records no costs")
    assert note in limitations(params, appraisal=zero)
    assert "not in one price year" not in limitations(params, appraisal=zero)  # no costs to deflate
    absent = value_for_money_note(params.model_copy(update={"cost_column": None}), appraise(ledger, 100, None, [VALUE]))
    assert absent is not None and "the params name no cost column (`cost_column`)" in absent
