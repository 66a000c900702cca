"""The geography a reach map and a priority list are shown at (issue 16, item 3).

At LSOA level most areas of a small service hold 0 to 7 users, which the disclosure rule does not
show: a map of them is nearly all hatched. :func:`map_units` therefore tries, in order, the
geographies the area frame supports and keeps the smallest where most areas publish:

1. ``LSOA``;
2. ``MSOA``: LSOAs grouped by ``msoa_name`` (or, when every LSOA name is an MSOA name plus a letter,
   as ONS names them, by that name);
3. ``borough by IMD decile``: the LSOAs of one borough (``lad_code``) in one national IMD decile;
4. ``borough``.

"Most" is at least :data:`SHOW_AT_LEAST` of the areas. Every count passes through the disclosure
layer: each unit's count is rounded by the rule, and the units not shown are chosen by
:func:`svimpact.geo.targeting.area_pattern` (0 and 1-7 in one class, plus the secondary
suppression that keeps decile totals minus shown units from giving a small count back). The static
map (:mod:`svimpact.geo.maps`), the interactive map (:mod:`svimpact.geo.webmap`) and the priority
list (:mod:`svimpact.geo.targeting.priority`) all call this function, so they show the same areas
in the same classes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from svimpact.disclosure import DisclosureRule, get_rule, protect_counts
from svimpact.exceptions import InputDataError, ParamsError

__all__ = ["LEVELS", "SHOW_AT_LEAST", "MapUnits", "map_units", "reach_bands", "unit_geometries"]

LEVELS = ("LSOA", "MSOA", "borough by IMD decile", "borough")
SHOW_AT_LEAST = 0.5
_MSOA_FROM_NAME = r"^(.* \d{3})[A-Z]$"


@dataclass(frozen=True)
class MapUnits:
    """Areas to show and what may be shown about each.

    ``units`` has one row per unit (``code``, ``name``, ``lad_name``, ``population``, ``imd_decile``
    (0 where a unit spans deciles) and ``need`` when asked for); ``unit_of`` gives each LSOA row of
    the area frame its unit's position. ``users`` are the raw counts (never publish them);
    ``published`` the counts rounded by the rule (``NaN`` where not shown); ``hidden`` the units not
    shown. ``shown_share`` gives, for each level tried, the share of its areas that would be shown.
    """

    level: str
    units: pd.DataFrame
    unit_of: np.ndarray
    users: np.ndarray
    published: np.ndarray
    hidden: np.ndarray
    rule: DisclosureRule
    shown_share: dict[str, float] = field(default_factory=dict)

    @property
    def aggregated(self) -> bool:
        return self.level != "LSOA"

    def unit_word(self) -> str:
        return {"LSOA": "areas", "MSOA": "MSOAs", "borough by IMD decile": "borough-decile areas",
                "borough": "boroughs"}[self.level]

    def note(self) -> str:
        """One sentence for the map's title area saying at which geography it is shown, and why."""
        if not self.aggregated:
            return ""
        lsoa = self.shown_share.get("LSOA", 0.0)
        few = ("no LSOA has" if lsoa == 0 else "fewer than 1% of LSOAs have" if lsoa < 0.01
               else f"only {lsoa:.0%} of LSOAs have")
        return f"Shown by {self.level} ({len(self.units):,} {self.unit_word()}): {few} enough users to show."


def _msoa(areas: pd.DataFrame) -> pd.Series | None:
    if "msoa_name" in areas.columns and areas["msoa_name"].notna().all():
        return areas["msoa_name"].astype(str)
    if "lsoa_name" in areas.columns:
        m = areas["lsoa_name"].astype(str).str.extract(_MSOA_FROM_NAME)[0]
        if m.notna().all():
            return m
    return None


def _grouping(areas: pd.DataFrame, level: str) -> pd.DataFrame | None:
    """Per LSOA row: the unit code, name, borough and decile (0 when a unit spans deciles); None if unsupported."""
    lad_name = areas["lad_name"].astype(str) if "lad_name" in areas.columns else None
    dec = pd.to_numeric(areas["imd_decile"]).astype(int)
    if level == "LSOA":
        names = areas["lsoa_name"].astype(str) if "lsoa_name" in areas.columns else areas["lsoa_code"].astype(str)
        return pd.DataFrame({"code": areas["lsoa_code"].astype(str), "name": names, "lad_name": lad_name, "imd_decile": dec})
    if level == "MSOA":
        m = _msoa(areas)
        return None if m is None else pd.DataFrame({"code": m, "name": m, "lad_name": lad_name, "imd_decile": 0})
    if "lad_code" not in areas.columns:
        return None
    lad = areas["lad_code"].astype(str)
    label = lad_name if lad_name is not None else lad
    if level == "borough by IMD decile":
        return pd.DataFrame({"code": lad + " decile " + dec.astype(str), "name": label + ", IMD decile " + dec.astype(str),
                             "lad_name": lad_name, "imd_decile": dec})
    return pd.DataFrame({"code": lad, "name": label, "lad_name": lad_name, "imd_decile": 0})


def _build(areas: pd.DataFrame, counts: np.ndarray, level: str, rule: DisclosureRule, need: str | None):
    from svimpact.geo.targeting.published import area_pattern

    g = _grouping(areas, level)
    if g is None:
        return None
    codes, unit_of = np.unique(g["code"].to_numpy(str), return_inverse=True)
    pop = pd.to_numeric(areas["population"]).to_numpy(float)
    first = pd.Series(np.arange(len(g))).groupby(unit_of).first().to_numpy()
    units = pd.DataFrame({"code": codes, "name": g["name"].to_numpy()[first],
                          "lad_name": g["lad_name"].to_numpy()[first] if g["lad_name"] is not None else "",
                          "population": np.bincount(unit_of, pop, minlength=len(codes)),
                          "imd_decile": g["imd_decile"].to_numpy()[first]})
    if need is not None:  # population-weighted mean score, as MHCLG summarises LSOA scores for larger areas
        score = pd.to_numeric(areas[need]).to_numpy(float)
        units["need"] = np.bincount(unit_of, score * pop, minlength=len(codes)) / units["population"].to_numpy()
    users = np.bincount(unit_of, counts, minlength=len(codes))
    frame = pd.DataFrame({"lsoa_code": codes})
    if level == "LSOA":
        frame = frame.assign(imd_decile=units["imd_decile"].to_numpy(),
                             imd_score=pd.to_numeric(areas["imd_score"]).to_numpy()[first]
                             if "imd_score" in areas.columns else np.nan).dropna(axis=1)
    elif level == "borough by IMD decile":
        frame = frame.assign(imd_decile=units["imd_decile"].to_numpy())
    hidden = area_pattern(users, frame, rule)
    published = np.where(hidden, np.nan, protect_counts(users, rule)[0])
    return units, unit_of, users, published, hidden


def map_units(areas: pd.DataFrame, users_per_area: pd.Series | Sequence[float] | np.ndarray,
              rule: str | DisclosureRule = "nhs-hes", *, level: str = "auto", show_at_least: float = SHOW_AT_LEAST,
              need: str | None = None) -> MapUnits:
    """The smallest geography where at least ``show_at_least`` of the areas publish (or ``level`` if given).

    ``areas`` has one row per LSOA (``lsoa_code``, ``population``, ``imd_decile``; ``msoa_name``,
    ``lsoa_name``, ``lad_code``, ``lad_name`` make the larger geographies available).
    ``users_per_area`` is a Series indexed by ``lsoa_code`` (missing areas count 0) or counts in
    the order of ``areas``. ``need`` names a score column to average over each unit.
    """
    r = get_rule(rule)
    if level != "auto" and level not in LEVELS:
        raise ParamsError(f"unknown map geography '{level}'; choose auto or one of {', '.join(LEVELS)}", key="level")
    if isinstance(users_per_area, pd.Series):
        counts = users_per_area.reindex(areas["lsoa_code"].astype(str).to_numpy()).fillna(0).to_numpy(float)
    else:
        counts = np.asarray(users_per_area, dtype=float)
        if len(counts) != len(areas):
            raise InputDataError(f"{len(counts)} counts for {len(areas)} areas")
    shares: dict[str, float] = {}
    chosen = None
    for lv in (LEVELS if level == "auto" else (level,)):
        built = _build(areas, counts, lv, r, need)
        if built is None:
            if level != "auto":
                raise InputDataError(f"the area frame cannot be grouped by {lv}",
                                     hint="MSOA needs msoa_name (or LSOA names like 'Liverpool 060A'); "
                                          "borough levels need lad_code")
            continue
        shares[lv] = float((~built[4]).mean())
        if chosen is None or shares[lv] > shares[chosen[0]]:
            chosen = (lv, built)
        if shares[lv] >= show_at_least:
            chosen = (lv, built)
            break
    assert chosen is not None  # LSOA is always available
    lv, (units, unit_of, users, published, hidden) = chosen
    return MapUnits(lv, units, unit_of, users, published, hidden, r, shares)


def reach_bands(mu: MapUnits, per: float = 1000.0, classes: Sequence[float] | None = None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rate, edges, band) for the shown units: reach from the rounded counts; band -1 where not shown.

    Default edges: six even steps from the lowest to the highest shown rate, rounded outwards to
    one decimal place, so no band reaches down to a reach no shown area has.
    """
    rate = np.where(mu.hidden, np.nan, mu.published / mu.units["population"].to_numpy(float) * per)
    shown = rate[~mu.hidden]
    if classes is not None:
        edges = np.asarray(sorted(classes), dtype=float)
        if edges.size < 2:
            raise InputDataError("classes need at least two band edges, e.g. [0, 10, 20, 40]")
    elif shown.size:
        lo, hi = np.floor(shown.min() * 10) / 10, np.ceil(shown.max() * 10) / 10
        edges = np.unique(np.round(np.linspace(lo, hi, 6), 1)) if hi > lo else np.array([lo, lo + 0.1])
    else:
        edges = np.array([0.0, 1.0])
    band = np.where(mu.hidden, -1, np.clip(np.digitize(np.nan_to_num(rate), edges[1:-1]), 0, len(edges) - 2))
    return rate, edges, band.astype(int)


def unit_geometries(areas, mu: MapUnits):
    """The units' polygons: the LSOA polygons of ``areas`` (a GeoDataFrame in the frame's order) dissolved by unit."""
    import geopandas as gpd
    import shapely

    if not mu.aggregated:
        return gpd.GeoSeries(areas.geometry.to_numpy(), crs=areas.crs)
    geoms = areas.geometry.to_numpy()
    out = []
    for k in range(len(mu.units)):
        parts = geoms[mu.unit_of == k]
        try:
            out.append(shapely.coverage_union_all(parts))
        except shapely.errors.GEOSException:
            out.append(shapely.union_all(parts))
    return gpd.GeoSeries(out, crs=areas.crs)
