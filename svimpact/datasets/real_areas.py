"""Real Liverpool City Region geography, shipped with the repository in ``data/lcr/``.

``svimpact data lcr --data-dir ../shared/reference-data --out data/lcr`` builds the shipped subset
from official open data (the layout of ``../shared/reference-data``):

* ``lcr_areas_iod2025.csv``: IoD2025 scores, ranks and deciles for the 1,003 LCR LSOAs (2021)
  (MHCLG, OGL v3), with ``population`` (ONS mid-2020 LSOA (2011) estimates converted to 2021 LSOAs
  through the ONS 2011 -> 2021 lookup: the IoD2025 denominators could not be obtained) and
  ``msoa_name`` (the LSOA name without its final letter: ONS names every LSOA after the MSOA it
  nests in, e.g. ``Liverpool 060A`` in ``Liverpool 060``);
* ``lcr_lsoa.geojson``: ONS LSOA (Dec 2021) BSC V4 boundaries, in British National Grid
  (EPSG:27700), simplified as a coverage (``shapely.coverage_simplify``: neighbours keep their shared
  edges) with a tolerance of :data:`TOLERANCE_M` metres and whole-metre coordinates;
* ``lcr_boroughs.geojson``: the six boroughs, dissolved from those LSOAs (so outlines and areas meet);
* ``PROVENANCE.json`` and ``LICENCE.md``: source files (editions, sha256), licence and attribution,
  the command that built them.

The synthetic service records of the demo (``make data``) are placed in these real areas; the
records stay SYNTHETIC. ``tests/datasets/test_lcr.py`` rebuilds the subset from the reference data
and checks it equals the committed files.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from svimpact.exceptions import InputDataError

__all__ = ["ATTRIBUTION", "LCR_FILES", "LCR_LADS", "TOLERANCE_M", "build_lcr", "lcr_dir"]

LCR_LADS = {
    "E06000006": "Halton", "E08000011": "Knowsley", "E08000012": "Liverpool",
    "E08000013": "St. Helens", "E08000014": "Sefton", "E08000015": "Wirral",
}
FILES = {
    "imd": "iod2025/imd2025_lsoa21_lcr.csv",
    "population": "population/sape23dt2_mid2020_lsoa11_persons_syoa_lcr.csv",
    "lookup": "lookups/lsoa11_lsoa21_lad22_lcr.csv",
    "lsoa_boundaries": "boundaries/lsoa21_bsc_v4_lcr.geojson",
}
EDITIONS = {
    "imd": "MHCLG English Indices of Deprivation 2025, File 7 measures (scores, ranks, deciles) for LSOA 2021, "
           "as redistributed by humaniverse/IMD (data/imd2025_england_lsoa21.rda), LCR rows",
    "population": "ONS small area population estimates SAPE23DT2, mid-2020, LSOA 2011, persons, as redistributed "
                  "by humaniverse/demographr (data/population20_lsoa11.rda), LCR rows",
    "lookup": "ONS LSOA (2011) to LSOA (2021) to Local Authority District (2022) lookup for England and Wales, "
              "LCR rows",
    "lsoa_boundaries": "ONS LSOA (December 2021) Boundaries EW BSC V4, as redistributed by humaniverse/geographr "
                       "(data/boundaries_lsoa21.rda), LCR features",
}
LCR_FILES = {"areas": "lcr_areas_iod2025.csv", "lsoa": "lcr_lsoa.geojson", "boroughs": "lcr_boroughs.geojson",
             "provenance": "PROVENANCE.json", "licence": "LICENCE.md"}
TOLERANCE_M = 20.0
"""Coverage simplification tolerance in metres (the BSC source is already generalised to about 200 m)."""
MAP_COLUMNS = ["lsoa_code", "lsoa_name", "msoa_name", "lad_code", "lad_name", "population", "imd_score", "imd_rank",
               "imd_decile"]
COMMAND = "svimpact data lcr --data-dir ../shared/reference-data --out data/lcr"
ATTRIBUTION = ("Contains public sector information licensed under the Open Government Licence v3.0. "
               "Ministry of Housing, Communities and Local Government, English Indices of Deprivation 2025, "
               "licensed under the Open Government Licence v3.0. Source: Office for National Statistics licensed "
               "under the Open Government Licence v.3.0. Contains OS data © Crown copyright and database right 2021.")
_LICENCE = """# Licence and attribution: real Liverpool City Region geography (`data/lcr/`)

The files in this folder are **derived from official open data** and are published under the
**Open Government Licence v3.0** (OGL v3):
<https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/>.
You may copy, publish, adapt and exploit them, commercially and non-commercially, provided you
acknowledge the source with the attribution below and link to the licence.

Attribution (carried on every map the demo draws):

> {attribution}

What was changed (no value was altered): rows filtered to the six Liverpool City Region boroughs;
population converted from 2011 to 2021 LSOAs through the ONS lookup; `msoa_name` taken from the
LSOA name; boundaries projected to British National Grid (EPSG:27700), simplified as a coverage
with a tolerance of {tolerance:g} m (shapely `coverage_simplify`, shared edges kept) and rounded to
whole metres; borough outlines dissolved from the simplified LSOAs. Source files, editions and
sha256 are in `PROVENANCE.json`; rebuild with `{command}`.

The service records placed in these areas by `make data` (`data/synthetic_*.csv`) are SYNTHETIC:
they describe no real people.
"""


def lcr_dir() -> Path:
    """The shipped subset: ``data/lcr`` beside the package (editable install / source checkout)."""
    return Path(__file__).resolve().parents[2] / "data" / "lcr"


def _need(data_dir: Path) -> dict[str, Path]:
    paths = {k: data_dir / v for k, v in FILES.items()}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise InputDataError(
            f"real LCR data not found: {', '.join(missing)}",
            hint="pass --data-dir pointing at a folder laid out like ../shared/reference-data",
        )
    return paths


def _areas(paths: dict[str, Path]) -> tuple[pd.DataFrame, list[str]]:
    from svimpact.geo.imd import read_iod
    from svimpact.geo.vintage import convert_lsoa_counts, read_lsoa_lookup

    imd = read_iod(paths["imd"], edition=2025)
    imd = imd[imd["lad_code"].isin(LCR_LADS)].reset_index(drop=True)
    pop11 = pd.read_csv(paths["population"], usecols=["lsoa11_code", "total_population"])
    pop11 = pop11.rename(columns={"lsoa11_code": "lsoa_code", "total_population": "population"})
    lookup = read_lsoa_lookup(paths["lookup"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pop21 = convert_lsoa_counts(pop11, lookup, ["population"])
    notes = sorted({str(w.message) for w in caught})
    areas = imd.merge(pop21, on="lsoa_code", how="left", validate="one_to_one")
    missing = areas["population"].isna()
    if missing.any():
        raise InputDataError(f"{int(missing.sum())} LSOAs have no population after conversion",
                             file=str(paths["population"]), column="lsoa11_code")
    areas["population"] = areas["population"].round().astype(int)
    msoa = areas["lsoa_name"].astype(str).str.extract(r"^(.* \d{3})[A-Z]$")[0]
    if msoa.isna().any():
        bad = (np.flatnonzero(msoa.isna().to_numpy()) + 2).tolist()
        raise InputDataError("LSOA names do not end in a 3-digit MSOA number and a letter", file=str(paths["imd"]),
                             column="lsoa21_name", rows=bad)
    areas.insert(2, "msoa_name", msoa)
    return areas.sort_values("lsoa_code").reset_index(drop=True), notes


def _boundaries(path: Path, areas: pd.DataFrame, tolerance: float):
    import shapely

    from svimpact.geo.boundaries import read_boundaries

    lsoa = read_boundaries(path).rename(columns={"lsoa21_code": "lsoa_code"})
    lsoa = lsoa[["lsoa_code", "geometry"]].merge(areas[MAP_COLUMNS], on="lsoa_code", how="inner",
                                                 validate="one_to_one")
    if len(lsoa) != len(areas):
        raise InputDataError(f"boundaries cover {len(lsoa)} of {len(areas)} LSOAs", file=str(path),
                             column="lsoa21_code")
    lsoa = lsoa.sort_values("lsoa_code").reset_index(drop=True)[MAP_COLUMNS + ["geometry"]]
    geoms = lsoa.geometry.values
    if not bool(shapely.coverage_is_valid(geoms)):
        raise InputDataError("the LSOA boundaries are not a clean coverage (gaps or overlaps between neighbours)",
                             file=str(path), hint="coverage simplification needs neighbours that share edges")
    simple = shapely.coverage_simplify(np.asarray(geoms), tolerance)
    lsoa["geometry"] = shapely.set_precision(simple, 1.0)
    boroughs = lsoa[["lad_code", "lad_name", "population", "geometry"]].dissolve(
        by=["lad_code", "lad_name"], aggfunc={"population": "sum"}).reset_index()
    boroughs["geometry"] = shapely.set_precision(boroughs.geometry.values, 1.0)
    return lsoa, boroughs


def _write_geojson(frame, path: Path) -> None:
    path.unlink(missing_ok=True)
    frame.to_file(path, driver="GeoJSON", engine="pyogrio", layer_options={"COORDINATE_PRECISION": 0,
                                                                           "WRITE_BBOX": "NO"})


def build_lcr(data_dir: str | Path, out_dir: str | Path, tolerance: float = TOLERANCE_M) -> dict:
    """Build the shipped LCR subset (areas, simplified boundaries, provenance) from the official files.

    Returns the provenance written to ``PROVENANCE.json``. The same inputs always give the same files.
    """
    from svimpact._common import sha256 as file_sha256

    data_dir, out_dir = Path(data_dir).resolve(), Path(out_dir).resolve()
    paths = _need(data_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    areas, notes = _areas(paths)
    lsoa, boroughs = _boundaries(paths["lsoa_boundaries"], areas, tolerance)

    areas.to_csv(out_dir / LCR_FILES["areas"], index=False, lineterminator="\n")
    _write_geojson(lsoa, out_dir / LCR_FILES["lsoa"])
    _write_geojson(boroughs, out_dir / LCR_FILES["boroughs"])
    (out_dir / LCR_FILES["licence"]).write_text(
        _LICENCE.format(attribution=ATTRIBUTION, tolerance=tolerance, command=COMMAND), encoding="utf-8")
    provenance = {
        "what": "Real Liverpool City Region geography (2021 LSOAs): IoD2025 measures, population and simplified "
                "ONS boundaries. Derived from official open data; no value changed.",
        "command": COMMAND,
        "licence": "Open Government Licence v3.0 "
                   "(https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/)",
        "attribution": ATTRIBUTION,
        "sources": {k: {"path": FILES[k], "edition": EDITIONS[k], "sha256": file_sha256(p)}
                    for k, p in paths.items()},
        "reference_data_readme": "../shared/reference-data/README.md (where each source file came from)",
        "population": "ONS mid-2020 LSOA (2011) estimates converted to LSOA (2021) through the ONS lookup "
                      "(splits shared, merges summed)",
        "conversion_notes": notes,
        "msoa_name": "the LSOA name without its final letter (ONS names LSOAs after the MSOA they nest in)",
        "simplification": {"method": "shapely.coverage_simplify (shared edges kept), then coordinates rounded to "
                                     "1 m", "tolerance_m": tolerance, "crs": "EPSG:27700"},
        "boroughs": "dissolved from the simplified LSOAs by lad_code",
        "lsoas_per_borough": {str(k): int(v) for k, v in areas.groupby("lad_name").size().items()},
        "msoas": int(areas["msoa_name"].nunique()),
        "files": {k: LCR_FILES[k] for k in ("areas", "lsoa", "boroughs", "licence")},
    }
    (out_dir / LCR_FILES["provenance"]).write_text(json.dumps(provenance, indent=2, ensure_ascii=False) + "\n",
                                                   encoding="utf-8")
    return provenance
