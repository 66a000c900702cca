"""Reach by decile, gap and ratio (svimpact.geo.targeting.reach), by hand and as published.

The hand frame: 20 LSOAs of 1,000 residents, IMD scores 100, 95, ..., 5 (so national deciles
1, 1, 2, 2, ..., 10, 10 and the same local deciles), with users per LSOA
50 50 40 40 30 30 20 20 10 10 10 10 5 5 5 5 0 0 0 0 (340 in all). By decile: 100 80 60 40 20
20 10 10 0 0 users over 2,000 residents each.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from targeting_fixtures import Z95, areas, users, wilson  # noqa: F401 (fixtures)

from svimpact.geo.targeting import (
    deprivation_gap,
    reach_by_decile,
)


def test_reach_by_decile_by_hand(users, areas):
    r = reach_by_decile(users, areas)
    assert r.table["reach_per_1000"].tolist() == pytest.approx([50, 40, 30, 20, 10, 10, 5, 5, 0, 0])
    lo, hi = wilson(100, 2000)
    assert (r.table["reach_lower"][0], r.table["reach_upper"][0]) == pytest.approx((lo * 1000, hi * 1000))


def test_gap_and_ratio_by_hand(users, areas):
    g = deprivation_gap(users, areas)
    assert g.gap.value == pytest.approx(50.0)
    # Newcombe: lower = d - sqrt((p1 - l1)^2 + (u2 - p2)^2), with p2 = 0, l2 = 0
    l1, u1 = wilson(100, 2000)
    _, u2 = wilson(0, 2000)
    assert g.gap.lower == pytest.approx((0.05 - math.sqrt((0.05 - l1) ** 2 + u2**2)) * 1000)
    assert g.gap.upper == pytest.approx((0.05 + math.sqrt((u1 - 0.05) ** 2)) * 1000)
    assert math.isnan(g.ratio.value)  # no users in the least deprived decile
    # quintiles, with 3 more users in each of LSOAs 16-19: 180 / 4,000 against 12 / 4,000 -> ratio 15
    more = pd.concat([users, pd.DataFrame({"lsoa_code": areas["lsoa_code"].iloc[16:].repeat(3)})])
    q = deprivation_gap(more, areas, groups=5)
    assert (q.gap.value, q.ratio.value) == pytest.approx((42.0, 15.0))
    se = math.sqrt(1 / 180 - 1 / 4000 + 1 / 12 - 1 / 4000)
    assert q.ratio.upper == pytest.approx(15 * math.exp(Z95 * se))


def test_reach_limits_are_hidden_with_their_count(users, areas):
    thin = users.groupby("lsoa_code").head(3)  # 3 users per LSOA with users -> 6 per decile
    d = reach_by_decile(thin, areas).published_table()
    body = d.table.iloc[:-1]
    assert body["users"].isna().iloc[:8].all()
    assert body[["reach_per_1000", "reach_lower", "reach_upper"]].iloc[:8].isna().all().all()
    assert any(a.column == "reach_lower" for a in d.audit)
