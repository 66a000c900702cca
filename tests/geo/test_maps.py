"""Structural tests of the static maps: legend, attribution, and suppressed areas drawn hatched."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from conftest import REPO

from svimpact.exceptions import InputDataError
from svimpact.geo.maps import SYNTHETIC_ATTRIBUTION, deprivation_map, ons_attribution, reach_map
from svimpact.geo.targeting import area_pattern


@pytest.fixture(scope="module")
def geo():
    areas = gpd.read_file(REPO / "shapefiles" / "synthetic_city_region_lsoa.gpkg")
    boroughs = gpd.read_file(REPO / "shapefiles" / "synthetic_city_region_boroughs.gpkg")
    return areas, boroughs


def _texts(fig):
    return [t.get_text() for t in fig.texts] + [t.get_text() for ax in fig.axes for t in ax.texts]


def test_deprivation_map_has_legend_in_words_and_attribution(geo):
    areas, boroughs = geo
    fig = deprivation_map(areas, boroughs)
    legend = fig.axes[0].get_legend()
    labels = [t.get_text() for t in legend.get_texts()]
    assert len(labels) == 10 and "most deprived" in labels[0] and "least deprived" in labels[-1]
    assert "most deprived 10%" in legend.get_title().get_text()
    assert SYNTHETIC_ATTRIBUTION in _texts(fig)
    assert any(t.endswith("km") for t in _texts(fig))  # scale bar
    assert "N" in _texts(fig)  # north arrow


def test_reach_map_hatches_every_area_not_shown_in_one_class(geo):
    areas, boroughs = geo
    counts = pd.Series(np.r_[np.full(10, 3), np.full(10, 40)], index=areas["lsoa_code"].iloc[:20])
    fig = reach_map(areas, counts, boroughs, rule="nhs-hes", level="LSOA")
    hidden = area_pattern(counts.reindex(areas["lsoa_code"]).fillna(0).to_numpy(), areas)
    hatched = [c for c in fig.axes[0].collections if c.get_hatch()]
    # 980 empty areas and the ten with 3 users share the hatch (0 is not told apart from 1-7), with the
    # areas of 40 withheld so that a decile total minus the shown areas cannot give a small count back
    assert len(hatched) == 1 and len(hatched[0].get_paths()) == hidden.sum() >= 990
    assert not hidden[10:].all()  # some areas of 40 are shown
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert f"not shown (users: fewer than 8, or withheld): {int(hidden.sum()):,} areas" in labels
    assert not any("no users" in label or "suppressed" in label for label in labels)
    assert not any(label.strip().startswith("3 ") for label in labels)
    assert "rounded to the nearest 5" in fig.axes[0].get_legend().get_title().get_text()


def test_ons_attribution_carries_licence_lines():
    text = ons_attribution(2021, 2025)
    assert "Open Government Licence v.3.0" in text and "Crown copyright and database right 2021" in text
    assert "English Indices of Deprivation 2025" in text


def test_bad_decile_column_is_reported(geo):
    areas, _ = geo
    bad = areas.copy()
    bad.loc[[4, 9], "imd_decile"] = 11
    with pytest.raises(InputDataError,
                       match=r"column 'imd_decile': deciles must be whole numbers from 1 to 10 \(rows 5, 10"):
        deprivation_map(bad)
