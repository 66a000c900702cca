"""Priority areas (svimpact.geo.targeting.priority).

The hand frame: 20 LSOAs of 1,000 residents, IMD scores 100, 95, ..., 5 (so national deciles
1, 1, 2, 2, ..., 10, 10 and the same local deciles), with users per LSOA
50 50 40 40 30 30 20 20 10 10 10 10 5 5 5 5 0 0 0 0 (340 in all). By decile: 100 80 60 40 20
20 10 10 0 0 users over 2,000 residents each.
"""

from __future__ import annotations

import pytest
from targeting_fixtures import areas, users  # noqa: F401 (fixtures)

from svimpact.geo.targeting import (
    NEED_BY_SERVICE,
    priority_areas,
)


def test_priority_areas_by_hand(users, areas):
    # top fifth of need: LSOAs 0 (reach 50, above the overall 17) and 17, 18, 19 (reach 0)
    p = priority_areas(users, areas, need="employment_score", n=20)
    assert p.table["lsoa_code"].tolist() == ["E01000018", "E01000019", "E01000017"]  # reach 0, need desc
    assert p.candidates == 3 and p.overall_reach_per_1000 == pytest.approx(17.0)
    assert p.table["shortfall"].tolist() == pytest.approx([17.0, 17.0, 17.0])
    assert bool(p.table["significantly_low"].all())
    assert priority_areas(users, areas, need="housing-first").need == NEED_BY_SERVICE["housing-first"]
    assert len(priority_areas(users, areas, n=2).table) == 2
