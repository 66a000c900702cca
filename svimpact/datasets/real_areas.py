"""Real Liverpool City Region geography with SYNTHETIC service records placed in it.

``svimpact data lcr --data-dir DIR --out work/lcr`` reads official open data from ``DIR`` (the
layout of ``../shared/reference-data`` or of ``svimpact data fetch``'s cache):

* IoD2025 for the 1,003 LCR LSOAs (2021) - scores, ranks and deciles (MHCLG, OGL v3);
* ONS mid-2020 LSOA (2011) population estimates, converted to 2021 LSOAs through the ONS
  2011 -> 2021 lookup (IoD2025 publishes its denominators separately; they could not be obtained);
* ONS LSOA (2021) and LAD (2024) boundaries, brought to EPSG:27700.

It writes the area table, boundaries and synthetic Housing First and Households into Work
records placed in those real areas. Nothing written there may be committed to the repository:
it is derived from the real files (``work/`` is ignored by git).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd

from svimpact.exceptions import InputDataError

__all__ = ["LCR_LADS", "prepare_lcr"]

LCR_LADS = {
    "E06000006": "Halton", "E08000011": "Knowsley", "E08000012": "Liverpool",
    "E08000013": "St. Helens", "E08000014": "Sefton", "E08000015": "Wirral",
}
FILES = {
    "imd": "iod2025/imd2025_lsoa21_lcr.csv",
    "population": "population/sape23dt2_mid2020_lsoa11_persons_syoa_lcr.csv",
    "lookup": "lookups/lsoa11_lsoa21_lad22_lcr.csv",
    "lsoa_boundaries": "boundaries/lsoa21_bsc_v4_lcr.geojson",
    "lad_boundaries": "boundaries/lad24_buc_lcr.geojson",
}


def _need(data_dir: Path) -> dict[str, Path]:
    paths = {k: data_dir / v for k, v in FILES.items()}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise InputDataError(
            f"real LCR data not found: {', '.join(missing)}",
            hint="pass --data-dir pointing at a folder laid out like ../shared/reference-data",
        )
    return paths


def prepare_lcr(data_dir: str | Path, out_dir: str | Path, seed: int = 20261121) -> dict:
    """Build the LCR area table, boundaries and synthetic records; return a small manifest."""
    from svimpact._common import sha256 as file_sha256
    from svimpact.datasets.services import make_households_into_work, make_housing_first
    from svimpact.geo.boundaries import read_boundaries
    from svimpact.geo.imd import read_iod
    from svimpact.geo.vintage import convert_lsoa_counts, read_lsoa_lookup

    data_dir, out_dir = Path(data_dir).resolve(), Path(out_dir).resolve()
    paths = _need(data_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    imd = read_iod(paths["imd"], edition=2025)
    imd = imd[imd["lad_code"].isin(LCR_LADS)].reset_index(drop=True)
    pop11 = pd.read_csv(paths["population"], usecols=["lsoa11_code", "total_population"])
    pop11 = pop11.rename(columns={"lsoa11_code": "lsoa_code", "total_population": "population"})
    lookup = read_lsoa_lookup(paths["lookup"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pop21 = convert_lsoa_counts(pop11, lookup, ["population"])
    notes = [str(w.message) for w in caught]
    areas = imd.merge(pop21, on="lsoa_code", how="left", validate="one_to_one")
    missing = areas["population"].isna()
    if missing.any():
        raise InputDataError(f"{int(missing.sum())} LSOAs have no population after conversion",
                             file=str(paths["population"]), column="lsoa11_code")
    areas["population"] = areas["population"].round().astype(int)
    areas = areas.sort_values("lsoa_code").reset_index(drop=True)

    lsoa = read_boundaries(paths["lsoa_boundaries"])
    lsoa = lsoa.rename(columns={"lsoa21_code": "lsoa_code", "lsoa21_name": "lsoa_name_boundary"})
    lsoa = lsoa[["lsoa_code", "geometry"]].merge(areas, on="lsoa_code", how="inner", validate="one_to_one")
    if len(lsoa) != len(areas):
        raise InputDataError(f"boundaries cover {len(lsoa)} of {len(areas)} LSOAs",
                             file=str(paths["lsoa_boundaries"]), column="lsoa21_code")
    lads = read_boundaries(paths["lad_boundaries"]).rename(
        columns={"ltla24_code": "lad_code", "ltla24_name": "lad_name"})

    written = {}
    areas_path = out_dir / "lcr_areas_iod2025.csv"
    areas.to_csv(areas_path, index=False, lineterminator="\n")
    written["areas"] = areas_path
    for name, frame in (("lsoa", lsoa), ("boroughs", lads[["lad_code", "lad_name", "geometry"]])):
        path = out_dir / f"lcr_{name}.gpkg"
        path.unlink(missing_ok=True)
        frame.to_file(path, layer=name, driver="GPKG", engine="pyogrio")
        written[name] = path
    truth = {}
    for key, maker in (("housing_first", make_housing_first), ("households_into_work", make_households_into_work)):
        service = maker(areas, seed)
        for part in ("participants", "comparison", "survey"):
            path = out_dir / f"synthetic_{key}_{part}.csv"
            getattr(service, part).to_csv(path, index=False, lineterminator="\n", float_format="%.6g")
            written[f"{key}_{part}"] = path
        truth[key] = service.truth
    manifest = {
        "note": "Real LCR geography (IoD2025, ONS) with SYNTHETIC service records. Derived from open data: "
                "do not commit.",
        "data_dir": str(data_dir),
        "sources": {k: {"path": str(p), "sha256": file_sha256(p)} for k, p in paths.items()},
        "population": "ONS mid-2020 LSOA (2011) estimates converted to LSOA (2021) through the ONS lookup",
        "conversion_notes": notes,
        "seed": seed,
        "truth": truth,
        "files": {k: p.name for k, p in written.items()},
        "attribution": "Ministry of Housing, Communities and Local Government, English Indices of Deprivation "
                       "2025, licensed under the Open Government Licence v3.0. Source: Office for National "
                       "Statistics licensed under the Open Government Licence v.3.0. Contains OS data © Crown "
                       "copyright and database right 2021/2024.",
    }
    (out_dir / "lcr_manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest
