"""Outcome kind ``duration`` (issue 14): params keys, and dates checked against the cut-off by row number."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml
from conftest import REPO

from svimpact.exceptions import ParamsError
from svimpact.io.params import Outcome, load_service_params
from svimpact.io.service import load_service_data
from svimpact.io.validate import ValidationFailed

HF = REPO / "params" / "housing_first.yaml"


@pytest.fixture()
def hf():
    return load_service_params(HF)


def _write_params(tmp_path, outcome: dict):
    data = yaml.safe_load(HF.read_text())
    data["outcome"] = outcome
    for key, value in data["data"].items():
        data["data"][key] = str((HF.parent / value).resolve())
    path = tmp_path / "hf.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_bundled_services_use_dates(hf):
    o = hf.outcome
    assert (o.kind, o.start, o.end, str(o.cutoff), o.horizons, o.headline) == (
        "duration", "tenancy_start", "tenancy_end", "2025-09-30", ["6 months", "12 months"], "12 months")
    hw = load_service_params(REPO / "params" / "households_into_work.yaml").outcome
    assert hw.horizons == ["13 weeks", "26 weeks"] and hw.missing_start == "not_started"


@pytest.mark.parametrize("outcome, message", [
    ({"kind": "duration", "label": "x", "start": "tenancy_start", "end": "tenancy_end", "horizons": ["12 months"]},
     r"key 'outcome': a duration outcome needs cutoff"),
    ({"kind": "duration", "label": "x", "start": "tenancy_start", "end": "tenancy_end", "cutoff": "2025-09-30",
      "horizons": ["12 moths"]}, r"key 'outcome.horizons': horizon '12 moths' not understood; write it like 12"),
    ({"kind": "binary", "label": "x", "column": "sustained_12m", "horizons": ["12 months"]},
     r"key 'outcome': horizons apply to kind: duration only"),
    ({"kind": "binary", "label": "x"}, r"key 'outcome': a binary outcome needs 'column'"),
    ({"kind": "duration", "label": "x", "start": "a", "end": "b", "cutoff": "30/09/2025", "horizons": [12]},
     r"key 'outcome.cutoff'"),
])
def test_params_errors_name_the_key(tmp_path, outcome, message):
    with pytest.raises(ParamsError, match=message):
        load_service_params(_write_params(tmp_path, outcome))


def test_horizons_in_months_or_weeks():
    o = Outcome(kind="duration", label="x", start="a", end="b", cutoff="2025-09-30", horizons=[12, "26 weeks", "6 month"])
    assert o.horizons == ["12 months", "26 weeks", "6 months"] and o.headline == "12 months"


def test_binary_kind_still_runs(tmp_path):
    params = load_service_params(_write_params(tmp_path, {"column": "sustained_12m", "label": "sustained", "kind": "binary"}))
    frame = load_service_data(params).analysis_frame()
    assert set(frame["sustained_12m"].unique()) <= {0, 1} and "tenancy_start" not in frame


def test_dates_against_the_cut_off_name_rows_not_values(hf, tmp_path):
    frame = pd.read_csv(hf.data.participants, dtype=str, keep_default_na=False)
    frame.loc[2, "tenancy_end"] = "2020-01-01"       # before the start (row 3)
    frame.loc[4, "tenancy_start"] = ""               # missing start (row 5)
    frame.loc[5, "tenancy_start"] = "2025-10-15"     # after the cut-off (row 6)
    frame.loc[5, "tenancy_end"] = ""
    frame.loc[6, "tenancy_end"] = "2025-11-02"       # after the cut-off (row 7)
    path = tmp_path / "p.csv"
    frame.to_csv(path, index=False)
    params = hf.model_copy(update={"data": hf.data.model_copy(update={"participants": path})})
    with pytest.raises(ValidationFailed) as info:
        load_service_data(params)
    text = "\n".join(f"{p.column}: {p.message} {list(p.rows)}" for p in info.value.report.errors)
    assert "tenancy_end: dates before 'tenancy_start' [3]" in text
    assert "tenancy_start: missing start dates [5]" in text
    assert "tenancy_start: start dates after the data cut-off (cut-off 2025-09-30) [6]" in text
    assert "tenancy_end: end dates after the data cut-off (cut-off 2025-09-30) [7]" in text
    for value in ("2020-01-01", "2025-10-15", "2025-11-02"):
        assert value not in str(info.value) and value not in text
    data = load_service_data(params.model_copy(update={"exclude_invalid_rows": True}))
    assert data.n_excluded == 4 and len(data.participants) == 296


def test_blank_start_allowed_when_it_means_not_started(tmp_path):
    hw = load_service_params(REPO / "params" / "households_into_work.yaml")
    data = load_service_data(hw)
    n_part, n_comp = data.n_not_started()
    assert n_part == int(data.participants["job_start"].isna().sum()) > 0
    assert len(data.analysis_frame()) == len(data.participants) + len(data.comparison) - n_part - n_comp
