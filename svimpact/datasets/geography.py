"""A fictional 'synthetic city region': six boroughs of about 1,000 LSOA-like small areas.

Everything here is SYNTHETIC. The region sits in the North Sea in British National Grid
coordinates (EPSG:27700) so that it can never be mistaken for real geography, and its codes use
the prefix ``Z`` (``Z01...`` areas, ``Z08...`` boroughs), which no ONS code uses.

Deprivation follows a built-in gradient (most deprived in the urban core, with local pockets), so
targeting measures have a known shape to recover.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["BOROUGHS", "CRS", "N_ENGLAND_LSOA21", "SyntheticGeography", "make_geography"]

CRS = "EPSG:27700"
N_ENGLAND_LSOA21 = 33_755  # English LSOAs (2021), MHCLG IoD2025; ranks are placed on this scale.
CENTRE = (620_000.0, 520_000.0)  # British National Grid metres, in the North Sea: fictional.
BOROUGHS = (
    ("Z08000001", "Corrin (synthetic)"),
    ("Z08000002", "Ashworth Vale (synthetic)"),
    ("Z08000003", "Bramlow (synthetic)"),
    ("Z08000004", "Dunmere (synthetic)"),
    ("Z08000005", "Elsholt (synthetic)"),
    ("Z08000006", "Fenwray (synthetic)"),
)


@dataclass(frozen=True)
class SyntheticGeography:
    """The synthetic region: ``areas`` (GeoDataFrame of small areas) and ``boroughs``."""

    areas: gpd.GeoDataFrame
    boroughs: gpd.GeoDataFrame


def _region_outline(rng: np.random.Generator, radius: float):
    from shapely.geometry import Polygon

    theta = np.linspace(0, 2 * np.pi, 241)[:-1]
    phase = rng.uniform(0, 2 * np.pi, size=2)
    r = radius * (1 + 0.14 * np.sin(3 * theta + phase[0]) + 0.07 * np.cos(5 * theta + phase[1]))
    return Polygon(np.column_stack([CENTRE[0] + r * np.cos(theta), CENTRE[1] + 0.8 * r * np.sin(theta)]))


def _sample_points(rng: np.random.Generator, outline, n: int, radius: float) -> np.ndarray:
    """Area seeds: denser in the core, as small areas are (they hold similar populations)."""
    from shapely import contains_xy

    pts: list[np.ndarray] = []
    total = 0
    while total < n:
        m = 4 * n
        core = rng.normal(0, radius * 0.33, size=(m, 2)) + CENTRE
        flat = rng.uniform(-radius * 1.3, radius * 1.3, size=(m, 2)) + CENTRE
        cand = np.where(rng.uniform(size=(m, 1)) < 0.55, core, flat)
        cand = cand[contains_xy(outline, cand[:, 0], cand[:, 1])]
        pts.append(cand)
        total += len(cand)
    return np.round(np.concatenate(pts)[:n], 1)


def _smooth_field(rng: np.random.Generator, xy: np.ndarray, radius: float, bumps: int = 14) -> np.ndarray:
    """A spatially smooth random field: a sum of Gaussian bumps (pockets of deprivation)."""
    centres = CENTRE + rng.uniform(-radius, radius, size=(bumps, 2))
    heights = rng.normal(0, 1, size=bumps)
    widths = rng.uniform(0.08, 0.25, size=bumps) * radius
    d2 = ((xy[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    return (heights * np.exp(-d2 / (2 * widths**2))).sum(axis=1)


def _national_rank(score: np.ndarray, national: np.ndarray) -> np.ndarray:
    """Rank among a national distribution of scores: 1 = most deprived (highest score)."""
    s = np.sort(national)[::-1]
    # number of national areas with a higher score, +1
    return (np.searchsorted(-s, -score, side="left") + 1).astype(int)


def _decile(rank: np.ndarray, n: int) -> np.ndarray:
    """MHCLG deciles from ranks: 1 = most deprived 10% nationally."""
    return np.minimum((rank - 1) * 10 // n + 1, 10).astype(int)


def make_geography(seed: int = 20261121, n_areas: int = 1000, radius: float = 16_000.0) -> SyntheticGeography:
    """Build the synthetic region deterministically from ``seed``."""
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng([seed, 1])
    outline = _region_outline(rng, radius)
    xy = _sample_points(rng, outline, n_areas, radius)
    cells = shapely.voronoi_polygons(shapely.multipoints(xy), extend_to=outline, ordered=True)
    polys = shapely.intersection(np.asarray(shapely.get_parts(cells)), outline)
    polys = shapely.set_precision(polys, 1.0)

    # Boroughs: a central city and five outer sectors.
    dx, dy = xy[:, 0] - CENTRE[0], xy[:, 1] - CENTRE[1]
    dist = np.hypot(dx, dy / 0.8) / radius
    sector = ((np.arctan2(dy, dx) + np.pi + rng.uniform(0, 2 * np.pi)) % (2 * np.pi)) // (2 * np.pi / 5)
    borough_idx = np.where(dist < 0.36, 0, 1 + sector.astype(int))

    # Deprivation: urban-core gradient + pockets + noise, on an IMD-like score scale.
    pockets = _smooth_field(rng, xy, radius)
    borough_effect = np.array([0.0, -0.35, 0.25, -0.15, 0.1, -0.5])[borough_idx]
    latent = 1.6 * np.exp(-2.5 * dist) + 0.45 * pockets + borough_effect + rng.normal(0, 0.35, n_areas)
    imd_score = np.round(np.exp(2.6 + 0.75 * latent), 3)
    national_imd = np.exp(rng.normal(2.85, 0.62, N_ENGLAND_LSOA21))
    imd_rank = _national_rank(imd_score, national_imd)

    def domain(weight: float, noise: float, scale: float, offset: float) -> np.ndarray:
        z = weight * latent + rng.normal(0, noise, n_areas)
        return np.round(np.clip(offset + scale * z, 0, None), 3)

    income = domain(1.0, 0.3, 0.07, 0.11)
    employment = domain(1.0, 0.35, 0.05, 0.08)
    barriers = domain(0.5, 0.6, 9.0, 22.0)
    pop = np.round(rng.normal(1650, 260, n_areas)).clip(1000, 3000).astype(int)

    order = np.lexsort((xy[:, 0], -xy[:, 1], borough_idx))  # stable, readable numbering
    codes = np.empty(n_areas, dtype=object)
    names = np.empty(n_areas, dtype=object)
    counters = {b: 0 for b in range(6)}
    for k, i in enumerate(order):
        b = int(borough_idx[i])
        counters[b] += 1
        codes[i] = f"Z01{k + 1:06d}"
        names[i] = f"{BOROUGHS[b][1].replace(' (synthetic)', '')} {counters[b]:03d}"
    frame = pd.DataFrame(
        {
            "lsoa_code": codes.astype(str),
            "lsoa_name": names.astype(str),
            "lad_code": [BOROUGHS[b][0] for b in borough_idx],
            "lad_name": [BOROUGHS[b][1] for b in borough_idx],
            "population": pop,
            "imd_score": imd_score,
            "imd_rank": imd_rank,
            "imd_decile": _decile(imd_rank, N_ENGLAND_LSOA21),
        }
    )
    for name, values, nat_mu, nat_sd in (
        ("income", income, 0.12, 0.08),
        ("employment", employment, 0.09, 0.06),
        ("barriers", barriers, 22.0, 9.0),
    ):
        national = np.clip(rng.normal(nat_mu, nat_sd, N_ENGLAND_LSOA21), 0, None)
        rank = _national_rank(values, national)
        frame[f"{name}_score"] = values
        frame[f"{name}_rank"] = rank
        frame[f"{name}_decile"] = _decile(rank, N_ENGLAND_LSOA21)
    frame["x"] = xy[:, 0]
    frame["y"] = xy[:, 1]
    frame = frame.sort_values("lsoa_code").reset_index(drop=True)
    geom = pd.Series(list(polys), index=pd.RangeIndex(n_areas))
    geom = geom.iloc[np.argsort(codes.astype(str), kind="stable")].reset_index(drop=True)
    areas = gpd.GeoDataFrame(frame, geometry=list(geom), crs=CRS)
    boroughs = (
        areas[["lad_code", "lad_name", "population", "geometry"]]
        .dissolve(by=["lad_code", "lad_name"], aggfunc={"population": "sum"})
        .reset_index()
    )
    boroughs["geometry"] = shapely.set_precision(boroughs.geometry.values, 1.0)
    return SyntheticGeography(areas=areas, boroughs=boroughs)
