"""Every result class in svimpact.geo keeps the results contract.

``to_frame()`` returns exactly ``RESULT_COLUMNS``; ``summary()`` is the one text method and is
not empty; no result class grows ``describe()``/``text()``/``to_text()``. The list of classes is
found by walking svimpact.geo, so a new result class without a case here fails the test.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import warnings

import numpy as np
import pandas as pd
import pytest

import svimpact.geo
from svimpact._results import RESULT_COLUMNS, ResultMixin
from svimpact.geo.boundaries import join_imd
from svimpact.geo.editions import tag_iod
from svimpact.geo.inequality import concentration_index, phe_sii
from svimpact.geo.postcodes import lookup_postcodes
from svimpact.geo.summaries import area_summary
from svimpact.geo.targeting import count_users, deprivation_gap, targeting

USERS = [50, 50, 40, 40, 30, 30, 20, 20, 10, 10, 10, 10, 5, 5, 5, 5, 0, 0, 0, 0]


def _areas() -> pd.DataFrame:
    n = 20
    need = np.linspace(0.1, 0.5, n)
    need[[0, 17, 18, 19]] = [0.99, 0.95, 0.97, 0.96]
    return pd.DataFrame({
        "lsoa_code": [f"E01{i:06d}" for i in range(n)], "lsoa_name": [f"Area {i}" for i in range(n)],
        "lad_code": ["E08000012"] * 10 + ["E08000011"] * 10, "lad_name": ["Liverpool"] * 10 + ["Knowsley"] * 10,
        "population": np.full(n, 1000), "imd_score": 100.0 - 5 * np.arange(n), "imd_rank": np.arange(1, n + 1),
        "imd_decile": np.arange(n) // 2 + 1, "employment_score": need,
    })


def _results() -> dict[str, ResultMixin]:
    areas = _areas()
    users = pd.Series(USERS, index=areas["lsoa_code"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = targeting(users, areas, seed=1, sii_transform=True, repetitions=1000)
    import geopandas as gpd
    from shapely.geometry import box

    shapes = gpd.GeoDataFrame({"lsoa_code": areas["lsoa_code"].iloc[:5]},
                              geometry=[box(i, 0, i + 1, 1) for i in range(5)], crs=27700)
    directory = pd.DataFrame({"postcode": ["L1 8JQ", "L3 9PP"], "terminated": [False, True],
                              "lsoa_code": ["E01000001", "E01000002"]})
    return {
        "TargetingResult": t, "DecileProfile": t.profile, "Core20Result": t.core20, "ReachResult": t.reach,
        "GapResult": deprivation_gap(count_users(users, areas)), "PriorityResult": t.priority,
        "SIIResult": t.sii, "ConcentrationResult": t.concentration,
        "SIIResult (direct)": phe_sii([1, 2, 3, 4, 5], [100] * 5, [10, 8, 6, 4, 2], se=[1] * 5, seed=1),
        "ConcentrationResult (direct)": concentration_index([1, 2, 3, 4], [1, 2, 3, 4]),
        "AreaSummary": area_summary(tag_iod(areas, edition="synthetic", n_national=20)),
        "PostcodeLookup": lookup_postcodes(["l18jq", "L3 9PP", "nonsense", "CH41 6AA"], directory),
        "BoundaryJoin": join_imd(shapes, areas, code_column="lsoa_code"),
    }


def _result_classes() -> set[type]:
    found = set()
    for info in pkgutil.walk_packages(svimpact.geo.__path__, "svimpact.geo."):
        mod = importlib.import_module(info.name)
        for _, obj in inspect.getmembers(mod, inspect.isclass):
            if issubclass(obj, ResultMixin) and obj.__module__ == info.name:
                found.add(obj)
    return found


RESULTS = _results()


def test_every_geo_result_class_is_covered() -> None:
    covered = {type(r) for r in RESULTS.values()}
    missing = sorted(c.__qualname__ for c in _result_classes() - covered)
    assert not missing, f"add a case to this test for {missing}"


@pytest.mark.parametrize("name", sorted(RESULTS))
def test_to_frame_has_the_contract_columns_and_summary_is_text(name: str) -> None:
    r = RESULTS[name]
    frame = r.to_frame()
    assert list(frame.columns) == list(RESULT_COLUMNS)
    assert len(frame) >= 1
    assert frame["measure"].map(lambda m: isinstance(m, str) and m != "").all()
    text = r.summary().text
    assert isinstance(text, str) and text.strip()
    for other in ("describe", "text", "to_text"):
        assert not hasattr(r, other), f"{name} has {other}(); summary() is the one text method"


def test_targeting_wide_headline_table_is_table() -> None:
    t = RESULTS["TargetingResult"]
    assert list(t.table().columns) == ["measure", "scale", "value", "lower", "upper", "level", "method"]
    assert t.table()["value"].tolist() == pytest.approx(t.to_frame()["value"].tolist(), nan_ok=True)
