"""Zero or absent costs: value for money is not computed (NaN, "not computed", a reason), never inf."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from svimpact._results import RESULT_COLUMNS
from svimpact.estimators.appraisal import HEADLINES, NOT_COMPUTED, VFM_MEASURES, appraise
from svimpact.estimators.appraisal.model import NO_COSTS, ZERO_COSTS
from svimpact.estimators.distributions import Triangular, Uniform
from svimpact.estimators.valuation import UnitValue
from svimpact.exceptions import NotComputedError

FISCAL = UnitValue("f", "Fiscal saving", 1000, "GBP per person per year", "2020", "fiscal",
                   "Local authority", "test fixture (made-up)", "n/a")
SOCIAL = UnitValue("s", "Wellbeing", 500, "GBP per person per year", "2020", "social",
                   "Individual", "test fixture (made-up)", "n/a")
FIXED = {"deadweight": 0.2, "persistence": 3, "drop_off": 0.1, "optimism_bias": 0.2}
UNCERTAIN = {"deadweight": Triangular(0.1, 0.2, 0.4), "persistence": Triangular(2, 3, 5),
             "drop_off": Uniform(0.1, 0.3), "optimism_bias": Triangular(0.1, 0.2, 0.5)}


def _no_inf(frame: pd.DataFrame) -> None:
    numbers = frame.select_dtypes("number").to_numpy(dtype=float)
    assert not np.isinf(numbers).any(), frame
    text = frame.select_dtypes(exclude="number").astype(str)
    assert not text.apply(lambda col: col.str.contains("inf", case=False)).any().any(), frame


@pytest.mark.parametrize("ledger", [FIXED, UNCERTAIN], ids=["fixed", "monte-carlo"])
@pytest.mark.parametrize(("costs", "reason"), [(0, ZERO_COSTS), ([0, 0, 0], ZERO_COSTS), (None, NO_COSTS)],
                         ids=["zero", "zero-yearly", "absent"])
def test_zero_or_absent_costs_compute_benefits_but_no_value_for_money(ledger, costs, reason) -> None:
    r = appraise(ledger, 100, costs, [FISCAL, SOCIAL], years=5, n_draws=500, seed=1)
    with_costs = appraise(ledger, 100, 100_000, [FISCAL, SOCIAL], years=5, n_draws=500, seed=1)
    assert r.vfm_reason == reason
    assert with_costs.vfm_reason is None
    # benefits are untouched by the costs
    assert r.pv_benefits == with_costs.pv_benefits and r.net_outcomes == with_costs.net_outcomes
    for key in VFM_MEASURES:
        iv = getattr(r, key)
        assert np.isnan([iv.value, iv.lower, iv.upper]).all() and iv.method == NOT_COMPUTED
    if costs is None:
        assert np.isnan(r.pv_costs.value) and r.pv_costs.method == NOT_COMPUTED
    else:
        assert r.pv_costs.value == 0
    frame, table = r.to_frame(), r.table()
    assert tuple(frame.columns) == RESULT_COLUMNS and list(frame["measure"]) == list(HEADLINES.values())
    for f in (frame, table, r.by_value, r.by_value_type, r.by_agency):
        _no_inf(f)
    vfm = frame[frame["measure"].isin([HEADLINES[k] for k in VFM_MEASURES])]
    assert (vfm["method"] == NOT_COMPUTED).all() and vfm[["value", "lower", "upper", "level"]].isna().all().all()
    assert r.by_agency["return_per_pound"].isna().all()
    assert r.switching_values.empty and r.tornado.empty
    assert f"Value for money not computed: {reason}." in r.summary().text
    with pytest.raises(NotComputedError, match="value for money was not computed"):
        r.tornado_chart()


def test_positive_costs_still_give_every_measure() -> None:
    r = appraise(FIXED, 100, 1, [FISCAL], years=5)
    assert r.vfm_reason is None
    assert all(np.isfinite(getattr(r, k).value) for k in HEADLINES)
