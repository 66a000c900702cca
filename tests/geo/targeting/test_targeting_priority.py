"""Priority areas (svimpact.geo.targeting.priority).

The hand frame: 20 LSOAs of 1,000 residents, IMD scores 100, 95, ..., 5 (so national deciles
1, 1, 2, 2, ..., 10, 10 and the same local deciles), with users per LSOA
50 50 40 40 30 30 20 20 10 10 10 10 5 5 5 5 0 0 0 0 (340 in all). By decile: 100 80 60 40 20
20 10 10 0 0 users over 2,000 residents each.
"""

from __future__ import annotations

import pandas as pd
import pytest
from targeting_fixtures import areas, users, wilson  # noqa: F401 (fixtures)

from svimpact.geo.targeting import (
    NEED_BY_SERVICE,
    priority_areas,
)


def test_priority_areas_by_hand(users, areas):
    """Issue 16 item 4: high need, reach significantly low, publishable; one sentence when none is.

    Top fifth of need: LSOAs 0 (50 users), 17, 18, 19 (none). Overall reach 340 / 20,000 = 17 per 1,000.
    LSOA 0's reach (50) is not low and the other three are not shown: nothing to list.
    """
    p = priority_areas(users, areas, need="employment_score", n=20)
    assert p.geography == "LSOA" and p.table.empty and p.candidates == 0
    assert (p.high_need, p.high_need_not_shown) == (4, 3) and p.overall_reach_per_1000 == pytest.approx(17.0)
    assert p.sentence("Employment score") == (
        "No area in the highest-need fifth on the Employment score has reach significantly below the area's 17.00 "
        "per 1,000 residents (95% Wilson interval from published counts); 3 of the 4 highest-need areas have too "
        "few users to show (an area with none is not told apart from one with a few).")
    assert priority_areas(users, areas, need="housing-first").need == NEED_BY_SERVICE["housing-first"]


def test_priority_areas_significantly_low_ranked_by_need(areas):
    """LSOAs 17 and 18 (need 0.95, 0.97) hold 10 and 12 users (published 10, 10): reach 10 per 1,000,
    upper Wilson limit 18.31 (Wilson 1927; by hand in targeting_fixtures.wilson), below the overall
    1,030 / 20,000 = 51.5; LSOA 0 (50 users, upper limit 65.5) is not low; LSOA 19 (none) is not shown."""
    import numpy as np

    counts = [50, *[60] * 16, 10, 12, 0]
    u = pd.DataFrame({"lsoa_code": np.repeat(areas["lsoa_code"].to_numpy(), counts)})
    p = priority_areas(u, areas, need="employment_score")
    assert p.table["code"].tolist() == ["E01000018", "E01000017"] and p.candidates == 2
    assert p.overall_reach_per_1000 == pytest.approx(51.5)
    assert p.table["reach_upper"].tolist() == pytest.approx([wilson(10, 1000)[1] * 1000] * 2)  # 18.31
    assert p.sentence().startswith("2 of the 4 highest-need areas on the 'employment_score' have reach significantly")
    assert len(priority_areas(u, areas, n=1, need="employment_score").table) == 1
