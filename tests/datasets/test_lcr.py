"""The real Liverpool City Region geography shipped in data/lcr (issue 16, item 6).

Expected LSOA counts per borough: ../shared/reference-data/README.md, "Expected sizes" (2021 LSOAs,
IoD2025: Halton 80, Knowsley 100, Liverpool 302, St Helens 121, Sefton 191, Wirral 209; 1,003 in
all), which MHCLG's IoD2025 File 7 gives for the six LAD codes.
"""

from __future__ import annotations

import json
import subprocess

import geopandas as gpd
import pandas as pd
import pytest
import shapely
import yaml
from conftest import REPO

from svimpact.datasets.real_areas import LCR_FILES, LCR_LADS, build_lcr

LCR = REPO / "data" / "lcr"
EXPECTED = {"Halton": 80, "Knowsley": 100, "Liverpool": 302, "St. Helens": 121, "Sefton": 191, "Wirral": 209}


def test_rebuild_from_reference_data_equals_the_committed_subset(reference_data, tmp_path):
    """`svimpact data lcr` on ../shared/reference-data gives exactly the files in data/lcr."""
    build_lcr(reference_data, tmp_path)
    for key in ("areas", "provenance", "licence"):
        name = LCR_FILES[key]
        assert (tmp_path / name).read_bytes() == (LCR / name).read_bytes(), f"data/lcr/{name} is stale: make lcr-data"
    for key in ("lsoa", "boroughs"):
        new, old = gpd.read_file(tmp_path / LCR_FILES[key]), gpd.read_file(LCR / LCR_FILES[key])
        pd.testing.assert_frame_equal(new.drop(columns="geometry"), old.drop(columns="geometry"))
        assert new.geometry.geom_equals_exact(old.geometry, tolerance=0.0).all(), f"data/lcr/{LCR_FILES[key]} is stale"


def test_shipped_subset_is_complete_small_and_attributed():
    areas = pd.read_csv(LCR / LCR_FILES["areas"])
    assert areas.groupby("lad_name").size().to_dict() == EXPECTED
    assert set(areas["lad_code"]) == set(LCR_LADS) and areas["lsoa_code"].str.fullmatch(r"E01\d{6}").all()
    assert areas["population"].gt(0).all() and areas["imd_decile"].between(1, 10).all()
    assert areas["msoa_name"].str.fullmatch(r".+ \d{3}").all()
    assert (areas["lsoa_name"].str[:-1] == areas["msoa_name"]).all()
    lsoa = gpd.read_file(LCR / LCR_FILES["lsoa"])
    assert lsoa.crs.to_epsg() == 27700 and len(lsoa) == 1003 and set(lsoa["lsoa_code"]) == set(areas["lsoa_code"])
    assert lsoa.geometry.is_valid.all() and bool(shapely.coverage_is_valid(lsoa.geometry.values))
    boroughs = gpd.read_file(LCR / LCR_FILES["boroughs"])
    assert sorted(boroughs["lad_name"]) == sorted(EXPECTED)
    total = sum(p.stat().st_size for p in LCR.iterdir())
    assert total < 2_000_000, f"data/lcr holds {total:,} bytes"
    provenance = json.loads((LCR / LCR_FILES["provenance"]).read_text(encoding="utf-8"))
    assert all(len(s["sha256"]) == 64 and s["edition"] for s in provenance["sources"].values())
    assert provenance["simplification"]["tolerance_m"] > 0 and provenance["command"].startswith("svimpact data lcr")
    licence = (LCR / LCR_FILES["licence"]).read_text(encoding="utf-8")
    assert "Open Government Licence v3.0" in licence and "Crown copyright" in licence
    assert provenance["attribution"] in licence


def test_demo_runs_from_committed_files_only():
    """A fresh clone without ../shared runs `make demo`: every input the demo reads is tracked in the repository."""
    batch = yaml.safe_load((REPO / "params" / "year_one.yaml").read_text())
    tracked = set(subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
                                 ).stdout.splitlines())
    for service in batch["services"]:
        params = yaml.safe_load((REPO / "params" / service).read_text())
        for key, rel in params["data"].items():
            path = (REPO / "params" / rel).resolve()
            assert path.is_relative_to(REPO), f"{service} data.{key} points outside the repository: {rel}"
            assert path.relative_to(REPO).as_posix() in tracked, f"{service} data.{key} is not committed: {rel}"
        assert "data/lcr" in params["data"]["areas"] and "Open Government Licence" in params["map_attribution"]


@pytest.mark.parametrize(("service", "need"), [("housing_first", "barriers_score"),
                                               ("households_into_work", "employment_score")])
def test_records_sit_in_real_lcr_areas_weighted_by_need(service, need):
    """The generator places people in the shipped LSOAs, by population x exp(strength x need z-score)."""
    areas = pd.read_csv(REPO / "data" / "lcr" / LCR_FILES["areas"])
    people = pd.concat([pd.read_csv(REPO / "data" / f"synthetic_{service}_{part}.csv")
                        for part in ("participants", "comparison")])
    assert people["lsoa_code"].isin(areas["lsoa_code"]).all()
    high = areas[need] >= areas[need].quantile(0.8)
    share_people = people["lsoa_code"].isin(areas.loc[high, "lsoa_code"]).mean()
    share_pop = areas.loc[high, "population"].sum() / areas["population"].sum()
    assert share_people > share_pop * 1.2
