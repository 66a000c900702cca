"""Boundaries: reading, reprojection to EPSG:27700, validity, and joins to the IMD frame.

Reference data: ONS LSOA 2011 (BSC V3) and LSOA 2021 (BSC V4) boundaries for the 989 / 1,003
LCR LSOAs, GeoJSON in EPSG:4326 (shared/reference-data/boundaries; README gives sources).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

gpd = pytest.importorskip("geopandas")
from conftest import REFERENCE as REF  # noqa: E402
from conftest import need  # noqa: E402
from shapely.geometry import Polygon  # noqa: E402

from svimpact.exceptions import InputDataError  # noqa: E402
from svimpact.geo.boundaries import (  # noqa: E402
    check_geometries,
    find_code_column,
    join_imd,
    read_boundaries,
)
from svimpact.geo.imd import iod_info, read_iod  # noqa: E402

LSOA11 = REF / "boundaries/lsoa11_bsc_v3_lcr.geojson"
LSOA21 = REF / "boundaries/lsoa21_bsc_v4_lcr.geojson"
LCR19 = REF / "iod2019/iod2019_lsoa11_lcr.csv"
LCR25 = REF / "iod2025/imd2025_lsoa21_lcr.csv"


@pytest.fixture(scope="module")
def lsoa11() -> gpd.GeoDataFrame:
    return read_boundaries(need(LSOA11))


def test_read_geojson_to_bng(lsoa11: gpd.GeoDataFrame) -> None:
    assert len(lsoa11) == 989
    assert lsoa11.crs.to_epsg() == 27700
    assert lsoa11.geometry.is_valid.all()
    # ONS gives each LSOA's centre in BNG metres (BNG_E, BNG_N): the reprojected polygons'
    # centroids lie close to them (super-generalised shapes, so within about 100 m typically).
    c = lsoa11.geometry.centroid
    dist = ((c.x - lsoa11["BNG_E"]) ** 2 + (c.y - lsoa11["BNG_N"]) ** 2) ** 0.5
    assert dist.median() < 150 and dist.max() < 1_500
    assert find_code_column(lsoa11) == "LSOA11CD"


def test_join_2019_complete(lsoa11: gpd.GeoDataFrame) -> None:
    imd = read_iod(need(LCR19))
    res = join_imd(lsoa11, imd)
    assert res.complete and len(res.data) == 989
    assert res.data.crs.to_epsg() == 27700
    assert {"imd_score", "imd_decile", "geometry"} <= set(res.data.columns)
    assert iod_info(res.data).edition == 2019


def test_join_reports_both_sides(lsoa11: gpd.GeoDataFrame) -> None:
    imd = read_iod(need(LCR19))
    b = lsoa11.iloc[3:]  # first three boundaries missing
    i = imd[imd["lsoa_code"] != lsoa11["LSOA11CD"].iloc[-1]]  # last IMD row missing
    res = join_imd(b, i)
    assert not res.complete and len(res.data) == 985
    assert res.missing_from_imd == (lsoa11["LSOA11CD"].iloc[-1],)
    assert set(res.missing_from_boundaries) == set(lsoa11["LSOA11CD"].iloc[:3])
    assert "Without boundary" in str(res)
    with pytest.raises(InputDataError, match=r"1 boundary area\(s\) have no IMD row.*3 IMD"):
        join_imd(b, i, strict=True)


def test_mixing_vintages_is_an_error(lsoa11: gpd.GeoDataFrame) -> None:
    imd25 = read_iod(need(LCR25))  # 2021 LSOAs against 2011 boundaries
    with pytest.raises(InputDataError, match=r"2011 LSOAs \(LSOA11CD\).*IoD2025 on 2021.*"
                       r"convert_lsoa_counts"):
        join_imd(lsoa11, imd25)


def test_2021_boundaries_join_2025(tmp_path: Path) -> None:
    b = read_boundaries(need(LSOA21))
    assert find_code_column(b) == "lsoa21_code"
    res = join_imd(b, read_iod(need(LCR25)))
    assert res.complete and len(res.data) == 1_003


def test_shapefile_and_geopackage_round_trip(lsoa11: gpd.GeoDataFrame, tmp_path: Path) -> None:
    small = lsoa11[["LSOA11CD", "geometry"]].head(5)
    small.to_file(tmp_path / "lsoa.shp", engine="pyogrio")
    small.to_crs("EPSG:4326").to_file(tmp_path / "lsoa.gpkg", layer="lsoa", engine="pyogrio")
    for name in ("lsoa.shp", "lsoa.gpkg"):
        back = read_boundaries(tmp_path / name)
        assert back.crs.to_epsg() == 27700 and len(back) == 5
        assert back.geometry.area.sum() == pytest.approx(small.geometry.area.sum(), rel=1e-6)


def test_invalid_geometry(tmp_path: Path) -> None:
    bowtie = Polygon([(0, 0), (10, 10), (10, 0), (0, 10), (0, 0)])
    square = Polygon([(20, 0), (30, 0), (30, 10), (20, 10)])
    gdf = gpd.GeoDataFrame({"LSOA21CD": ["E01000001", "E01000002"]},
                           geometry=[square, bowtie], crs="EPSG:27700")
    with pytest.raises(InputDataError, match=r"1 invalid geometry.*Self-intersection.*row 2.*fix=True"):
        check_geometries(gdf)
    p = tmp_path / "bad.geojson"
    gdf.to_file(p, engine="pyogrio")
    fixed = read_boundaries(p, fix=True)
    assert fixed.geometry.is_valid.all() and fixed.attrs["svimpact"]["repaired"] == 1


def test_read_errors(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame({"LSOA21CD": ["E01000001"]},
                           geometry=[Polygon([(0, 0), (1, 0), (1, 1)])])
    with pytest.warns(UserWarning, match="crs"):
        gdf.to_file(tmp_path / "nocrs.shp", engine="pyogrio")  # a shapefile without .prj
    with pytest.raises(InputDataError, match=r"nocrs\.shp.*no coordinate reference system.*set_crs"):
        read_boundaries(tmp_path / "nocrs.shp")
    with pytest.raises(InputDataError, match=r"cannot read '\.kml'"):
        read_boundaries(tmp_path / "x.kml")
    with pytest.raises(InputDataError, match="not found"):
        read_boundaries(tmp_path / "missing.gpkg")
    with pytest.raises(InputDataError, match="no area-code column"):
        find_code_column(pd.DataFrame({"name": ["a"]}))
