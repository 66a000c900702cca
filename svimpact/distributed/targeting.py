"""Users per LSOA from a Dask DataFrame (or Series of LSOA codes): the targeting measures' one big step.

Every targeting measure (:mod:`svimpact.geo.targeting`) starts by counting users per LSOA of the
area frame (:func:`~svimpact.geo.targeting.counts.count_users`). With a Dask collection of users
the counting is a map-reduce - each partition's ``value_counts`` summed by code - so only one count
per LSOA (at most about 35,000 in England) reaches the client; everything after works on those
counts exactly as for a pandas frame, so the measures agree to the last digit. Row numbers for
users outside the frame are counted over the whole collection, partitions in order.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from svimpact.distributed.mapreduce import Summary, partition_reduce
from svimpact.exceptions import InputDataError

__all__ = ["dask_unmatched_rows", "dask_user_counts"]

_MISSING = "\0missing"


def _column(users: Any, lsoa: str) -> Any:
    if getattr(users, "ndim", 1) == 2:  # a DataFrame (a Dask Series answers to .columns too)
        if lsoa not in users.columns:
            raise InputDataError(f"users have no column '{lsoa}'", hint=f"columns are {list(users.columns)}; "
                                 "pass lsoa='<your column>'")
        return users[lsoa]
    return users


def _counts_pass(part: pd.Series, index: int) -> Summary:
    codes = part.astype(object).where(part.notna(), _MISSING)
    return {"ser_counts": codes.value_counts()}


def dask_user_counts(users: Any, lsoa: str = "lsoa_code") -> pd.Series:
    """Users per LSOA code (missing codes under ``NaN``), as ``users[lsoa].value_counts(dropna=False)``."""
    col = _column(users, lsoa)
    if pd.api.types.is_numeric_dtype(col.dtype):
        raise InputDataError("a Dask collection of users must hold LSOA codes (one row per user), not counts",
                             hint="pass counts per LSOA as a pandas Series")
    counts = partition_reduce(col, _counts_pass)["ser_counts"].astype(np.int64)
    counts.index = pd.Index([np.nan if c == _MISSING else c for c in counts.index], dtype=object)
    return counts.sort_values(ascending=False, kind="stable")


def _rows_pass(part: pd.Series, index: int, codes: frozenset[str]) -> Summary:
    bad = part.isna().to_numpy() | part.astype(str).isin(codes).to_numpy()
    return {"rows_bad": [(index, int(i)) for i in np.flatnonzero(bad)], "rows_n": [(index, len(part))]}


def dask_unmatched_rows(users: Any, lsoa: str, codes: pd.Index) -> list[int]:
    """1-based row numbers of users whose LSOA is missing or one of ``codes``."""
    found = partition_reduce(_column(users, lsoa), _rows_pass, frozenset(str(c) for c in codes if isinstance(c, str)))
    offsets, total = {}, 0
    for i, n in sorted(found["rows_n"]):
        offsets[i], total = total, total + n
    return sorted(offsets[i] + j + 1 for i, j in found["rows_bad"])
