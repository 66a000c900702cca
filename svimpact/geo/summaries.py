"""Area summaries of the IoD (MHCLG File 10 measures) and local deciles.

``area_summary`` computes MHCLG's local-authority summary measures from the canonical LSOA frame
(METHODS.md section 4; MHCLG, *English Indices of Deprivation 2019: Technical Report*, section
on summary measures, and File 10):

* ``average_score``: population-weighted mean of LSOA IMD scores;
* ``average_rank``: population-weighted mean of ``N + 1 - rank`` (N LSOAs nationally), so that a
  higher value means more deprived (averaging raw ranks would give the wrong order);
* ``proportion_most_deprived_10pct``: share of the area's LSOAs in national decile 1;
* and the rank of each among the areas (1 = most deprived).

``local_deciles`` re-deciles LSOAs within a chosen area (e.g. the six LCR boroughs), by LSOA
count or by population, so local and national deciles can be shown side by side.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from svimpact._results import ResultMixin, result_frame
from svimpact.exceptions import InputDataError
from svimpact.geo.editions import iod_info

__all__ = ["AreaSummary", "area_summary", "local_deciles"]

_SOURCE = ("MHCLG, English Indices of Deprivation 2019, File 10 (local authority district "
           "summaries) and Technical Report; METHODS.md section 4")

_METHODS = {
    "n_lsoas": "count of LSOAs",
    "population": "sum of LSOA populations",
    "average_score": "population-weighted mean of LSOA IMD scores",
    "rank_of_average_score": "rank among the areas (1 = most deprived)",
    "average_rank": "population-weighted mean of N + 1 - rank",
    "rank_of_average_rank": "rank among the areas (1 = most deprived)",
    "proportion_most_deprived_10pct": "share of the area's LSOAs in national decile 1",
    "rank_of_proportion_most_deprived_10pct": "rank among the areas (1 = most deprived)",
}


@dataclass(frozen=True)
class AreaSummary(ResultMixin):
    """MHCLG-style summary measures, one row per area.

    Attributes
    ----------
    table : DataFrame
        ``<by>``, its name column when known, ``n_lsoas``, ``population`` (when weighted), and the
        measures with their ranks (1 = most deprived among the areas in the table).
    by : str
        The area column summarised over.
    edition, lsoa_vintage : Any
        From the IMD frame.
    n_national : int or None
        The N used in ``average_rank``.
    weighted : bool
        False when the frame had no ``population`` column (then the population-weighted
        measures are absent).
    """

    table: pd.DataFrame
    by: str
    edition: Any
    lsoa_vintage: Any
    n_national: int | None
    weighted: bool
    source: str = _SOURCE
    _title: str = field(default="Area summary of the Index of Multiple Deprivation", repr=False)

    def to_frame(self) -> pd.DataFrame:
        """Each area's measures, one per row (``measure`` = "<measure>, <area>"), in the results contract.

        The wide table (one row per area) is the ``table`` attribute.
        """
        rows = []
        for _, r in self.table.iterrows():
            for col, method in _METHODS.items():
                if col in self.table.columns:
                    rows.append({"measure": f"{col}, {r[self.by]}", "value": np.nan if pd.isna(r[col]) else float(r[col]),
                                 "method": method,
                                 "source": self.source})
        return result_frame(rows)

    def _notes(self) -> list[str]:
        notes = [f"IoD{self.edition} on {self.lsoa_vintage} LSOAs; ranks: 1 = most deprived "
                 f"among the {len(self.table)} areas shown.", f"Method: {self.source}."]
        if not self.weighted:
            notes.append("No population column: average score and average rank (population-"
                         "weighted) were not computed.")
        return notes


def _need(df: pd.DataFrame, columns: Iterable[str], why: str) -> None:
    for c in columns:
        if c not in df.columns:
            raise InputDataError(f"column not found; {why} needs it", column=c,
                                 hint="read the IoD with svimpact.geo.read_iod (File 7 has all)")
        if df[c].isna().any():
            raise InputDataError(f"{int(df[c].isna().sum())} missing value(s); {why} needs "
                                 "every one", column=c,
                                 rows=list(np.flatnonzero(df[c].isna().to_numpy()) + 1))


def _rank_desc(values: pd.Series) -> pd.Series:
    """Rank with 1 = largest value (most deprived); ties share the lowest rank."""
    return values.rank(ascending=False, method="min").astype("Int64")


def _n_national(imd: pd.DataFrame, info: Any, n_national: int | None) -> int:
    n = n_national if n_national is not None else info.n_national
    if n is None:
        raise InputDataError(
            f"the number of LSOAs ranked nationally is unknown for edition {info.edition!r}",
            hint="pass n_national= (e.g. 33755), or tag the frame with "
            "svimpact.geo.tag_iod(df, edition=..., n_national=...)",
        )
    return int(n)


def area_summary(
    imd: pd.DataFrame,
    by: str = "lad_code",
    *,
    population: str = "population",
    n_national: int | None = None,
) -> AreaSummary:
    """MHCLG's File 10 summary measures of the IMD for each area.

    Parameters
    ----------
    imd : DataFrame
        Canonical frame from :func:`svimpact.geo.read_iod` (or tagged with
        :func:`svimpact.geo.tag_iod`), with ``imd_score``, ``imd_rank``, ``imd_decile``.
    by : str
        Area column to summarise over (``lad_code`` by default).
    population : str
        Weight column; IoD2019 uses the File 6 mid-2015 denominators excluding prisoners.
        Without it the population-weighted measures are left out, with a warning.
    n_national : int, optional
        LSOAs ranked nationally (the N in ``N + 1 - rank``); defaults to the edition's.

    Returns
    -------
    AreaSummary
        ``table`` gives ``average_score, rank_of_average_score, average_rank,
        rank_of_average_rank, proportion_most_deprived_10pct,
        rank_of_proportion_most_deprived_10pct`` per area; ``to_frame()`` the same numbers in the
        results contract.

    Examples
    --------
    >>> s = area_summary(read_iod("File_7.csv"), by="lad_code")
    >>> s.table.head()  # doctest: +SKIP
    """
    info = iod_info(imd)
    _need(imd, [by, "imd_decile"], "area_summary")
    weighted = population in imd.columns
    if not weighted:
        warnings.warn(
            f"no '{population}' column: average score and average rank (population-weighted) "
            "are left out; give the IoD population denominators (File 6 or 7) to get them",
            UserWarning, stacklevel=2,
        )
    groups = imd.groupby(by, sort=True)
    table = pd.DataFrame({"n_lsoas": groups.size()})
    name = by.replace("_code", "_name")
    if name != by and name in imd.columns:
        table.insert(0, name, groups[name].first())
    if weighted:
        _need(imd, [population, "imd_score", "imd_rank"], "the population-weighted measures")
        n = _n_national(imd, info, n_national)
        w = imd[population].astype(float)
        if (w < 0).any():
            raise InputDataError("negative populations", column=population,
                                 rows=list(np.flatnonzero((w < 0).to_numpy()) + 1))
        work = pd.DataFrame({by: imd[by], "w": w, "ws": w * imd["imd_score"].astype(float),
                             "wr": w * (n + 1 - imd["imd_rank"].astype(float))})
        sums = work.groupby(by, sort=True)[["w", "ws", "wr"]].sum()
        table["population"] = sums["w"]
        table["average_score"] = sums["ws"] / sums["w"].where(sums["w"] > 0)
        table["rank_of_average_score"] = _rank_desc(table["average_score"])
        table["average_rank"] = sums["wr"] / sums["w"].where(sums["w"] > 0)
        table["rank_of_average_rank"] = _rank_desc(table["average_rank"])
    most = (imd["imd_decile"] == 1).astype(float)
    table["proportion_most_deprived_10pct"] = most.groupby(imd[by], sort=True).mean()
    table["rank_of_proportion_most_deprived_10pct"] = _rank_desc(
        table["proportion_most_deprived_10pct"])
    return AreaSummary(table=table.reset_index(), by=by, edition=info.edition,
                       lsoa_vintage=info.lsoa_vintage,
                       n_national=n if weighted else info.n_national, weighted=weighted)


def _select(imd: pd.DataFrame, within: Iterable[str] | None, area_col: str) -> pd.DataFrame:
    if within is None:
        return imd
    _need(imd, [area_col], "local_deciles")
    wanted = list(dict.fromkeys(within))
    absent = [a for a in wanted if a not in set(imd[area_col])]
    if absent:
        raise InputDataError(f"area(s) {', '.join(absent)} not found", column=area_col,
                             hint="check the codes and the LAD vintage of the IMD frame")
    return imd[imd[area_col].isin(wanted)]


def _decile_of(order: pd.Series, weight: pd.Series, n: int) -> pd.Series:
    """Quantile group from a most-deprived-first order: by cumulative weight at each area's
    upper end, as MHCLG forms national deciles from ranks (decile = ceil(n * r / N))."""
    w = weight.loc[order.index].astype(float)
    total = w.sum()
    upper = w.cumsum() / total
    group = np.ceil(np.round(upper.to_numpy() * n, 9)).astype(int)
    return pd.Series(np.clip(group, 1, n), index=order.index)


def local_deciles(
    imd: pd.DataFrame,
    within: Iterable[str] | None = None,
    *,
    area_col: str = "lad_code",
    by: str = "count",
    group_by: str | None = None,
    rank_col: str = "imd_rank",
    population: str = "population",
    n_groups: int = 10,
) -> pd.DataFrame:
    """Re-decile LSOAs within an area: 1 = the area's most deprived tenth.

    Parameters
    ----------
    imd : DataFrame
        Canonical IoD frame.
    within : iterable of str, optional
        Codes in ``area_col`` making up the area (e.g. the six LCR borough codes). All rows when
        omitted. Rows outside the area are not in the result (say so when reporting).
    by : {"count", "population"}
        Equal numbers of LSOAs in each group, or equal shares of population. An LSOA is placed
        by the cumulative count or population at its own end, counting from the most deprived
        (``group = ceil(n_groups * cumulative share)``), which reproduces MHCLG's national
        deciles when applied to all of England by count.
    group_by : str, optional
        Re-decile separately within each value of this column (e.g. ``"lad_code"``).
    rank_col : str
        National rank used to order LSOAs (1 = most deprived).
    n_groups : int
        10 for deciles, 5 for quintiles.

    Returns
    -------
    DataFrame
        The selected rows with ``local_decile`` added (name kept for quintiles too), IoD record
        preserved in ``attrs``.
    """
    if by not in ("count", "population"):
        raise InputDataError(f"unknown by={by!r}", column="by", hint="use 'count' or 'population'")
    if not isinstance(n_groups, int) or n_groups < 2:
        raise InputDataError("n_groups must be a whole number of at least 2", column="n_groups")
    sub = _select(imd, within, area_col)
    _need(sub, [rank_col] + ([population] if by == "population" else []), "local_deciles")
    keys = [group_by] if group_by else []
    if group_by:
        _need(sub, [group_by], "local_deciles")
    ordered = sub.sort_values([*keys, rank_col], kind="stable")
    weight = ordered[population] if by == "population" else pd.Series(1.0, index=ordered.index)
    if by == "population" and (weight.astype(float) <= 0).any():
        bad = weight.astype(float) <= 0
        raise InputDataError("populations must be positive for population deciles",
                             column=population, rows=list(np.flatnonzero(bad.to_numpy()) + 1))
    if group_by:
        parts = [_decile_of(g[rank_col], weight.loc[g.index], n_groups)
                 for _, g in ordered.groupby(group_by, sort=False)]
        decile = pd.concat(parts)
    else:
        decile = _decile_of(ordered[rank_col], weight, n_groups)
    out = sub.copy()
    out["local_decile"] = decile.reindex(out.index).astype("Int64")
    out.attrs = dict(imd.attrs)
    return out
