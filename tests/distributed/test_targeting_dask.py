"""The targeting measures (svimpact.geo.targeting) on a Dask collection of users give the pandas answer.

Reference: the pandas path (tests/geo/targeting, checked against PHE's tools and hand calculations).
Users are counted per LSOA partition by partition (svimpact.distributed.targeting); everything after
the counts is shared, so the measures must agree exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from dask_fixtures import dask_client, uneven  # noqa: F401 (fixture)

from svimpact.exceptions import InputDataError
from svimpact.geo.targeting import count_users, targeting


def _users(areas: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    weight = areas["population"].to_numpy(float) * np.linspace(2.0, 0.5, len(areas))
    codes = rng.choice(areas["lsoa_code"].to_numpy(), size=n, p=weight / weight.sum())
    return pd.DataFrame({"lsoa_code": codes, "id": np.arange(n)})


def _areas(n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(4)
    score = np.sort(rng.uniform(3, 70, n))[::-1]
    return pd.DataFrame({"lsoa_code": [f"E01{i:06d}" for i in range(n)], "lsoa_name": [f"Area {i}" for i in range(n)],
                         "population": rng.integers(1200, 2500, n), "imd_score": score,
                         "imd_rank": np.arange(1, n + 1), "imd_decile": np.arange(n) * 10 // n + 1,
                         "employment_score": rng.uniform(0.02, 0.4, n)})


@pytest.mark.filterwarnings("ignore:the straight-line fit:UserWarning")
def test_targeting_on_dask_users_matches_pandas(dask_client):
    areas = _areas()
    users = _users(areas, 20_000, seed=1)
    ddf, _ = uneven(users, [0, 3000, 3001, 12000], seed=2)
    a = targeting(users, areas, need="employment_score", seed=3)
    b = targeting(ddf, areas, need="employment_score", seed=3)
    pd.testing.assert_frame_equal(b.to_frame(), a.to_frame())
    pd.testing.assert_frame_equal(b.table(), a.table())
    pd.testing.assert_frame_equal(b.reach.to_frame(), a.reach.to_frame())
    pd.testing.assert_frame_equal(b.concentration.to_frame(), a.concentration.to_frame())
    assert b.n_users == a.n_users == 20_000
    ca, cb = count_users(users, areas), count_users(ddf["lsoa_code"], areas)
    pd.testing.assert_frame_equal(cb.frame, ca.frame)


def test_users_outside_the_frame_are_named_with_the_same_rows(dask_client):
    import dask.dataframe as dd

    areas = _areas()
    users = _users(areas, 500, seed=5)
    users.loc[[7, 321], "lsoa_code"] = "E01999999"
    users.loc[[400], "lsoa_code"] = None
    with pytest.raises(InputDataError) as pe:
        count_users(users, areas)
    with pytest.raises(InputDataError) as de:
        count_users(dd.from_pandas(users, npartitions=3), areas)
    assert "rows 8, 322, 401" in str(pe.value) and "rows 8, 322, 401" in str(de.value)
    dropped = count_users(dd.from_pandas(users, npartitions=3), areas, unmatched="drop")
    assert dropped.unmatched == count_users(users, areas, unmatched="drop").unmatched == 3
