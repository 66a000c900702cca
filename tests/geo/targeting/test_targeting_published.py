"""Targeting by construction (issue 12): every published table, measure and area list rests on published counts.

The hand frame: 20 LSOAs of 1,000 residents, IMD scores 100, 95, ..., 5 (so national deciles
1, 1, 2, 2, ..., 10, 10 and the same local deciles), with users per LSOA
50 50 40 40 30 30 20 20 10 10 10 10 5 5 5 5 0 0 0 0 (340 in all). By decile: 100 80 60 40 20
20 10 10 0 0 users over 2,000 residents each. Each test below checks a primitive by hand or shows
that a recovery route of issue 12 is closed (and, where it can, that the old output leaked).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from targeting_fixtures import USERS, areas, users, wilson  # noqa: F401 (fixtures)

from svimpact.disclosure import SUPPRESSED, protect_counts, round_significant
from svimpact.geo.inequality import concentration_index
from svimpact.geo.targeting import (
    area_pattern,
    count_users,
    decile_pattern,
    grouped_concentration,
    priority_areas,
    reach_by_decile,
    sii,
    suppressed_deciles,
    targeting,
)

pytestmark = pytest.mark.filterwarnings("ignore:the straight-line fit:UserWarning")


def _by_lsoa(areas, per_lsoa) -> pd.Series:
    return pd.Series(per_lsoa, index=areas["lsoa_code"])


def _deciles(areas, per_decile) -> pd.Series:
    """Users per LSOA putting ``per_decile[d]`` users in the first LSOA of decile d + 1 (the second gets 0)."""
    return _by_lsoa(areas, np.ravel([[n, 0] for n in per_decile]))


# ----------------------------------------------------------------------------- the shared decile pattern
def test_decile_pattern_by_hand(areas):
    # the Housing First demo: decile 10 holds 3 (suppressed) and decile 9, its quintile partner, 8
    assert decile_pattern({1: 31, 2: 55, 3: 38, 4: 47, 5: 38, 6: 36, 7: 22, 8: 22, 9: 8, 10: 3}) == {9, 10}
    assert decile_pattern(pd.Series({3: 50, 7: 2})) == {7, 3}  # partner 8 has none: smallest positive, decile 3
    assert decile_pattern([40] * 10) == frozenset()
    assert suppressed_deciles(_deciles(areas, [40, 40, 40, 40, 40, 40, 40, 20, 9, 3]), areas) == {9, 10}


def test_every_table_of_the_same_people_withholds_the_same_deciles(areas):
    u = _deciles(areas, [40, 40, 12, 40, 40, 40, 40, 40, 20, 3])  # 3 in decile 10; decile 3 (12) is the smallest
    r = targeting(u, areas, seed=1)
    assert r.hidden_deciles == {9, 10}  # the quintile partner, not the smallest cell (decile 3)
    t = r.published_tables()
    rows = {name: set(np.flatnonzero(t[name].suppressed[col].to_numpy()[:10]) + 1) for name, col in
            (("profile", "national_users"), ("reach", "users"))}
    assert rows == {"profile": {9, 10}, "reach": {9, 10}}
    for name, col in (("profile", "national_user_pct"), ("reach", "reach_per_1000"), ("reach", "reach_upper")):
        assert set(np.flatnonzero(t[name].suppressed[col].to_numpy()[:10]) + 1) == {9, 10}, (name, col)
    assert t["profile"].to_publish()["national_users"].iloc[-1] == 315  # Total 315 shown; 20 + 3 cannot be split
    assert not t["core20"].suppressed["users"].any()  # Core20 (deciles 1-2) does not split the pattern


def test_core20_is_withheld_when_it_would_split_the_pattern(areas):
    # deciles 1 (3) and 5 (2) are both small: no secondary cell, and Core20 = decile 1 + decile 2 would
    # give decile 1 back from the published decile 2
    r = targeting(_deciles(areas, [3, 30, 30, 30, 2, 30, 30, 30, 30, 30]), areas, seed=1)
    assert r.hidden_deciles == {1, 5}
    assert r.measure("Core20 share").withheld and r.measure("Core20 share").reason == "rests on a suppressed decile"
    assert r.measure("Core20 targeting ratio").format() == SUPPRESSED
    c20 = r.published_tables()["core20"].to_publish()
    assert c20["users"].tolist()[:2] == [SUPPRESSED, SUPPRESSED] and c20["users"].iloc[2] == 245


# ----------------------------------------------------------------------------- derived figures by hand
def test_reach_and_percentages_from_published_counts_by_hand(areas):
    u = _deciles(areas, [47, 80, 60, 40, 20, 20, 10, 10, 0, 0])  # 287 in all
    reach = reach_by_decile(u, areas).published_table().table
    # 47 publishes as 45: 45 / 2,000 residents = 22.50 per 1,000; Wilson from (45, 2,000), 2 decimal places
    lo, hi = wilson(45, 2000)
    assert reach.iloc[0][["users", "reach_per_1000", "reach_lower", "reach_upper"]].tolist() == [
        45, 22.5, round(lo * 1000, 2), round(hi * 1000, 2)]
    profile = targeting(u, areas, seed=1).published_tables()["profile"].table
    # 45 of the published Total 285 (287 rounds to 285): 15.789...% -> 15.8
    assert (profile["national_users"].iloc[-1], profile["national_user_pct"].iloc[0]) == (285, 15.8)


def test_published_sii_and_concentration_index_by_hand(users, areas):
    r = targeting(users, areas, seed=7, repetitions=2000)
    s = r.measure("SII")
    # every decile publishes (100 80 60 40 20 20 10 10 0 0 are multiples of 5): slope -45 / 0.825 per 1,000
    assert s.interval.value == -54.5 and s.precision == "3 significant figures"
    assert "from published counts" in s.interval.method
    y = np.array([50, 40, 30, 20, 10, 10, 5, 5, 0, 0]) / 1000
    rank = (np.arange(10) + 0.5) / 10
    c = 2 * np.mean((y - y.mean()) * (rank - 0.5)) / y.mean()
    ci = r.measure("concentration index")
    assert ci.interval.value == round_significant(c / (1 - y.mean()))  # Wagstaff, bounds 0 and 1
    assert "over national deciles from published counts (not LSOA level)" in ci.interval.method
    assert ci.interval.lower < ci.interval.value < ci.interval.upper
    headline = r.published_tables()["headline"].to_publish()
    assert set(headline["precision"]) == {"1 decimal place", "3 significant figures"}


def test_grouped_concentration_matches_the_index_over_group_rows(areas):
    x, n = np.array([100, 80, 60, 40, 20, 20, 10, 10, 5, 5.0]), np.full(10, 2000.0)
    iv = grouped_concentration(x, n, kind="standard", seed=3, repetitions=2000)
    assert iv.value == pytest.approx(concentration_index(x / n, np.arange(10), n).index.value)
    assert iv.lower < iv.value < iv.upper and iv == grouped_concentration(x, n, kind="standard", seed=3,
                                                                          repetitions=2000)


# ----------------------------------------------------------------------------- recovery routes closed
def _everything_published(u, areas) -> tuple:
    r = targeting(u, areas, seed=11, repetitions=2000)
    return tuple(d.to_publish().to_csv() for d in r.published_tables().values()) + (r.to_frame().to_csv(),)


def test_nothing_published_moves_when_raw_counts_move_within_their_rounding(users, areas):
    """Rates x populations, percentages x totals, SII/concentration fits: all published figures are a
    function of the published counts, so raw counts that publish the same give the same files."""
    moved = _by_lsoa(areas, np.array(USERS) + np.r_[1, 0, 0, 0, 1, [0] * 15])  # LSOAs 51, 31; deciles 101, 61
    assert protect_counts([51, 31, 101, 61, 342])[0].tolist() == [50, 30, 100, 60, 340]  # published the same
    assert _everything_published(moved, areas) == _everything_published(users, areas)
    # the analysis (unrounded) SII moves, so a figure printed from it would tell the two apart
    assert sii(moved, areas, seed=11).sii.value != sii(users, areas, seed=11).sii.value


def test_sii_over_a_withheld_decile_is_withheld_so_no_split_can_be_fitted(areas):
    """Issue 12 route: two suppressed deciles were split exactly by the six-digit SII."""
    def per_decile(d9, d10):
        return _deciles(areas, [60, 55, 50, 45, 40, 35, 30, 25, d9, d10])

    true = sii(per_decile(8, 3), areas, seed=5, repetitions=1000).sii.value
    fits = [a for a in range(12) if f"{sii(per_decile(a, 11 - a), areas, seed=5, repetitions=1000).sii.value:.6g}"
            == f"{true:.6g}"]
    assert fits == [8]  # the leak, as it was: one split of 11 fits the old figure
    r = targeting(per_decile(8, 3), areas, seed=5)
    for name in ("reach gap", "reach ratio"):
        assert r.measure(name).withheld and r.measure(name).reason == "rests on a suppressed decile", name
    shown = r.published_tables()["headline"].to_publish()
    assert (shown.loc[shown["note"] != "", ["value", "lower", "upper"]] == SUPPRESSED).all().all()
    # The SII, RII and concentration index fall back to quintiles (deciles 9 + 10 = 11 publishes as 10),
    # computed from published quintile counts: every split of the 11 gives the same published figures.
    for name in ("SII", "RII", "concentration index"):
        assert not r.measure(name).withheld and r.measure(name).scale == "national quintiles", name
    published = {tuple(targeting(per_decile(a, 11 - a), areas, seed=5).published_tables()["headline"].to_publish()
                       .to_csv()) for a in range(1, 11)}  # every split the pattern withholds
    assert len(published) == 1


def test_area_pattern_by_hand():
    frame = pd.DataFrame({"imd_decile": [1, 1, 1, 2, 2, 2]})
    # 0 and 3 are one class; decile 1's total (23, published 25) minus the shown 20 would give 3 back
    assert area_pattern([0, 3, 20, 0, 0, 30], frame).tolist() == [True, True, True, True, True, False]
    # decile 1 (0 + 3 + 4 = 7) is suppressed with its partner decile 2 in every table; the whole frame's
    # total minus the shown 30 and 20 would give 7 back, so the smaller shown area (20) is withheld
    assert area_pattern([0, 3, 4, 20, 0, 30], frame).tolist() == [True, True, True, True, True, False]
    # enough users out of sight already: nothing more withheld
    assert area_pattern([0, 5, 5, 20, 0, 30], frame).tolist() == [True, True, True, False, True, False]


def test_priority_list_never_tells_an_empty_area_from_one_with_a_few(users, areas):
    """Issue 12 route: listed LSOAs showed 0 or [c], and listing meant reach below the overall rate, so a
    [c] row held 1 or 2 users. Now only areas whose count publishes are listed (issue 16, item 4)."""
    base = priority_areas(users, areas, need="employment_score")
    few = _by_lsoa(areas, np.array(USERS) + np.r_[[0] * 17, 3, 0, 0])  # LSOA 17: 0 -> 3 users
    other = priority_areas(few, areas, need="employment_score")
    a, b = base.published_table().to_publish(), other.published_table().to_publish()
    assert a.equals(b) and a.empty
    assert (base.candidates, base.high_need_not_shown) == (other.candidates, other.high_need_not_shown) == (0, 3)
    assert protect_counts([0, 3])[1].tolist() == [False, True]  # the old table: '0' against '[c]'


def test_priority_rows_show_rounded_counts_and_rates_from_them(areas):
    # need's top fifth: LSOAs 0, 17, 18, 19; 17 and 18 hold 12 and 10 users (both published as 10), far
    # below the overall reach; LSOA 0 has none (not shown, so not listed)
    u = _by_lsoa(areas, [0, *[60] * 16, 12, 10, 0])
    t = priority_areas(count_users(u, areas), need="employment_score").published_table().to_publish()
    assert t["area"].tolist() == ["Hand 18", "Hand 17"]  # by need: 0.97, 0.95
    lo, hi = wilson(10, 1000)
    for _, row in t.iterrows():
        assert (row["users"], row["reach_per_1000"]) == (10, 10.0)
        assert (row["reach_lower"], row["reach_upper"]) == (round(lo * 1000, 2), round(hi * 1000, 2))
    assert not t.isin([SUPPRESSED]).any().any()  # no row or cell withheld: only publishable areas are listed


def test_area_pattern_does_not_depend_on_row_order():
    """A map (boundary file order) and an area list (area frame order) must withhold the same areas: ties
    between equal shown areas are broken by area code, not by row position."""
    frame = pd.DataFrame({"lsoa_code": ["A", "B", "C", "D"], "imd_decile": [1, 1, 1, 1]})
    counts = np.array([3, 20, 20, 0])  # decile 1 minus the two shown 20s would give 3 back: one 20 goes
    first = pd.Series(area_pattern(counts, frame), index=frame["lsoa_code"])
    order = [2, 0, 3, 1]
    shuffled = pd.Series(area_pattern(counts[order], frame.iloc[order]), index=frame["lsoa_code"].iloc[order])
    assert first.tolist() == [True, True, False, True]  # B (the first code) withheld, C shown
    assert shuffled.sort_index().equals(first)


def test_core20_share_times_the_total_gives_back_only_the_published_count(areas):
    """Issue 12 route: the Core20 share 0.286667 times 300 gave back 86 where the tables showed 85."""
    u = _deciles(areas, [31, 55, 38, 47, 38, 36, 22, 22, 8, 3])  # the Housing First demo's deciles: 300 users
    r = targeting(u, areas, seed=1)
    assert round(r.core20.user_share.value * 300) == 86  # the analysis figure, as it was published
    share = r.measure("Core20 share")
    assert share.interval.value == 28.3 and round(share.interval.value / 100 * 300) == 85  # 85 / 300, 1 dp
    assert share.format() == "28.3% (95% interval 23.5% to 33.7%)"
    assert r.published_tables()["core20"].to_publish()["users"].tolist() == [85, 215, 300]
