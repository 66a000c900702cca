"""Interactive reach maps that service leads open from a file: one self-contained HTML page.

The page needs no network: the areas are inline SVG paths (projected to British National Grid,
simplified as a coverage so neighbours still meet), the script and styles are inlined, and a
Content-Security-Policy forbids every external request. Scroll or use the buttons to zoom, drag
to pan, hover (or tap) an area for its name, IMD decile and reach.

Disclosure: every count passes through :func:`svimpact.disclosure.protect_counts` and
:func:`svimpact.geo.targeting.area_pattern`. Areas with 0 users and with 1-7 fall in one class,
"not shown (users: fewer than 8, or withheld)", with the few areas withheld so that decile totals
minus the shown areas cannot give a small count back: for them the page holds only those words,
no count, no rate, no rate band, not even the colour of one. The page never tells an area with 0
users from one with 1-7. Shown counts are rounded by the rule (as text, never a bare number), and
reach is shown as the band of the legend (e.g. ``10 to 20 per 1,000 residents``), computed from
the rounded count.

The page itself (HTML, CSS and script template, legend) is rendered by :mod:`svimpact.geo.webmap_page`.
"""

from __future__ import annotations

import html
import os
import secrets
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from svimpact.disclosure import DisclosureRule, get_rule
from svimpact.exceptions import InputDataError
from svimpact.geo.maps import SYNTHETIC_ATTRIBUTION, band_labels, not_shown_label
from svimpact.geo.mapunits import MapUnits, map_units, reach_bands, unit_geometries
from svimpact.geo.webmap_page import render_page

__all__ = ["interactive_map", "write_interactive_map"]

SVG_SIZE = 10_000
"""Map coordinates are whole numbers with the longer side of the area spanning this many units."""

REQUIRED = ("lsoa_code", "population", "imd_decile")


def interactive_map(areas, users_per_area: pd.Series, *, boroughs=None, rule: str | DisclosureRule = "nhs-hes",
                    title: str = "Reach per 1,000 residents", attribution: str = SYNTHETIC_ATTRIBUTION,
                    per: float = 1000.0, classes: Sequence[float] | None = None, tolerance: float | None = None,
                    name_column: str = "lsoa_name", borough_label: str | None = "lad_name", level: str = "auto") -> str:
    """A self-contained interactive reach map, as an HTML string.

    Parameters
    ----------
    areas
        GeoDataFrame, one row per area, with ``lsoa_code``, ``population`` and ``imd_decile``
        (``name_column`` and ``borough_label`` are used when present). Any CRS: it is projected to
        EPSG:27700.
    users_per_area
        Users (people or households) per area, indexed by ``lsoa_code``; areas not listed have 0.
        A code that is not in ``areas`` is an error.
    boroughs
        Optional GeoDataFrame of borough outlines, drawn on top and labelled with ``borough_label``.
    rule
        Disclosure rule name (see :data:`svimpact.disclosure.RULES`) or a rule object.
    title, attribution
        Page title and the attribution lines the boundary and data licences require.
    per
        Reach is users per ``per`` residents.
    classes
        Band edges for reach; by default six even steps from 0 to the highest shown rate.
    tolerance
        Simplification tolerance in metres; by default 1/3000 of the longer side of the map.
    name_column, borough_label
        Columns of ``areas`` holding the area name and the borough name.
    level
        Geography shown: ``"auto"`` (LSOAs, or the smallest larger geography where most areas
        publish: :func:`svimpact.geo.mapunits.map_units`, as the static map does) or a level name.

    Returns
    -------
    str
        The HTML page. Write it with :func:`write_interactive_map`.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd  # doctest: +SKIP
    >>> areas = gpd.read_file("shapefiles/synthetic_city_region_lsoa.gpkg")  # doctest: +SKIP
    >>> users = pd.read_csv("data/synthetic_households_into_work_participants.csv")["lsoa_code"].value_counts()
    ... # doctest: +SKIP
    >>> page = interactive_map(areas, users, title="Households into Work: reach")  # doctest: +SKIP
    """
    r = get_rule(rule)
    areas = _projected(_check_areas(areas), "areas")
    counts = _counts_for(areas, users_per_area)
    mu = map_units(areas.assign(lsoa_name=areas[name_column]) if name_column in areas else areas, counts, r,
                   level=level)
    records, fill_class, legend = _records(mu, r, per, classes)
    tol = tolerance if tolerance is not None else _default_tolerance(areas)
    geoms = _simplify(unit_geometries(areas, mu).to_numpy(), tol)
    minx, miny, maxx, maxy = areas.total_bounds
    scale = SVG_SIZE / max(maxx - minx, maxy - miny, 1.0)
    to_svg = _Transform(minx, maxy, scale)
    width, height = int(np.ceil((maxx - minx) * scale)), int(np.ceil((maxy - miny) * scale))
    paths = [f'<path class="a {fill_class[i]} d{records[i]["d"]}" data-i="{i}" d="{to_svg.path(g)}"/>'
             for i, g in enumerate(geoms)]
    outline = _borough_svg(boroughs, to_svg, tol, borough_label) if boroughs is not None else ""
    return render_page(title=title, attribution=attribution, rule=r, per=per, legend=legend, records=records,
                       width=width, height=height, paths="\n".join(paths), outline=outline, note=mu.note())


def write_interactive_map(path: str | os.PathLike[str], areas, users_per_area: pd.Series, **kwargs) -> Path:
    """Build :func:`interactive_map` and write it to ``path`` atomically (temporary file, then rename).

    Returns the path written.
    """
    page = interactive_map(areas, users_per_area, **kwargs)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    # A fresh name beside the target ("x": never overwrite); unlike mkstemp it respects the umask.
    tmp = out.with_name(f".{out.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "x", encoding="utf-8", newline="\n") as fh:
            fh.write(page)
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return out


# --- inputs -----------------------------------------------------------------------------------

def _check_areas(areas):
    if not hasattr(areas, "geometry"):
        raise InputDataError("areas must be a GeoDataFrame with polygons; read them with geopandas.read_file()")
    missing = [c for c in REQUIRED if c not in areas.columns]
    if missing:
        raise InputDataError(f"areas have no column(s) {missing}; columns are {list(areas.columns)}",
                             hint="the area file needs one row per LSOA with lsoa_code, population and imd_decile")
    empty = areas.geometry.isna().to_numpy() | areas.geometry.is_empty.to_numpy()
    if empty.any():
        raise InputDataError("areas have missing or empty geometries", column="geometry",
                             rows=(np.flatnonzero(empty) + 1).tolist())
    dup = areas["lsoa_code"].duplicated(keep=False).to_numpy()
    if dup.any():
        raise InputDataError("area codes are duplicated", column="lsoa_code", rows=(np.flatnonzero(dup) + 1).tolist(),
                             hint="keep one row per area (dissolve or drop the duplicates first)")
    pop = pd.to_numeric(areas["population"], errors="coerce")
    bad = (pop.isna() | (pop <= 0)).to_numpy()
    if bad.any():
        raise InputDataError("population must be a positive number", column="population",
                             rows=(np.flatnonzero(bad) + 1).tolist())
    dec = pd.to_numeric(areas["imd_decile"], errors="coerce")
    bad = (dec.isna() | ~dec.isin(range(1, 11))).to_numpy()
    if bad.any():
        raise InputDataError("deciles must be whole numbers from 1 to 10", column="imd_decile",
                             rows=(np.flatnonzero(bad) + 1).tolist())
    return areas


def _projected(gdf, what: str):
    if gdf.crs is None:
        raise InputDataError(f"{what} have no coordinate reference system; set it, e.g. gdf.set_crs('EPSG:27700')")
    return gdf if gdf.crs.to_epsg() == 27700 else gdf.to_crs("EPSG:27700")


def _counts_for(areas, users_per_area: pd.Series) -> np.ndarray:
    if not isinstance(users_per_area, pd.Series):
        raise InputDataError("users_per_area must be a pandas Series of counts indexed by lsoa_code",
                             hint="e.g. participants['lsoa_code'].value_counts()")
    index = users_per_area.index.astype(str)
    codes = set(areas["lsoa_code"].astype(str))
    unknown = sorted(set(index) - codes)
    if unknown:
        raise InputDataError(f"{len(unknown)} area code(s) in users_per_area are not in the areas: "
                             f"{', '.join(unknown[:10])}{' ...' if len(unknown) > 10 else ''}",
                             hint="check the LSOA vintage (2011 vs 2021 codes) or the area file")
    if index.duplicated().any():
        dups = sorted(set(index[index.duplicated()]))
        raise InputDataError(f"users_per_area lists area codes more than once: {', '.join(dups[:10])}",
                             hint="sum the counts per lsoa_code first (groupby().sum())")
    values = pd.to_numeric(pd.Series(users_per_area.to_numpy(), index=index), errors="coerce")
    bad = values.isna() | (values < 0)
    if bad.any():
        raise InputDataError(f"users_per_area must hold non-negative counts; bad values for "
                             f"{', '.join(sorted(values.index[bad])[:10])}")
    return values.reindex(areas["lsoa_code"].astype(str)).fillna(0).to_numpy(float)


# --- records: what the page may show about each area -------------------------------------------

def _records(mu: MapUnits, r: DisclosureRule, per: float, classes: Sequence[float] | None
             ) -> tuple[list[dict], list[str], dict]:
    _, edges, band = reach_bands(mu, per, classes)
    labels = band_labels(edges)
    per_txt = f"per {per:,.0f} residents"
    not_shown = not_shown_label(r, legend=False)
    u = mu.units
    records, fill = [], []
    for i, code in enumerate(u["code"].astype(str)):
        rec = {"c": code, "n": str(u["name"].iat[i]), "b": str(u["lad_name"].iat[i] or ""),
               "d": int(u["imd_decile"].iat[i])}
        if mu.hidden[i]:
            rec |= {"u": not_shown, "r": "not shown"}
            fill.append("rs")
        else:
            rec |= {"u": _users_text(mu.published[i], r), "r": f"{labels[band[i]]} {per_txt}"}
            fill.append(f"r{band[i]}")
        records.append(rec)
    legend = {"labels": labels if (~mu.hidden).any() else [], "suppressed": int(mu.hidden.sum()), "per": per_txt,
              "suppressed_text": not_shown_label(r), "unit": mu.unit_word()}
    return records, fill, legend


def _users_text(value: float, r: DisclosureRule) -> str:
    n = int(value)
    if n == 0 or r.round_to <= 1:
        return f"{n:,} user{'s' if n != 1 else ''}"
    return f"{n:,} users (rounded to the nearest {r.round_to})"


# --- geometry -> SVG ---------------------------------------------------------------------------

def _default_tolerance(areas) -> float:
    minx, miny, maxx, maxy = areas.total_bounds
    return max(maxx - minx, maxy - miny) / 3000.0


def _simplify(geoms: np.ndarray, tolerance: float) -> np.ndarray:
    """Simplify as a coverage (shared edges stay shared) when the areas form one; else each alone."""
    import shapely

    if tolerance <= 0:
        return np.asarray(geoms)
    try:
        if bool(shapely.coverage_is_valid(geoms)):
            return np.asarray(shapely.coverage_simplify(geoms, tolerance))
    except (shapely.errors.GEOSException, ValueError):
        pass
    return np.asarray(shapely.simplify(geoms, tolerance, preserve_topology=True))


class _Transform:
    """British National Grid metres to whole-number SVG units (y pointing down), relative path syntax."""

    def __init__(self, x0: float, y0: float, scale: float) -> None:
        self.x0, self.y0, self.scale = x0, y0, scale

    def points(self, xy: np.ndarray) -> np.ndarray:
        return np.column_stack([np.rint((xy[:, 0] - self.x0) * self.scale),
                                np.rint((self.y0 - xy[:, 1]) * self.scale)]).astype(np.int64)

    def ring(self, coords: np.ndarray) -> str:
        p = self.points(np.asarray(coords)[:, :2])
        d = np.diff(p, axis=0)
        d = d[(d != 0).any(axis=1)]
        if len(d) < 2:
            return ""
        steps = " ".join(f"{dx} {dy}" for dx, dy in d[:-1])  # the last step returns to the start: z does it
        return f"M{p[0, 0]} {p[0, 1]}l{steps}z"

    def path(self, geom) -> str:
        import shapely

        parts = []
        for poly in shapely.get_parts(geom):
            if poly.geom_type != "Polygon":
                continue
            parts.append(self.ring(np.asarray(poly.exterior.coords)))
            parts.extend(self.ring(np.asarray(h.coords)) for h in poly.interiors)
        return "".join(parts)

    def point(self, x: float, y: float) -> tuple[int, int]:
        return int(round((x - self.x0) * self.scale)), int(round((self.y0 - y) * self.scale))


def _borough_svg(boroughs, to_svg: _Transform, tolerance: float, label: str | None) -> str:
    if not hasattr(boroughs, "geometry"):
        raise InputDataError("boroughs must be a GeoDataFrame with polygons; read them with geopandas.read_file()")
    b = _projected(boroughs, "boroughs")
    geoms = _simplify(b.geometry.values, tolerance)
    out = [f'<path class="bo" d="{to_svg.path(g)}"/>' for g in geoms if g is not None and not g.is_empty]
    if label and label in b:
        for name, g in zip(b[label].astype(str), b.geometry):
            pt = g.representative_point()
            x, y = to_svg.point(pt.x, pt.y)
            text = html.escape(name.replace(" (synthetic)", ""))
            out.append(f'<text class="bl" x="{x}" y="{y}">{text}</text>')
    return "\n".join(out)
