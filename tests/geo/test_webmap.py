"""Interactive maps: self-contained, disclosure-safe, and drawn by a real headless browser."""

from __future__ import annotations

import functools
import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from _browser import check_page, require_chromium
from conftest import REPO

from svimpact.disclosure import protect_counts
from svimpact.exceptions import InputDataError
from svimpact.geo import webmap
from svimpact.geo.targeting import area_pattern

# These tests are about LSOA-level maps; the automatic choice of a larger geography is tested in test_mapunits.py.
interactive_map = functools.partial(webmap.interactive_map, level="LSOA")
write_interactive_map = functools.partial(webmap.write_interactive_map, level="LSOA")

NOT_SHOWN = "not shown (fewer than 8, or withheld)"
NOT_SHOWN_LEGEND = "not shown (users: fewer than 8, or withheld)"


@pytest.fixture(scope="module")
def geo():
    areas = gpd.read_file(REPO / "shapefiles" / "synthetic_city_region_lsoa.gpkg")
    boroughs = gpd.read_file(REPO / "shapefiles" / "synthetic_city_region_boroughs.gpkg")
    return areas, boroughs


@pytest.fixture(scope="module")
def users() -> pd.Series:
    """Households into Work records placed in the fictional region (the demo's own sit in real LCR areas)."""
    from svimpact.datasets import DEFAULT_SEED, make_households_into_work

    participants = make_households_into_work(pd.read_csv(REPO / "data" / "synthetic_areas.csv"), DEFAULT_SEED).participants
    return participants["lsoa_code"].value_counts()


@pytest.fixture(scope="module")
def page(geo, users) -> str:
    areas, boroughs = geo
    return interactive_map(areas, users, boroughs=boroughs, title="Households into Work: reach")


def records(html_text: str) -> list[dict]:
    found = re.search(r'<script type="application/json" id="svm-data">(.*?)</script>', html_text, re.S)
    assert found, "the page embeds its area records"
    return json.loads(found.group(1))


def path_classes(html_text: str) -> dict[int, set[str]]:
    return {int(i): set(c.split()) for c, i in re.findall(r'<path class="([^"]+)" data-i="(\d+)"', html_text)}


# --- disclosure ---------------------------------------------------------------------------------

def test_areas_not_shown_carry_no_count_rate_or_band(geo, users, page):
    areas, _ = geo
    counts = users.reindex(areas["lsoa_code"]).fillna(0).to_numpy()
    hidden = area_pattern(counts, areas)
    small = protect_counts(counts, "nhs-hes")[1]
    assert small.sum() > 100 and (counts == 0).sum() > 100  # many small and empty areas: the test has teeth
    assert hidden[small].all() and hidden[counts == 0].all()
    recs, classes = records(page), path_classes(page)
    assert len(recs) == len(areas) == len(classes)
    for i in np.flatnonzero(hidden):
        rec = recs[i]
        assert set(rec) == {"c", "n", "b", "d", "u", "r"}
        assert rec["u"] == NOT_SHOWN and rec["r"] == "not shown"
        # Not even the colour band of the rate: the fill class is the hatch.
        assert "rs" in classes[i] and not any(re.fullmatch(r"r\d+", c) for c in classes[i])


def test_an_area_with_none_is_not_told_from_one_with_a_few(geo):
    """Issue 12 route: the map marked areas '[c] suppressed (1-7 users)' and showed '0 users' elsewhere,
    so with a decile total of 3 and three marked areas each held exactly one person. Now 0 and 1-7
    are one class, and the page's data hold no bare number (no "u":3)."""
    areas, _ = geo
    codes = areas["lsoa_code"].iloc[:6].tolist()
    # areas 0-2 (1 to 7 users) and area 5 (none) look the same; 42 and 58 are rounded (nhs-hes, half up)
    users = pd.Series([3, 7, 1, 42, 58, 0], index=codes)
    many = pd.Series(40, index=areas["lsoa_code"].iloc[100:200])  # busy areas elsewhere keep 42 and 58 shown
    text = interactive_map(areas, pd.concat([users, many]))
    by_code = {r["c"]: r for r in records(text)}
    for code in (*codes[:3], codes[5]):
        assert (by_code[code]["u"], by_code[code]["r"]) == (NOT_SHOWN, "not shown")
    assert by_code[codes[3]]["u"] == "40 users (rounded to the nearest 5)"
    assert by_code[codes[4]]["u"] == "60 users (rounded to the nearest 5)"
    data = re.search(r'id="svm-data">(.*?)</script>', text, re.S).group(1)
    shown = " ".join(r["u"] + " " + r["r"] for r in by_code.values())
    assert not re.search(r'"u":\s*\d', data) and "42" not in shown and "58" not in shown
    for rec in by_code.values():  # every area: the class, or a rounded count of at least 8
        n = re.fullmatch(r"(\d+) users \(rounded to the nearest 5\)", rec["u"])
        assert rec["u"] == NOT_SHOWN or (n and int(n.group(1)) >= 8 and int(n.group(1)) % 5 == 0), rec
    assert not re.search(r"(?<![\d,])0 users", text) and "[c]" not in data
    # Reach is a legend band computed from the rounded count, never a precise rate.
    assert all(re.fullmatch(r"[\d.,]+ to [\d.,]+ per 1,000 residents", r["r"]) for r in by_code.values()
               if r["u"] != NOT_SHOWN)


def test_a_lone_small_area_is_protected_by_withholding_a_shown_one(geo):
    """Secondary suppression on the map: with 9 users in one area and 10 in another (ons-10-5), the total
    minus the shown area would give 9 back, so the shown area is withheld too."""
    areas, _ = geo
    users = pd.Series([9, 10], index=areas["lsoa_code"].iloc[:2])
    recs = records(interactive_map(areas, users, rule="ons-10-5"))
    assert recs[0]["u"] == recs[1]["u"] == "not shown (fewer than 10, or withheld)"
    # areas 0, 1 and 4 share national decile 2: decile 2's total minus the shown areas would give 9 back,
    # so its smallest shown area (10) is withheld; 30 stays shown (9 + 10 hidden together: 19, not small)
    more = pd.Series([9, 10, 30], index=areas["lsoa_code"].iloc[[0, 1, 4]])
    recs = records(interactive_map(areas, more, rule="ons-10-5"))
    assert recs[0]["u"] == recs[1]["u"] == "not shown (fewer than 10, or withheld)"
    assert recs[4]["u"] == "30 users (rounded to the nearest 5)"


def test_legend_has_one_not_shown_class_and_no_zero_count(geo):
    areas, _ = geo
    users = pd.Series(np.r_[3, 4, np.full(50, 50)], index=areas["lsoa_code"].iloc[:52])
    text = interactive_map(areas, users)
    hidden = area_pattern(users.reindex(areas["lsoa_code"]).fillna(0).to_numpy(), areas)
    assert f"{NOT_SHOWN_LEGEND}: {int(hidden.sum()):,} areas" in text
    assert "0 users:" not in text and "suppressed" not in text.split('id="svm-legend"')[1].split("</aside>")[0]


# --- self-contained, small, well-formed --------------------------------------------------------

def test_page_is_self_contained_and_small(page):
    assert not re.search(r"\b(src|href)\s*=", page)
    assert "http://" not in page and "https://" not in page
    assert "default-src 'none'" in page  # the CSP forbids any request
    assert len(page.encode()) < 400_000  # 1,000 areas: a few hundred KB at most


def test_title_attribution_and_names_are_escaped(geo):
    areas, _ = geo
    areas = areas.copy()
    areas.loc[0, "lsoa_name"] = "</script><b>Evil & Co</b>"
    text = interactive_map(areas, pd.Series(dtype=float), title="A <b> & B", attribution="Line one\n<i>two</i>")
    assert "<title>A &lt;b&gt; &amp; B</title>" in text
    assert "Line one<br>&lt;i&gt;two&lt;/i&gt;" in text
    assert "</script><b>" not in text
    assert records(text)[0]["n"] == "</script><b>Evil & Co</b>"


def test_any_crs_is_projected_to_british_national_grid(geo):
    areas, _ = geo
    users = pd.Series([20], index=areas["lsoa_code"].iloc[:1])
    native = interactive_map(areas, users)
    wgs84 = interactive_map(areas.to_crs("EPSG:4326"), users)
    assert re.search(r'viewBox="([^"]+)"', native).group(1) == re.search(r'viewBox="([^"]+)"', wgs84).group(1)
    assert len(path_classes(wgs84)) == len(areas)


def test_simplification_keeps_every_area_and_shrinks_the_file(geo):
    areas, _ = geo
    fine = interactive_map(areas, pd.Series(dtype=float), tolerance=0)
    coarse = interactive_map(areas, pd.Series(dtype=float), tolerance=200)
    assert len(path_classes(coarse)) == len(areas)
    assert len(coarse) < len(fine)


def test_bad_inputs_are_clear_errors(geo):
    areas, _ = geo
    with pytest.raises(InputDataError, match="not in the areas: Z01999999"):
        interactive_map(areas, pd.Series([5], index=["Z01999999"]))
    with pytest.raises(InputDataError, match="non-negative counts"):
        interactive_map(areas, pd.Series([-1], index=areas["lsoa_code"].iloc[:1]))
    with pytest.raises(InputDataError, match="more than once"):
        interactive_map(areas, pd.Series([1, 2], index=[areas["lsoa_code"].iat[0]] * 2))
    with pytest.raises(InputDataError, match="no coordinate reference system"):
        interactive_map(areas.set_crs(None, allow_override=True), pd.Series(dtype=float))
    broken = areas.copy()
    broken.loc[[4, 9], "population"] = 0
    with pytest.raises(InputDataError, match="population.*rows 5, 10"):
        interactive_map(broken, pd.Series(dtype=float))
    with pytest.raises(InputDataError, match="no column"):
        interactive_map(areas.drop(columns="imd_decile"), pd.Series(dtype=float))


def test_write_is_atomic_and_leaves_no_temporary_files(geo, users, tmp_path):
    areas, _ = geo
    out = write_interactive_map(tmp_path / "maps" / "hiw.html", areas, users)
    assert out.read_text(encoding="utf-8").startswith("<!doctype html>")
    before = out.read_bytes()
    with pytest.raises(InputDataError):
        write_interactive_map(out, areas, pd.Series([5], index=["Z01999999"]))
    assert out.read_bytes() == before
    assert [p.name for p in out.parent.iterdir()] == ["hiw.html"]


# --- in a real browser -------------------------------------------------------------------------

HOVER_SUPPRESSED = """(() => {
  const el = document.querySelector('path.rs'), r = el.getBoundingClientRect();
  el.dispatchEvent(new PointerEvent('pointermove', {bubbles: true, clientX: r.x + r.width / 2,
                                                    clientY: r.y + r.height / 2}));
  const tip = document.getElementById('svm-tip');
  return {hidden: tip.hidden, text: tip.innerText, i: Number(el.getAttribute('data-i'))};
})()"""

ZOOM = """(() => {
  const svg = document.getElementById('svm-map'), before = svg.getAttribute('viewBox');
  document.querySelector('[data-zoom=in]').click();
  const zoomed = svg.getAttribute('viewBox');
  const r = svg.getBoundingClientRect();
  svg.dispatchEvent(new WheelEvent('wheel', {bubbles: true, cancelable: true, deltaY: -100,
                                             clientX: r.x + r.width / 3, clientY: r.y + r.height / 3}));
  const wheeled = svg.getAttribute('viewBox');
  document.querySelector('[data-zoom=reset]').click();
  return {before: before, zoomed: zoomed, wheeled: wheeled, reset: svg.getAttribute('viewBox')};
})()"""

LAYER = """(() => {
  const el = document.querySelector('path.a'), before = getComputedStyle(el).fill;
  const imd = document.querySelector('input[value=imd]'); imd.checked = true;
  imd.dispatchEvent(new Event('change'));
  return {before: before, after: getComputedStyle(el).fill, svg: document.getElementById('svm-map').getAttribute('class')};
})()"""


def test_map_loads_offline_draws_areas_and_shows_safe_hover(geo, users, tmp_path):
    require_chromium()
    areas, boroughs = geo
    path = write_interactive_map(tmp_path / "hiw.html", areas, users, boroughs=boroughs, title="HiW reach")
    check = check_page(path, screenshot=tmp_path / "hiw.png", selector="#svm-map", timeout=60,
                       scripts=[HOVER_SUPPRESSED, ZOOM, LAYER])
    assert check.ok, check.describe()
    assert (tmp_path / "hiw.png").stat().st_size > 10_000
    # The map box is mostly drawn areas (measured ~55% here: the rest is the letterbox around the region).
    assert check.non_blank_fraction > 0.3, check.describe()
    hover, zoom, layer = check.script_results
    assert not hover["hidden"]
    name = areas["lsoa_name"].iat[hover["i"]]
    assert name in hover["text"] and f"Users: {NOT_SHOWN}" in hover["text"]
    assert "Reach: not shown" in hover["text"] and "IMD decile:" in hover["text"]
    width = [float(v.split()[2]) for v in (zoom["before"], zoom["zoomed"], zoom["wheeled"])]
    assert width[1] == pytest.approx(width[0] * 0.8) and width[2] == pytest.approx(width[1] * 0.8)
    assert zoom["reset"] == zoom["before"]
    assert layer["svg"] == "imd" and layer["before"] != layer["after"]


def test_blank_map_is_detected(geo, tmp_path):
    """The non-blank measure has teeth: the same page with its areas removed measures (almost) nothing."""
    require_chromium()
    areas, _ = geo
    text = interactive_map(areas, pd.Series(dtype=float))
    emptied = re.sub(r'<g id="svm-areas">.*?</g>', '<g id="svm-areas"></g>', text, flags=re.S)
    (tmp_path / "empty.html").write_text(emptied, encoding="utf-8")
    check = check_page(tmp_path / "empty.html", selector="#svm-map", timeout=60)
    assert check.non_blank_fraction < 0.02, check.describe()


def test_real_lcr_boundaries_in_wgs84_make_a_small_working_map(reference_data, tmp_path):
    """Real ONS LSOA 2011 super-generalised boundaries (EPSG:4326) with IoD2019 deciles and populations."""
    lsoa = gpd.read_file(reference_data / "boundaries" / "lsoa11_bsc_v3_lcr.geojson")
    lads = gpd.read_file(reference_data / "boundaries" / "lad19_buc_lcr.geojson")
    iod = pd.read_csv(reference_data / "iod2019" / "iod2019_lsoa11_lcr.csv")
    iod = iod.rename(columns={"LSOA code (2011)": "lsoa_code",
                              "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)":
                              "imd_decile", "Total population: mid 2015 (excluding prisoners)": "population"})
    areas = lsoa.rename(columns={"LSOA11CD": "lsoa_code", "LSOA11NM": "lsoa_name", "LAD19NM": "lad_name"}).merge(
        iod[["lsoa_code", "imd_decile", "population"]], on="lsoa_code", how="left", validate="1:1")
    assert areas["imd_decile"].notna().all() and len(areas) == 989
    rng = np.random.default_rng(20261121)
    users = pd.Series(rng.poisson(6, len(areas)), index=areas["lsoa_code"])
    path = write_interactive_map(tmp_path / "lcr.html", areas, users, boroughs=lads, borough_label="ltla19_name",
                                 title="Liverpool City Region (simulated users)")
    text = path.read_text(encoding="utf-8")
    assert path.stat().st_size < 400_000
    recs = records(text)
    hidden = area_pattern(users.to_numpy(), areas)
    assert [r["u"] == NOT_SHOWN for r in recs] == hidden.tolist()
    assert "Liverpool" in text and "Wirral" in text  # borough labels
    require_chromium()
    check = check_page(path, selector="#svm-map", timeout=60)
    assert check.ok, check.describe()
    assert check.non_blank_fraction > 0.2, check.describe()
