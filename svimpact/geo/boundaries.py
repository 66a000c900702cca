"""Boundary files: read (shapefile, GeoPackage, GeoJSON), bring to British National Grid,
check validity, and join to the IMD frame reporting areas missing on either side.

geopandas (with the pyogrio engine) is imported only when these functions run, so importing
svimpact stays light.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from svimpact._results import ResultMixin, result_frame
from svimpact.exceptions import InputDataError

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

__all__ = ["BNG", "BoundaryJoin", "check_geometries", "find_code_column", "join_imd",
           "read_boundaries"]

BNG = "EPSG:27700"
_SUFFIXES = {".shp": "shapefile", ".gpkg": "GeoPackage", ".geojson": "GeoJSON",
             ".json": "GeoJSON", ".zip": "zipped shapefile"}
_CODE_RE = re.compile(r"^(lsoa|ltla|lad)\d{2}_?(cd|code)$", re.IGNORECASE)


def _geopandas():
    try:
        import geopandas
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise InputDataError("boundary files need geopandas",
                             hint="install it with `pip install geopandas pyogrio`") from exc
    return geopandas


def read_boundaries(
    path: str | Path, *, layer: str | None = None, to_crs: str | None = BNG, fix: bool = False
) -> gpd.GeoDataFrame:
    """Read a boundary file and bring it to EPSG:27700 (British National Grid).

    Parameters
    ----------
    path : str or Path
        Shapefile (``.shp`` or zipped), GeoPackage (``.gpkg``) or GeoJSON.
    layer : str, optional
        GeoPackage layer (the first when omitted).
    to_crs : str or None
        Target CRS; None keeps the file's CRS.
    fix : bool
        Repair invalid geometries with ``shapely.make_valid`` (counted in the result's
        ``attrs["svimpact"]["repaired"]``); otherwise invalid geometries raise an error.

    Raises
    ------
    InputDataError
        Unknown file type, missing CRS (the message says to set it), empty or invalid geometry.
    """
    gpd = _geopandas()
    file = str(path)
    p = Path(path)
    if p.suffix.lower() not in _SUFFIXES:
        raise InputDataError(f"cannot read '{p.suffix}' boundary files", file=file,
                             hint=f"give one of {', '.join(sorted(_SUFFIXES))}")
    if not p.exists():
        raise InputDataError("boundary file not found", file=file)
    kwargs: dict[str, Any] = {"engine": "pyogrio"}
    if layer is not None:
        kwargs["layer"] = layer
    try:
        gdf = gpd.read_file(p, **kwargs)
    except Exception as exc:  # pyogrio raises several types; report them as one
        raise InputDataError(f"could not be read as {_SUFFIXES[p.suffix.lower()]}: {exc}",
                             file=file) from exc
    if gdf.crs is None:
        raise InputDataError(
            "has no coordinate reference system", file=file,
            hint="set it with gdf.set_crs('EPSG:27700') (or 'EPSG:4326' for lon/lat) and save, "
            "or add the .prj file beside the shapefile",
        )
    repaired = check_geometries(gdf, fix=fix, file=file)
    if to_crs is not None and not gdf.crs.equals(to_crs):
        repaired = repaired.to_crs(to_crs)
    repaired.attrs["svimpact"] = {"kind": "boundaries", "source": file,
                                  "repaired": int(repaired.attrs.get("repaired", 0))}
    return repaired


def check_geometries(gdf: gpd.GeoDataFrame, *, fix: bool = False,
                     file: str | None = None) -> gpd.GeoDataFrame:
    """Check every geometry is present, non-empty and valid; optionally repair invalid ones.

    Returns a copy (repaired when ``fix``); ``attrs["repaired"]`` counts the repairs.
    """
    import shapely

    geom = gdf.geometry
    empty = geom.isna() | geom.is_empty
    if empty.any():
        raise InputDataError(f"{int(empty.sum())} feature(s) have no geometry", file=file,
                             column="geometry", rows=list(np.flatnonzero(empty.to_numpy()) + 1),
                             hint="remove them or supply their boundaries")
    invalid = ~geom.is_valid
    out = gdf.copy()
    if invalid.any():
        if not fix:
            reasons = shapely.is_valid_reason(geom[invalid].to_numpy())
            raise InputDataError(
                f"{int(invalid.sum())} invalid geometr{'y' if invalid.sum() == 1 else 'ies'} "
                f"(first: {reasons[0]})", file=file, column="geometry",
                rows=list(np.flatnonzero(invalid.to_numpy()) + 1),
                hint="pass fix=True to repair them with shapely.make_valid",
            )
        out.loc[invalid, out.geometry.name] = shapely.make_valid(geom[invalid].to_numpy())
    out.attrs["repaired"] = int(invalid.sum()) if fix else 0
    return out


def find_code_column(gdf: pd.DataFrame, *, prefer: str = "lsoa") -> str:
    """The area-code column of a boundary file (``LSOA11CD``, ``lsoa21_code`` ...)."""
    cands = [c for c in gdf.columns if _CODE_RE.match(str(c))]
    cands.sort(key=lambda c: not str(c).lower().startswith(prefer))
    if not cands:
        raise InputDataError("no area-code column found (like LSOA11CD or LSOA21CD)",
                             hint=f"pass the column name; columns are {list(gdf.columns)}")
    return str(cands[0])


@dataclass(frozen=True)
class BoundaryJoin(ResultMixin):
    """Boundaries joined to the IMD frame, with the areas missing on either side.

    Attributes
    ----------
    data : GeoDataFrame
        Boundaries with the IMD columns (inner join on the area code).
    missing_from_imd : tuple of str
        Codes with a boundary but no IMD row.
    missing_from_boundaries : tuple of str
        Codes with an IMD row but no boundary.
    """

    data: Any
    code_column: str
    missing_from_imd: tuple[str, ...]
    missing_from_boundaries: tuple[str, ...]
    _title: str = field(default="Boundaries joined to the IMD", repr=False)

    @property
    def complete(self) -> bool:
        return not self.missing_from_imd and not self.missing_from_boundaries

    def to_frame(self) -> pd.DataFrame:
        counts = (("areas joined", len(self.data)), ("areas with a boundary but no IMD row", len(self.missing_from_imd)),
                  ("areas with an IMD row but no boundary", len(self.missing_from_boundaries)))
        return result_frame([{"measure": m, "value": float(n), "method": "count"} for m, n in counts])

    def _notes(self) -> list[str]:
        notes = []
        for label, codes in (("Without IMD row", self.missing_from_imd),
                             ("Without boundary", self.missing_from_boundaries)):
            if codes:
                notes.append(f"{label}: {', '.join(codes[:10])}"
                             + (f" and {len(codes) - 10} more" if len(codes) > 10 else ""))
        return notes


def _check_vintages(code_column: str, imd: pd.DataFrame) -> None:
    """Boundaries named for one LSOA vintage (LSOA11CD, lsoa21_code) must meet IMD of that one."""
    m = re.match(r"^lsoa(\d{2})", str(code_column), re.IGNORECASE)
    meta = imd.attrs.get("svimpact", {}) if hasattr(imd, "attrs") else {}
    vintage = meta.get("lsoa_vintage")
    if m and vintage in (2011, 2021) and 2000 + int(m.group(1)) != vintage:
        raise InputDataError(
            f"the boundaries are {2000 + int(m.group(1))} LSOAs ({code_column}) but the IMD frame "
            f"is IoD{meta.get('edition')} on {vintage} LSOAs",
            column=code_column,
            hint=f"use {vintage} LSOA boundaries, or bring the data to one vintage with "
            "svimpact.geo.convert_lsoa_counts(...)",
        )


def join_imd(
    boundaries: gpd.GeoDataFrame,
    imd: pd.DataFrame,
    *,
    code_column: str | None = None,
    imd_code: str = "lsoa_code",
    strict: bool = False,
) -> BoundaryJoin:
    """Join boundaries to an IMD (or any area-level) frame and report the areas on one side only.

    Parameters
    ----------
    boundaries : GeoDataFrame
        From :func:`read_boundaries`.
    imd : DataFrame
        The canonical IMD frame, or a subset of it.
    code_column : str, optional
        The boundaries' code column; found automatically when omitted.
    strict : bool
        Raise an error (instead of reporting) when any area is missing on either side.
    """
    code_column = code_column or find_code_column(boundaries)
    _check_vintages(code_column, imd)
    for frame, col, what in ((boundaries, code_column, "boundaries"), (imd, imd_code, "IMD")):
        if col not in frame.columns:
            raise InputDataError(f"the {what} frame has no such column", column=col)
        dup = frame[col].duplicated(keep=False)
        if dup.any():
            raise InputDataError(f"codes repeat in the {what} frame", column=col,
                                 rows=list(np.flatnonzero(dup.to_numpy()) + 1),
                                 hint="dissolve or deduplicate first")
    b_codes, i_codes = set(boundaries[code_column]), set(imd[imd_code])
    no_imd = tuple(sorted(b_codes - i_codes))
    no_boundary = tuple(sorted(i_codes - b_codes))
    if strict and (no_imd or no_boundary):
        raise InputDataError(
            f"{len(no_imd)} boundary area(s) have no IMD row (e.g. {', '.join(no_imd[:3])}) and "
            f"{len(no_boundary)} IMD area(s) have no boundary (e.g. {', '.join(no_boundary[:3])})",
            column=code_column,
            hint="check both use the same LSOA vintage (2011 for IoD2019, 2021 for IoD2025)",
        )
    right = imd.drop(columns=[c for c in imd.columns if c in boundaries.columns and c != imd_code])
    data = boundaries.merge(right, left_on=code_column, right_on=imd_code, how="inner")
    data.attrs = {**dict(imd.attrs), **{"boundaries": dict(boundaries.attrs.get("svimpact", {}))}}
    return BoundaryJoin(data=data, code_column=code_column, missing_from_imd=no_imd,
                        missing_from_boundaries=no_boundary)
