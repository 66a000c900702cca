"""The suite fails on outputs as they were before issue 12's fixes: the small service's report of
then (``before_fix/``) gives back the small cells planted in it, and every count is the true one."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from attacker import attack_report
from small_service import SERVICE, write_small_service
from truth import true_counts

HERE = Path(__file__).parent
REPO = HERE.parents[1]


@pytest.fixture(scope="module")
def before(tmp_path_factory):
    small = write_small_service(tmp_path_factory.mktemp("small"), fictional=True)  # as it was built then
    truth = true_counts(small.parent / f"{SERVICE}.yaml")
    report = attack_report(HERE / "before_fix", areas=pd.read_csv(REPO / "data" / "synthetic_areas.csv"))
    return report, truth


def test_the_old_outputs_give_the_small_cells_back(before):
    report, _ = before
    got = {r.key: r.value for r in report.recoveries}
    assert got[(SERVICE, "outcome", "0")] == 4  # observed mean x N: 4 of 67 did not sustain a tenancy
    assert got[(SERVICE, "covariate", "female", "1")] == 3  # balance share 0.0447761 x 67
    assert got[(SERVICE, "ledger", "leakage", "failures")] == 67  # 'beta from counts 0 / 67'
    assert [got[(SERVICE, "users", "national", str(d))] for d in range(4, 11)] == [3, 2, 3, 1, 2, 1, 2]
    ones = [k for k, v in got.items() if k[1] == "area" and v == 1]
    assert len(ones) >= 20  # map areas marked '1-7' pinned to one person each
    assert {"mean-x-n", "map-classes", "totals-minus-cells"} <= set(report.by_route())


def test_every_count_given_back_is_the_true_one(before):
    report, truth = before
    wrong = [f"{r} (true {truth.get(r.key)})" for r in report.recoveries if truth.get(r.key) != r.value]
    assert not wrong, "\n".join(wrong)
