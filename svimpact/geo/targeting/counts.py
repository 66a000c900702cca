"""Counting users on the area frame: the shared first step of every targeting measure.

:func:`count_users` puts users on the LSOAs of the area frame and attaches local deciles
(:class:`AreaCounts`); the measures accept either raw users and areas or an ``AreaCounts``.
Also here: the scale/group helpers. Published tables are built in :mod:`.published`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeAlias

import numpy as np
import pandas as pd

from svimpact._common import describe_value
from svimpact.distributed._detect import is_dask_collection
from svimpact.exceptions import InputDataError, ParamsError
from svimpact.geo.inequality import phe_quantile

__all__ = ["NEED_BY_SERVICE", "PER", "AreaCounts", "Scale", "UsersLike", "count_users"]

NEED_BY_SERVICE: dict[str, str] = {
    "households-into-work": "employment_score",
    "housing-first": "barriers_score",
}
"""The IoD domain score that measures need for each service (``income_score`` is the usual
alternative for Housing First). Pass a service name or a column name as ``need``."""

Scale = Literal["national", "local"]
UsersLike: TypeAlias = pd.DataFrame | pd.Series
_REQUIRED = ("lsoa_code", "population", "imd_score", "imd_decile")
PER = 1000.0
_UNPROTECTED = "Counts in this table are unprotected: publish published_table(), which applies the disclosure rule."


def _label(g: int, groups: int) -> str:
    word = "decile" if groups == 10 else "quintile"
    return f"{word} {g}" + (" (most deprived)" if g == 1 else " (least deprived)" if g == groups else "")


# ----------------------------------------------------------------------------- counting
@dataclass(frozen=True)
class AreaCounts:
    """Users counted by LSOA on the area frame, with national and local deciles attached.

    ``frame`` has one row per LSOA of the area frame (input order) with columns of the frame
    plus ``users`` and ``local_decile``. ``unmatched`` counts users whose LSOA is missing or not
    in the frame (left out only when ``unmatched="drop"`` was asked for).
    """

    frame: pd.DataFrame
    n_users: int
    unmatched: int

    def group_of(self, scale: Scale, groups: int) -> np.ndarray:
        if scale not in ("national", "local"):
            raise ParamsError(f"unknown scale '{scale}'; choose national or local", key="scale")
        if groups not in (5, 10):
            raise ParamsError(f"groups must be 10 (deciles) or 5 (quintiles); got {groups}", key="groups")
        d = self.frame["imd_decile" if scale == "national" else "local_decile"].to_numpy(dtype=np.int64)
        return d if groups == 10 else (d + 1) // 2

    def by_group(self, scale: Scale, groups: int) -> pd.DataFrame:
        """LSOAs, population and users per group (every group present, 1 = most deprived)."""
        g = self.group_of(scale, groups) - 1
        f = self.frame
        return pd.DataFrame({
            "group": np.arange(1, groups + 1),
            "lsoas": np.bincount(g, minlength=groups),
            "population": np.bincount(g, f["population"].to_numpy(float), minlength=groups),
            "users": np.bincount(g, f["users"].to_numpy(float), minlength=groups).round().astype(np.int64),
        })


def _check_areas(areas: pd.DataFrame, need: str | None = None) -> None:
    if not isinstance(areas, pd.DataFrame):
        raise InputDataError("areas must be a DataFrame with one row per LSOA")
    missing = [c for c in (*_REQUIRED, *([need] if need else [])) if c not in areas.columns]
    if missing:
        raise InputDataError(f"area frame has no column(s) {missing}", hint=f"columns are {list(areas.columns)}")
    dup = areas["lsoa_code"].duplicated(keep=False).to_numpy()
    if dup.any():
        raise InputDataError("LSOA codes repeat in the area frame", column="lsoa_code",
                             rows=(np.flatnonzero(dup) + 1).tolist(), hint="give each LSOA one row")
    checks: list[tuple[str, Callable[[np.ndarray], np.ndarray]]] = [
        ("population", lambda v: v > 0), ("imd_score", np.isfinite),
        ("imd_decile", lambda v: np.isin(v, np.arange(1, 11))), *([(need, np.isfinite)] if need else [])]
    for col, ok in checks:
        v = pd.to_numeric(areas[col], errors="coerce").to_numpy(dtype=float)
        bad = ~(ok(v) & ~np.isnan(v))
        if bad.any():
            what = {"population": "must be a positive number", "imd_decile": "must be a whole number 1 to 10"}
            raise InputDataError(what.get(col, "must be a number and not missing"), column=col,
                                 rows=(np.flatnonzero(bad) + 1).tolist())


def count_users(users: UsersLike, areas: pd.DataFrame, *, lsoa: str = "lsoa_code",
                unmatched: Literal["error", "drop"] = "error", need: str | None = None) -> AreaCounts:
    """Count users per LSOA of ``areas`` and attach local deciles.

    ``users`` is a DataFrame with one row per user and an ``lsoa`` column, a Series of LSOA
    codes (one per user), or a numeric Series of counts indexed by LSOA code; a Dask DataFrame or
    Series of codes is counted partition by partition (:mod:`svimpact.distributed.targeting`). Users whose LSOA
    is missing or outside the area frame raise an error unless ``unmatched="drop"``, in which
    case they are left out and counted in :attr:`AreaCounts.unmatched`.
    """
    if unmatched not in ("error", "drop"):
        raise ParamsError(f"unmatched must be 'error' or 'drop'; got '{unmatched}'", key="unmatched")
    _check_areas(areas, need)
    if is_dask_collection(users):  # counted partition by partition (svimpact.distributed.targeting)
        from svimpact.distributed.targeting import dask_user_counts

        counts = dask_user_counts(users, lsoa)
    else:
        counts = _user_counts(users, lsoa)
    codes = pd.Index(areas["lsoa_code"].astype("str"))
    pos = codes.get_indexer(counts.index.astype("str"))
    outside = pos < 0
    n_out = int(counts.to_numpy()[outside].sum())
    if n_out and unmatched == "error":
        _raise_unmatched(users, lsoa, counts.index[outside])
    per_lsoa = np.bincount(pos[~outside], counts.to_numpy()[~outside], minlength=len(codes))
    frame = areas.reset_index(drop=True).copy()
    frame["users"] = per_lsoa.round().astype(np.int64)
    frame["local_decile"] = _local_deciles(frame)
    return AreaCounts(frame, int(frame["users"].sum()), n_out)


def _user_counts(users: UsersLike, lsoa: str) -> pd.Series:
    if isinstance(users, pd.DataFrame):
        if lsoa not in users.columns:
            raise InputDataError(f"users have no column '{lsoa}'", hint=f"columns are {list(users.columns)}; "
                                 "pass lsoa='<your column>'")
        return users[lsoa].value_counts(dropna=False)
    if isinstance(users, pd.Series):
        if pd.api.types.is_numeric_dtype(users.dtype):
            v = users.to_numpy(dtype=float)
            bad = np.isnan(v) | (v < 0) | (v != np.round(v))
            if bad.any():
                raise InputDataError("user counts must be whole numbers >= 0", rows=(np.flatnonzero(bad) + 1).tolist())
            return users.groupby(users.index.astype("str")).sum()
        return users.value_counts(dropna=False)
    raise InputDataError("users must be a DataFrame with an LSOA column, or a Series of codes or counts")


def _raise_unmatched(users: UsersLike, lsoa: str, codes: pd.Index) -> None:
    sample = ", ".join(describe_value(c) for c in codes[:5])
    rows: list[int] = []
    if is_dask_collection(users):
        from svimpact.distributed.targeting import dask_unmatched_rows

        rows = dask_unmatched_rows(users, lsoa, codes)
    elif isinstance(users, (pd.DataFrame, pd.Series)) and not (
            isinstance(users, pd.Series) and pd.api.types.is_numeric_dtype(users.dtype)):
        col = users[lsoa] if isinstance(users, pd.DataFrame) else users
        rows = (np.flatnonzero(col.isin(codes).to_numpy() | col.isna().to_numpy()) + 1).tolist()
    raise InputDataError(f"users live in LSOAs that are missing or not in the area frame (e.g. {sample})",
                         column=lsoa if getattr(users, "ndim", 1) == 2 else None,
                         rows=rows,
                         hint="check the LSOA vintage (2011 vs 2021 codes) or pass unmatched='drop' to leave "
                              "them out (they are counted in the result)")


def _local_deciles(frame: pd.DataFrame) -> np.ndarray:
    if len(frame) < 10:
        return np.zeros(len(frame), dtype=np.int64)  # too few LSOAs: local scale unavailable
    q = phe_quantile(pd.to_numeric(frame["imd_score"]).to_numpy(float), q=10, invert=True)
    return q.to_numpy(dtype=np.int64, na_value=0)


def _prepare(users: UsersLike | AreaCounts, areas: pd.DataFrame | None, lsoa: str,
             unmatched: Literal["error", "drop"],
             need: str | None = None) -> AreaCounts:
    if isinstance(users, AreaCounts):
        return users
    if areas is None:
        raise ParamsError("pass the area frame as areas=", key="areas")
    return count_users(users, areas, lsoa=lsoa, unmatched=unmatched, need=need)


def _need_local(counts: AreaCounts, scale: Scale) -> None:
    if scale == "local" and (counts.frame["local_decile"] == 0).any():
        raise InputDataError("local deciles need at least 10 LSOAs in the area frame",
                             hint="use scale='national'")


def _need_column(need: str) -> str:
    return NEED_BY_SERVICE.get(need, need)
