"""Counting users on the area frame (svimpact.geo.targeting.counts).

The hand frame: 20 LSOAs of 1,000 residents, IMD scores 100, 95, ..., 5 (so national deciles
1, 1, 2, 2, ..., 10, 10 and the same local deciles), with users per LSOA
50 50 40 40 30 30 20 20 10 10 10 10 5 5 5 5 0 0 0 0 (340 in all). By decile: 100 80 60 40 20
20 10 10 0 0 users over 2,000 residents each.
"""

from __future__ import annotations

import pandas as pd
import pytest
from targeting_fixtures import USERS, areas, users  # noqa: F401 (fixtures)

from svimpact.exceptions import InputDataError
from svimpact.geo.targeting import (
    count_users,
    reach_by_decile,
    targeting,
)


# ----------------------------------------------------------------------------- counting
def test_counts_from_rows_codes_and_counts_agree(users, areas):
    a = count_users(users, areas)
    b = count_users(users["lsoa_code"], areas)
    c = count_users(pd.Series(USERS, index=areas["lsoa_code"]), areas)
    assert a.frame["users"].tolist() == b.frame["users"].tolist() == c.frame["users"].tolist() == USERS
    assert a.n_users == 340 and a.unmatched == 0
    assert a.frame["local_decile"].tolist() == a.frame["imd_decile"].tolist()


def test_unmatched_users_are_an_error_naming_rows_or_counted_when_dropped(users, areas):
    extra = pd.concat([users, pd.DataFrame({"lsoa_code": ["E01999999", None], "id": [998, 999]})],
                      ignore_index=True)
    with pytest.raises(InputDataError, match=r"not in the area frame .*rows 341, 342.*unmatched='drop'"):
        count_users(extra, areas)
    c = count_users(extra, areas, unmatched="drop")
    assert (c.n_users, c.unmatched) == (340, 2)


def test_area_frame_problems_are_reported(users, areas):
    with pytest.raises(InputDataError, match=r"no column\(s\) \['imd_score'\]"):
        count_users(users, areas.drop(columns="imd_score"))
    bad = areas.assign(population=areas["population"].where(areas.index != 3, 0))
    with pytest.raises(InputDataError, match=r"column 'population': must be a positive number \(row 4\)"):
        count_users(users, bad)
    dup = areas.assign(lsoa_code=areas["lsoa_code"].where(areas.index != 5, areas["lsoa_code"][4]))
    with pytest.raises(InputDataError, match="LSOA codes repeat"):
        count_users(users, dup)
    with pytest.raises(InputDataError, match="users have no column 'lsoa'"):
        count_users(users, areas, lsoa="lsoa")


def test_local_deciles_need_ten_lsoas(users, areas):
    small = areas.head(8)
    u = users[users["lsoa_code"].isin(small["lsoa_code"])]
    with pytest.raises(InputDataError, match="at least 10 LSOAs"):
        reach_by_decile(u, small, scale="local")
    r = targeting(u, small, seed=1)  # national deciles 1-4 only: no local scale, no SII
    assert r.reach_local is None and r.sii is None and "reach_local" not in r.published_tables()
    assert r.reach.table["reach_per_1000"].iloc[4:].isna().all()
    assert (r.gap.most_group, r.gap.least_group) == (1, 4)
    assert r.gap.gap.value == pytest.approx(50 - 20)
