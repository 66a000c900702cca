"""SII/RII and concentration index of reach (svimpact.geo.targeting.inequality).

The hand frame: 20 LSOAs of 1,000 residents, IMD scores 100, 95, ..., 5 (so national deciles
1, 1, 2, 2, ..., 10, 10 and the same local deciles), with users per LSOA
50 50 40 40 30 30 20 20 10 10 10 10 5 5 5 5 0 0 0 0 (340 in all). By decile: 100 80 60 40 20
20 10 10 0 0 users over 2,000 residents each.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from targeting_fixtures import USERS, areas, users  # noqa: F401 (fixtures)

from svimpact.geo.inequality import concentration_index
from svimpact.geo.targeting import (
    reach_concentration,
    sii,
)


def test_sii_of_reach_by_hand(users, areas):
    # b = .05 ... .95, reach per 1,000 = 50 40 30 20 10 10 5 5 0 0;
    # slope = sum (b - .5) y / sum (b - .5)^2 = -45 / .825 -> SII -54.5454...
    with pytest.warns(UserWarning, match="straight-line fit"):  # 44.3 - 54.5 < 0 at b = 1
        s = sii(users, areas, seed=7)
    assert s.sii.value == pytest.approx(-45 / 0.825)
    assert s.value_type == 0  # zero reach in deciles 9 and 10: logit undefined, normal scale used
    assert s.sii.lower < s.sii.value < s.sii.upper
    with pytest.warns(UserWarning):
        assert sii(users, areas, seed=7) == s


@pytest.mark.filterwarnings("ignore:the straight-line fit:UserWarning")
def test_sii_uses_logit_scale_when_every_decile_has_users(users, areas):
    more = pd.concat([users, pd.DataFrame({"lsoa_code": areas["lsoa_code"].iloc[16:].repeat(3)})])
    s = sii(more, areas, seed=1)
    assert s.value_type == 2 and s.sii.value < 0


def test_reach_concentration_matches_direct_formula(users, areas):
    r = reach_concentration(users, areas, kind="standard")
    y = np.array(USERS) / 1000
    rank = (np.arange(20) + 0.5) / 20  # equal populations, most deprived first
    mu = y.mean()
    assert r.index.value == pytest.approx(2 * np.mean((y - mu) * (rank - 0.5)) / mu)
    assert r.index.value < 0  # reach concentrated in the deprived LSOAs
    w = reach_concentration(users, areas)  # default Wagstaff, bounds [0, 1]
    assert w.index.value == pytest.approx(r.index.value / (1 - mu))
    assert w.index.value == pytest.approx(concentration_index(y, -areas["imd_score"], kind="wagstaff").index.value)


def test_sii_warns_when_linear_fit_goes_negative_and_transform_fixes_it(areas):
    # reach 50, 40, ..., 1 per 1,000 falling steeply: the line crosses zero before decile 10
    steep = pd.Series([60, 60, 30, 30, 10, 10, 4, 4, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], index=areas["lsoa_code"])
    with pytest.warns(UserWarning, match="pass transform=True"):
        s = sii(steep, areas, seed=1)
    assert s.rii.value <= 0
    t = sii(steep, areas, seed=1, transform=True)
    assert t.transform and 0 < t.rii.value < 1 and t.sii.value < 0
