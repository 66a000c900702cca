"""Decile profile and Core20 (svimpact.geo.targeting.profile), by hand and as published.

The hand frame: 20 LSOAs of 1,000 residents, IMD scores 100, 95, ..., 5 (so national deciles
1, 1, 2, 2, ..., 10, 10 and the same local deciles), with users per LSOA
50 50 40 40 30 30 20 20 10 10 10 10 5 5 5 5 0 0 0 0 (340 in all). By decile: 100 80 60 40 20
20 10 10 0 0 users over 2,000 residents each.
"""

from __future__ import annotations

import pytest
from targeting_fixtures import areas, users, wilson  # noqa: F401 (fixtures)

from svimpact.exceptions import ParamsError
from svimpact.geo.targeting import (
    core20,
    decile_profile,
)


def test_decile_profile_by_hand(users, areas):
    p = decile_profile(users, areas)
    nat = p.table[p.table["scale"] == "national"]
    assert nat["users"].tolist() == [100, 80, 60, 40, 20, 20, 10, 10, 0, 0]
    assert nat["population_share"].tolist() == pytest.approx([0.1] * 10)
    first = nat.iloc[0]
    assert first["user_share"] == pytest.approx(100 / 340)
    assert first["share_ratio"] == pytest.approx(100 / 340 / 0.1)
    lo, hi = wilson(100, 340)
    assert (first["user_share_lower"], first["user_share_upper"]) == pytest.approx((lo, hi))
    assert set(p.table["scale"]) == {"national", "local"}


def test_quintile_profile_pairs_deciles(users, areas):
    p = decile_profile(users, areas, groups=5, local=False)
    assert p.table["users"].tolist() == [180, 100, 40, 20, 0]
    with pytest.raises(ParamsError, match="groups must be 10"):
        decile_profile(users, areas, groups=4)


def test_core20_by_hand(users, areas):
    c = core20(users, areas)
    # users in deciles 1-2: 180 of 340; population share 4,000 / 20,000 = 0.2
    assert c.user_share.value == pytest.approx(180 / 340)
    assert c.population_share == pytest.approx(0.2)
    assert c.targeting_ratio.value == pytest.approx(180 / 340 / 0.2)
    lo, hi = wilson(180, 340)
    assert (c.targeting_ratio.lower, c.targeting_ratio.upper) == pytest.approx((lo / 0.2, hi / 0.2))


def test_profile_publication_has_side_by_side_scales_and_total(users, areas):
    d = decile_profile(users, areas).published_table()
    assert list(d.table.columns) == ["group", "national_population_pct", "national_users", "national_user_pct",
                                     "local_population_pct", "local_users", "local_user_pct"]
    assert d.table["group"].iloc[-1] == "Total" and d.table["national_users"].iloc[-1] == 340
    # 100 users of 340 in decile 1: from the published counts (100 and 340), to 1 decimal place
    # (issue 12; it was 29.4117... from the unrounded counts, to 6 significant figures in the CSV)
    assert d.table["national_user_pct"].iloc[0] == 29.4
    assert d.table["national_population_pct"].iloc[0] == 10.0
