"""End to end: a service whose costs are all zero (or not given) gets no value-for-money figures.

The chapter shows "not computed" and says why, never a ratio of ``inf`` (issue 11, item 4); and a
total cost that one or two participants dominate is a magnitude cell that may not be published
(SACRO's nk-dominance rule, issue 12): value for money is not computed either, and the total
appears nowhere.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import REPO

from svimpact.cli import main

pytestmark = pytest.mark.e2e


def _batch(tmp: Path, *, drop_cost_column: bool, dominant: bool = False) -> Path:
    data = yaml.safe_load((REPO / "params" / "housing_first.yaml").read_text())
    data["data"] = {k: str((REPO / "params" / v).resolve()) for k, v in data["data"].items()}
    data["effect"]["n_draws"] = 200
    if drop_cost_column:
        del data["cost_column"]
    else:
        participants = pd.read_csv(data["data"]["participants"], dtype=str, keep_default_na=False)
        participants[data["cost_column"]] = "0"
        if dominant:  # two participants account for all of the cost: the total would say what they cost
            participants[data["cost_column"]] = ["250000" if i < 2 else "0" for i in range(len(participants))]
        path = tmp / "participants_zero_costs.csv"
        participants.to_csv(path, index=False)
        data["data"]["participants"] = str(path)
    (tmp / "housing_first.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    batch = {"title": "Zero costs", "seed": 3, "output_dir": str(tmp / "out"),
             "notebook_dir": str(REPO / "notebooks"), "notebooks": ["additionality"],
             "services": ["housing_first.yaml"], "timeout_seconds": 300, "jobs": 1}
    path = tmp / "batch.yaml"
    path.write_text(yaml.safe_dump(batch, sort_keys=False))
    return path


@pytest.mark.parametrize(("drop_cost_column", "dominant", "why"), [
    (False, False, "Value for money is not computed: the cost column (<code>support_cost</code>) records no costs"),
    (True, False, "Value for money is not computed: the params name no cost column"),
    (False, True, "Value for money is not computed: the total cost may not be published"),
], ids=["all-zero costs", "no cost column", "cost dominated by two participants"])
def test_chapter_says_value_for_money_not_computed(tmp_path, drop_cost_column, dominant, why):
    assert main(["run", str(_batch(tmp_path, drop_cost_column=drop_cost_column, dominant=dominant))]) == 0
    out = tmp_path / "out"
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"
    page = (out / "index.html").read_text()
    assert not re.search(r"\binf\b|infinity", page, flags=re.IGNORECASE)
    assert page.count(why) >= 2  # the appraisal prose and the limitations
    headlines = {h["key"]: h for h in map(json.loads, (p.read_text() for p in (out / "headlines").glob("*.json")))}
    assert headlines["bcr"]["text"] == headlines["npsv"]["text"] == "not computed"
    assert headlines["bcr"]["interval"] is None
    vfm = pd.read_csv(out / "tables" / "housing_first__value-for-money.csv")
    ratios = vfm[vfm["measure"].isin(["Benefit-cost ratio", "SROI ratio", "Net present social value",
                                      "Cost per net additional outcome"])]
    assert len(ratios) == 4 and ratios["value"].isna().all() and (ratios["method"] == "not computed").all()
    if dominant:
        for path in out.rglob("*"):
            if path.is_file() and path.suffix in {".html", ".csv", ".json", ".ipynb"}:
                assert not re.search(r"500,?000", path.read_text(errors="replace")), path
    assert vfm.loc[vfm["measure"] == "PV benefits", "value"].iloc[0] > 0
    assert not (out / "tables" / "housing_first__switching-values.csv").exists()
