"""The bundled synthetic data is exactly what the generator makes, and carries the promised truth."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
from conftest import REPO

from svimpact.datasets import DEFAULT_SEED, generate_synthetic


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    root = tmp_path_factory.mktemp("regen")
    manifest = generate_synthetic(root, seed=DEFAULT_SEED, lcr=REPO / "data" / "lcr")
    return root, manifest


def test_regenerating_gives_the_committed_files(regenerated):
    root, manifest = regenerated
    committed = json.loads((REPO / "data" / "synthetic_manifest.json").read_text())
    assert manifest == committed, "data/ is stale: run `make data` and commit the result"
    for entry in manifest["files"].values():
        assert (root / entry["path"]).read_bytes() == (REPO / entry["path"]).read_bytes(), entry["path"]


@pytest.mark.parametrize("name", ["lsoa", "boroughs"])
def test_regenerated_geometry_matches(regenerated, name):
    root, _ = regenerated
    for suffix in (".gpkg", ".shp"):
        new = gpd.read_file(root / "shapefiles" / f"synthetic_city_region_{name}{suffix}")
        old = gpd.read_file(REPO / "shapefiles" / f"synthetic_city_region_{name}{suffix}")
        pd.testing.assert_frame_equal(new.drop(columns="geometry"), old.drop(columns="geometry"))
        assert new.geometry.geom_equals_exact(old.geometry, tolerance=0.0).all()
        assert new.crs.to_epsg() == 27700


def test_labelled_synthetic_and_shaped_like_a_city_region():
    manifest = json.loads((REPO / "data" / "synthetic_manifest.json").read_text())
    assert "synthetic" in manifest["SYNTHETIC"].lower()
    assert all("synthetic" in e["path"] for e in manifest["files"].values())
    areas = gpd.read_file(REPO / "shapefiles" / "synthetic_city_region_lsoa.gpkg")
    assert len(areas) == 1000 and areas["lad_code"].nunique() == 6
    assert areas.geometry.is_valid.all()
    assert areas["lsoa_code"].str.fullmatch(r"Z01\d{6}").all()  # never a real ONS code
    assert set(areas["imd_decile"]) == set(range(1, 11))
    # deprivation gradient: the core borough is the most deprived
    by_lad = areas.groupby("lad_code")["imd_score"].mean()
    assert by_lad.idxmax() == "Z08000001"


def test_truth_is_exposed_and_consistent():
    truth = json.loads((REPO / "data" / "synthetic_manifest.json").read_text())["truth"]
    for service in ("housing_first", "households_into_work"):
        t = truth[service]
        assert 0 < t["true_att"] < 1
        assert t["true_deadweight"] == pytest.approx(t["true_counterfactual"] / t["true_treated_mean"], abs=1e-5)
    hiw = pd.read_csv(REPO / "data" / "synthetic_households_into_work_participants.csv")
    # the observed participant rate is a draw around the true treated mean
    assert hiw["job_entry_12m"].mean() == pytest.approx(truth["households_into_work"]["true_treated_mean"], abs=0.03)


def test_participants_concentrate_in_deprived_areas():
    areas = pd.read_csv(REPO / "data" / "lcr" / "lcr_areas_iod2025.csv")  # the records sit in real LCR areas
    hiw = pd.read_csv(REPO / "data" / "synthetic_households_into_work_participants.csv")
    dec = hiw.merge(areas, on="lsoa_code")["imd_decile"]
    share_users = (dec <= 2).mean()
    share_pop = areas.loc[areas.imd_decile <= 2, "population"].sum() / areas["population"].sum()
    assert share_users > share_pop * 1.2
