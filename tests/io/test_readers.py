from __future__ import annotations

import pandas as pd
import pytest
from conftest import REPO

from svimpact.exceptions import InputDataError
from svimpact.io.params import Outcome, load_service_params
from svimpact.io.readers import read_table
from svimpact.io.service import load_service_data


@pytest.fixture()
def hf_params():
    return load_service_params(REPO / "params" / "housing_first.yaml")


def _with_participants(params, tmp_path, mutate):
    frame = pd.read_csv(params.data.participants)
    frame = mutate(frame)
    path = tmp_path / "participants.csv"
    frame.to_csv(path, index=False)
    return params.model_copy(update={"data": params.data.model_copy(update={"participants": path})}), path


def test_loads_bundled_data(hf_params):
    data = load_service_data(hf_params)
    assert len(data.participants) == 300 and len(data.comparison) == 600
    frame = data.analysis_frame()
    assert frame["_served"].sum() == 300 and len(frame) == 900
    assert set(data.files) >= {"participants", "comparison", "areas"}


def test_missing_column_named(hf_params, tmp_path):
    params, path = _with_participants(hf_params, tmp_path, lambda f: f.drop(columns="age"))
    with pytest.raises(InputDataError, match=rf"{path}: missing column\(s\) 'age'"):
        load_service_data(params)


def test_outcome_not_binary_names_rows(hf_params, tmp_path):
    def mutate(f):
        f.loc[[1, 4], "sustained_12m"] = 2
        return f
    binary = hf_params.model_copy(update={"outcome": Outcome(column="sustained_12m", label="sustained", kind="binary")})
    params, _ = _with_participants(binary, tmp_path, mutate)
    with pytest.raises(InputDataError, match=r"column 'sustained_12m': must be 0 or 1 \(rows 2, 5 \(2 in all\)\)"):
        load_service_data(params)


def test_unknown_area_codes_reported(hf_params, tmp_path):
    def mutate(f):
        f.loc[0, "lsoa_code"] = "E01000001"
        return f
    params, _ = _with_participants(hf_params, tmp_path, mutate)
    with pytest.raises(InputDataError, match=r"area codes not found .*E01000001.*row 1.*LSOA vintage"):
        load_service_data(params)


def test_duplicate_ids(hf_params, tmp_path):
    params, _ = _with_participants(hf_params, tmp_path, lambda f: pd.concat([f, f.iloc[[0]]]))
    with pytest.raises(InputDataError, match="identifiers are duplicated"):
        load_service_data(params)


def test_missing_values_and_negative_costs(hf_params, tmp_path):
    def missing(f):
        f["age"] = f["age"].astype(float)
        f.loc[2, "age"] = None
        return f
    params, _ = _with_participants(hf_params, tmp_path, missing)
    with pytest.raises(InputDataError, match=r"column 'age': has missing values \(row 3\)"):
        load_service_data(params)

    def negative(f):
        f.loc[0, "support_cost"] = -5
        return f
    params, _ = _with_participants(hf_params, tmp_path, negative)
    with pytest.raises(InputDataError, match="column 'support_cost': costs must be non-negative"):
        load_service_data(params)


def test_bom_and_windows_encoding(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffa,b\n1,2\n".encode("utf-8"))
    assert list(read_table(path, required=["a"]).columns) == ["a", "b"]
    path.write_bytes("name\nCaf\xe9 \u20ac\n".encode("cp1252"))
    frame = read_table(path)
    assert frame["name"].tolist() == ["Caf\xe9 \u20ac"]  # Windows-1252: 0x80 is the euro sign
    assert "read as Windows-1252" in frame.attrs["svimpact"]["notes"][0]
    path.write_bytes(b"name\nbad \x81 byte\n")  # 0x81 is undefined in Windows-1252 too
    with pytest.raises(InputDataError, match="not readable as UTF-8.*nor as Windows-1252.*CSV UTF-8"):
        read_table(path)
