"""Maps that can be read (issue 16, item 3): the geography is chosen so most areas publish, areas with
no users are never in a data band, static and interactive maps agree, and text is legible in print
and on a phone. Data: the shipped real LCR areas (data/lcr) with the demo's SYNTHETIC records."""

from __future__ import annotations

import re

import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from _browser import check_page, require_chromium
from conftest import REPO

from svimpact.disclosure import protect_counts
from svimpact.geo.maps import band_colours, reach_map
from svimpact.geo.mapunits import map_units
from svimpact.geo.webmap import interactive_map

LCR = REPO / "data" / "lcr"


@pytest.fixture(scope="module")
def lcr():
    return gpd.read_file(LCR / "lcr_lsoa.geojson"), gpd.read_file(LCR / "lcr_boroughs.geojson")


def _users(service: str) -> pd.Series:
    return pd.read_csv(REPO / "data" / f"synthetic_{service}_participants.csv")["lsoa_code"].value_counts()


@pytest.fixture(scope="module")
def hiw() -> pd.Series:
    return _users("households_into_work")


def test_aggregates_only_when_most_lsoas_would_not_publish(lcr, hiw):
    areas, _ = lcr
    mu = map_units(areas, hiw)  # 3,000 households over 1,003 LSOAs: about 9% of LSOAs publish
    assert mu.level == "MSOA" and mu.shown_share["LSOA"] < 0.5 <= mu.shown_share["MSOA"]
    assert len(mu.units) == 201 and mu.note().startswith("Shown by MSOA (201 MSOAs): only 9% of LSOAs")
    assert map_units(areas, hiw, show_at_least=0.05).level == "LSOA"  # the threshold is what moves it
    dense = pd.Series(20, index=areas["lsoa_code"])
    assert map_units(areas, dense).level == "LSOA" and map_units(areas, dense).note() == ""
    hf = map_units(areas, _users("housing_first"))  # 300 people: not even MSOAs publish
    assert hf.level in ("borough by IMD decile", "borough") and hf.shown_share[hf.level] >= 0.5
    # the fictional region has no MSOAs (its names carry no letter): boroughs by decile come next
    fictional = gpd.read_file(REPO / "shapefiles" / "synthetic_city_region_lsoa.gpkg")
    sparse = pd.Series(2, index=fictional["lsoa_code"].iloc[::3])
    f = map_units(fictional, sparse)
    assert "MSOA" not in f.shown_share and f.level in ("borough by IMD decile", "borough")


def test_unit_counts_pass_through_the_disclosure_rule(lcr, hiw):
    areas, _ = lcr
    mu = map_units(areas, hiw)
    raw = hiw.reindex(areas["lsoa_code"]).fillna(0).to_numpy()
    assert mu.users.sum() == raw.sum()  # every LSOA's users land in exactly one unit
    shown = ~mu.hidden
    assert (mu.published[shown] == protect_counts(mu.users[shown])[0]).all()
    assert (mu.published[shown] % 5 == 0).all() and (mu.users[shown] >= 8).all()
    assert np.isnan(mu.published[mu.hidden]).all() and mu.hidden[mu.users == 0].all()


def _static(fig):
    ax = fig.axes[0]
    coll = [c for c in ax.collections if len(c.get_paths()) and not c.get_hatch() and c.get_facecolors().shape[0] > 1]
    hatched = [c for c in ax.collections if c.get_hatch()]
    return coll, hatched


@pytest.mark.parametrize("level", ["auto", "LSOA"])
def test_no_area_without_users_in_a_band_and_both_maps_agree(lcr, hiw, level):
    areas, boroughs = lcr
    mu = map_units(areas, hiw, level=level)
    fig = reach_map(areas, hiw, boroughs, level=level)
    page = interactive_map(areas, hiw, boroughs=boroughs, level=level)
    try:
        coloured, hatched = _static(fig)
        n_bands = len(set(re.findall(r"\.reach \.r(\d+)\{", page)))
        palette = band_colours(n_bands)
        # static: one coloured collection holding exactly the shown units, one hatched holding the others
        assert len(coloured) == 1 and len(coloured[0].get_paths()) == int((~mu.hidden).sum())
        assert len(hatched) == 1 and len(hatched[0].get_paths()) == int(mu.hidden.sum())
        import matplotlib as mpl

        static_band = [palette.index(mpl.colors.to_hex(c)) for c in coloured[0].get_facecolors()]
        # interactive: each unit's class, in unit order
        classes = re.findall(r'<path class="a (\w+) d\d+" data-i="(\d+)"', page)
        assert [int(i) for _, i in classes] == list(range(len(mu.units)))
        assert all(c == "rs" for (c, _), n in zip(classes, mu.users) if n == 0)  # no users: never a band
        assert all(c == "rs" for (c, _), h in zip(classes, mu.hidden) if h)
        web_band = [int(c[1:]) for (c, _), h in zip(classes, mu.hidden) if not h]
        assert static_band == web_band  # same areas, same classes
        static_labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()][:n_bands]
        web_labels = re.findall(r'<li><span class="sw" style="background:#[0-9a-f]{6}"></span>([^<]+)</li>', page)
        assert static_labels == web_labels[:n_bands]
        assert mu.note() in fig.axes[0].get_title() and (mu.note() in page)
    finally:
        plt.close(fig)


def test_static_map_text_is_at_least_8_pt_at_page_width(lcr, hiw):
    """Placed at the width of an A4 page's text (6.3 in), every text of the figure is at least 8 pt."""
    areas, boroughs = lcr
    fig = reach_map(areas, hiw, boroughs, attribution="Contains OS data © Crown copyright " * 4)
    try:
        fig.canvas.draw()
        width_in = fig.get_tightbbox(fig.canvas.get_renderer()).width  # the saved figure (bbox_inches="tight")
        scale = min(1.0, 6.3 / width_in)
        ax = fig.axes[0]
        off = {ax.xaxis.label, ax.yaxis.label} if not ax.axison else set()  # not drawn
        sizes = [t.get_fontsize() for t in fig.findobj(plt.Text) if t.get_text().strip() and t.get_visible()
                 and t not in off]
        assert sizes and min(sizes) * scale >= 8.0, (min(sizes), width_in)
    finally:
        plt.close(fig)


FILLS = """(() => Array.from(document.querySelectorAll('path.a')).map(
  el => [Number(el.getAttribute('data-i')), getComputedStyle(el).fill]))()"""
PHONE = """(() => ({svg: document.getElementById('svm-map').getBoundingClientRect().width,
  legend: parseFloat(getComputedStyle(document.querySelector('#svm-legend li')).fontSize),
  note: document.querySelector('header .note') ? document.querySelector('header .note').innerText : ''}))()"""


def test_interactive_map_in_a_browser_on_desktop_and_phone(lcr, hiw, tmp_path):
    """Rendered by Chromium: no area without users takes a band colour; on a 390 px phone the map
    fills the width (it was squeezed to 130 px beside the legend) and the legend stays at >= 12 px."""
    require_chromium()
    areas, boroughs = lcr
    mu = map_units(areas, hiw, level="LSOA")  # at LSOA level 189 areas have no users
    lsoa_page, path = tmp_path / "lsoa.html", tmp_path / "hiw.html"
    lsoa_page.write_text(interactive_map(areas, hiw, boroughs=boroughs, level="LSOA"), encoding="utf-8")
    path.write_text(interactive_map(areas, hiw, boroughs=boroughs), encoding="utf-8")
    desktop = check_page(lsoa_page, width=1200, height=1000, scripts=[FILLS], timeout=60)
    assert desktop.ok, desktop.describe()
    fills = dict(desktop.script_results[0])
    band_rgb = set()
    for hexcol in [c for k in range(1, 9) for c in band_colours(k)]:
        r, g, b = (int(hexcol[k:k + 2], 16) for k in (1, 3, 5))
        band_rgb.add(f"rgb({r}, {g}, {b})")
    empty = [i for i, n in enumerate(mu.users) if n == 0]
    assert empty and all("svm-hatch" in fills[i] and fills[i] not in band_rgb for i in empty)
    phone = check_page(path, width=390, height=844, scripts=[PHONE], timeout=60)
    assert phone.ok, phone.describe()
    sizes = phone.script_results[0]
    assert sizes["svg"] >= 340 and sizes["legend"] >= 12 and sizes["note"].startswith("Shown by MSOA")
