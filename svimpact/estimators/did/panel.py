"""The balanced panel behind staggered DiD: checks and the wide outcome matrix.

Every problem is an :class:`~svimpact.exceptions.InputDataError` naming the column and rows:
a cohort or cluster that changes within a unit, a unit observed twice in a period, a unit
missing a period (``dropna=True`` drops such units, counted), a cohort that is not one of the
periods. Units treated from the first period are dropped and counted (they have no before).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from svimpact.estimators.effects.data import check_columns, missing_mask, outcome_array, raise_on_missing
from svimpact.exceptions import InputDataError

__all__ = ["StaggeredPanel", "staggered_panel"]


@dataclass(frozen=True, eq=False)
class StaggeredPanel:
    """Units x periods outcomes, each unit's cohort (0 = never) and cluster, and what was dropped."""

    Y: np.ndarray
    periods: np.ndarray
    units: np.ndarray
    cohorts: np.ndarray
    clusters: np.ndarray
    binary: bool
    n_dropped: int = 0
    notes: list[str] = field(default_factory=list)


def _rows(mask: np.ndarray) -> list[int]:
    return (np.flatnonzero(mask) + 1).tolist()


def _constant_within(df: pd.DataFrame, unit: str, col: str, what: str) -> None:
    spread = df.groupby(unit, sort=False)[col].nunique(dropna=False)
    bad = spread[spread > 1].index
    if len(bad):
        raise InputDataError(f"changes within unit for {len(bad)} unit(s); it must hold {what}",
                             column=col, rows=_rows(df[unit].isin(bad).to_numpy()))


def _numeric(df: pd.DataFrame, col: str, what: str) -> pd.Series:
    s = pd.to_numeric(df[col], errors="coerce")
    bad = s.isna().to_numpy() & df[col].notna().to_numpy()
    if bad.any():
        raise InputDataError(f"must hold numbers ({what}) but has {int(bad.sum())} value(s) that are not",
                             column=col, rows=_rows(bad), hint="use numbered periods, e.g. years or months 1, 2, 3")
    return s


def staggered_panel(
    data: pd.DataFrame, *, outcome: str, unit: str, period: str, cohort: str, cluster: str | None, dropna: bool
) -> StaggeredPanel:
    """Check the long data and build the balanced wide panel."""
    cols = [c for c in (outcome, unit, period, cluster) if c]
    check_columns(data, [*cols, cohort])
    n_dropped, notes = 0, []
    if dropna:
        mask = missing_mask(data, cols)
        data, n_dropped = data.loc[~mask], int(mask.sum())
    else:
        raise_on_missing(data, cols)
    df = data.reset_index(drop=True).copy()
    df[period] = _numeric(df, period, "the period")
    df[cohort] = _numeric(df, cohort, "each unit's first treated period").fillna(0)
    if (df[cohort] < 0).any():
        raise InputDataError("has negative values; give the first treated period, or 0 for never treated",
                             column=cohort, rows=_rows((df[cohort] < 0).to_numpy()))
    _constant_within(df, unit, cohort, "the unit's first treated period in every row")
    if cluster:
        _constant_within(df, unit, cluster, "one cluster per unit")
    dup = df.duplicated([unit, period], keep=False).to_numpy()
    if dup.any():
        raise InputDataError(f"has units observed more than once in a period ({int(dup.sum())} rows)",
                             column=period, rows=_rows(dup), hint="keep one row per unit and period")
    periods = np.sort(df[period].unique())
    counts = df.groupby(unit, sort=False)[period].size()
    short = counts[counts < len(periods)].index
    if len(short):
        if not dropna:
            raise InputDataError(
                f"the panel is not balanced: {len(short)} unit(s) miss some of the {len(periods)} periods",
                column=unit, rows=_rows(df[unit].isin(short).to_numpy()),
                hint="pass dropna=True to drop those units (counted in the result)")
        keep = ~df[unit].isin(short)
        n_dropped += int((~keep).sum())
        notes.append(f"{len(short):,} units not observed in every period were dropped (dropna=True).")
        df = df.loc[keep]
    y, binary = outcome_array(df, outcome)
    df = df.assign(_y=y)
    wide = df.pivot(index=unit, columns=period, values="_y").loc[:, periods]
    first = df.groupby(unit, sort=False).first().loc[wide.index]
    g = first[cohort].to_numpy(dtype=float)
    odd = (g > 0) & (g <= periods[-1]) & ~np.isin(g, periods)
    if odd.any():
        bad_units = wide.index[odd]
        raise InputDataError(f"holds first treated periods that are not among the periods of '{period}', e.g. "
                             f"{g[odd][0]!r}", column=cohort, rows=_rows(df[unit].isin(bad_units).to_numpy()))
    late = g > periods[-1]
    if late.any():
        notes.append(f"{int(late.sum()):,} units first treated after the last period are counted as never treated.")
        g = np.where(late, 0.0, g)
    always = (g > 0) & (g <= periods[0])
    if always.any():
        n_dropped += int(always.sum()) * len(periods)
        notes.append(f"{int(always.sum()):,} units treated from the first period (no before) were dropped.")
    if not (g[~always] > 0).any():
        raise InputDataError("has no units first treated after the first period: nothing to estimate",
                             column=cohort, hint="give each participant's first treated period; 0 = never treated")
    clusters = first[cluster].to_numpy() if cluster else wide.index.to_numpy()
    keep = ~always
    return StaggeredPanel(wide.to_numpy()[keep], periods, wide.index.to_numpy()[keep], g[keep], clusters[keep],
                          binary, n_dropped, notes)
