"""Shared data for the targeting tests: the hand frame (see the docstring of each test module) and the
real LCR frame. Test modules import the fixtures by name."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

Z95 = 1.959963984540054
USERS = [50, 50, 40, 40, 30, 30, 20, 20, 10, 10, 10, 10, 5, 5, 5, 5, 0, 0, 0, 0]


@pytest.fixture
def areas() -> pd.DataFrame:
    n = 20
    need = np.linspace(0.1, 0.5, n)
    need[[0, 17, 18, 19]] = [0.99, 0.95, 0.97, 0.96]  # top fifth of need: LSOAs 0, 17, 18, 19
    return pd.DataFrame({
        "lsoa_code": [f"E01{i:06d}" for i in range(n)],
        "lsoa_name": [f"Hand {i}" for i in range(n)],
        "lad_code": "E08000012", "lad_name": "Liverpool",
        "population": np.full(n, 1000),
        "imd_score": 100.0 - 5 * np.arange(n),
        "imd_rank": np.arange(1, n + 1),
        "imd_decile": np.arange(n) // 2 + 1,
        "employment_score": need,
        "barriers_score": need[::-1].copy(),
    })


@pytest.fixture
def users(areas) -> pd.DataFrame:
    return pd.DataFrame({"lsoa_code": np.repeat(areas["lsoa_code"].to_numpy(), USERS), "id": range(sum(USERS))})


def wilson(x: float, n: float) -> tuple[float, float]:
    z = Z95
    root = z * math.sqrt(z * z + 4 * x * (1 - x / n))
    return (2 * x + z * z - root) / (2 * (n + z * z)), (2 * x + z * z + root) / (2 * (n + z * z))


def _lcr_frame() -> pd.DataFrame:
    """IoD2019 for the 989 LCR LSOAs (real MHCLG data, ../shared/reference-data/iod2019/)."""
    from conftest import REFERENCE, need

    path = need(REFERENCE / "iod2019" / "iod2019_lsoa11_lcr.csv")
    raw = pd.read_csv(path, encoding="utf-8-sig")
    pick = {"LSOA code (2011)": "lsoa_code", "LSOA name (2011)": "lsoa_name",
            "Local Authority District code (2019)": "lad_code", "Local Authority District name (2019)": "lad_name",
            "Index of Multiple Deprivation (IMD) Score": "imd_score",
            "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)": "imd_rank",
            "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)": "imd_decile",
            "Employment Rank (where 1 is most deprived)": "employment_rank",
            "Total population: mid 2015 (excluding prisoners)": "population"}
    f = raw[list(pick)].rename(columns=pick)
    f["employment_score"] = -f["employment_rank"]  # File 5 scores are not in the reference data; rank order works
    return f
