"""Group-time average treatment effects and their aggregations (Callaway and Sant'Anna 2021).

Callaway, B. and Sant'Anna, P. H. C. (2021), "Difference-in-differences with multiple time
periods", Journal of Econometrics 225(2), 200-230: equations (2.3)-(2.4) for ``ATT(g, t)``
without covariates, section 3 for the aggregations. The conventions follow the reference R
package ``did`` (``att_gt`` with ``base_period = "varying"`` and ``aggte``), so the estimates and
analytic standard errors agree with it to machine precision:

* ``ATT(g, t)`` is the change in the mean outcome of cohort ``g`` from the base period to ``t``
  minus the same change in the comparison units. After the start (``t >= g``) the base is the
  last period before ``g``; before it, the period just before ``t`` (so the pre-period effects
  are period-on-period placebo effects).
* Comparison units: never treated, or never treated plus those first treated after ``t``
  (``not_yet``), excluding cohort ``g`` itself.
* Each estimate carries its influence function (one value per unit); the aggregations combine
  them, adding the effect of estimating the cohort-size weights (R's ``wif``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Aggregate", "GroupTime", "aggregate", "group_time"]


@dataclass(frozen=True, eq=False)
class GroupTime:
    """``ATT(g, t)`` cells and their influence functions (``inf`` is n_units x cells)."""

    cells: pd.DataFrame  # cohort, period, base_period, event_time, att, n_treated, n_control, observed
    inf: np.ndarray
    cohort_of_unit: np.ndarray  # 0 for never treated
    pg: np.ndarray  # share of all units in each cell's cohort


@dataclass(frozen=True, eq=False)
class Aggregate:
    """One aggregation: a table of effects (``key`` is cohort, period or event time) with their
    influence functions, and the overall effect with its influence function."""

    table: pd.DataFrame
    inf: np.ndarray  # n_units x rows
    overall: float
    overall_inf: np.ndarray


def group_time(Y: np.ndarray, cohorts: np.ndarray, periods: np.ndarray, control_group: str) -> GroupTime:
    """``ATT(g, t)`` for every cohort and every period but the first, from a balanced wide panel.

    ``Y`` is units x periods; ``cohorts`` the first treated period per unit (0 = never).
    Cohorts treated in the first period must have been removed by the caller.
    """
    n = Y.shape[0]
    rows, infs = [], []
    for g in np.unique(cohorts[cohorts > 0]):
        treated = cohorts == g
        last_pre = int(np.flatnonzero(periods < g)[-1])
        for t in range(1, len(periods)):
            post = periods[t] >= g
            base = last_pre if post else t - 1
            never = cohorts == 0
            control = never if control_group == "never" else never | ((cohorts > periods[t]) & ~treated)
            n_t, n_c = int(treated.sum()), int(control.sum())
            dy = Y[:, t] - Y[:, base]
            if n_c == 0:
                att, inf = np.nan, np.zeros(n)
            else:
                mt, mc = dy[treated].mean(), dy[control].mean()
                att = mt - mc
                inf = n * (treated * (dy - mt) / n_t - control * (dy - mc) / n_c)
            g_label = periods[periods == g][0]  # the cohort in the periods' own type
            rows.append({"cohort": g_label, "period": periods[t], "base_period": periods[base],
                         "event_time": periods[t] - g_label, "att": att,
                         "n_treated": n_t, "n_control": n_c, "observed": float(Y[treated, t].mean())})
            infs.append(inf)
    cells = pd.DataFrame(rows)
    pg = np.array([np.mean(cohorts == g) for g in cells["cohort"]])
    return GroupTime(cells, np.column_stack(infs), cohorts, pg)


def _wif(keep: np.ndarray, gt: GroupTime) -> np.ndarray:
    """Influence of estimating the cohort-share weights of the cells ``keep`` (R ``did::wif``)."""
    pg = gt.pg[keep]
    ind = np.column_stack([(gt.cohort_of_unit == g).astype(float) for g in gt.cells["cohort"].to_numpy()[keep]])
    if1 = (ind - pg) / pg.sum()
    if2 = np.outer((ind - pg).sum(axis=1), pg / pg.sum() ** 2)
    return if1 - if2


def _weighted(gt: GroupTime, keep: np.ndarray, with_wif: bool = True) -> tuple[float, np.ndarray]:
    """Cohort-size-weighted average of the cells ``keep`` and its influence function."""
    att = gt.cells["att"].to_numpy()[keep]
    w = gt.pg[keep] / gt.pg[keep].sum()
    inf = gt.inf[:, keep] @ w
    if with_wif:
        inf = inf + _wif(keep, gt) @ att
    return float(att @ w), inf


def _mean_of(table_att: np.ndarray, table_inf: np.ndarray, rows: np.ndarray) -> tuple[float, np.ndarray]:
    return float(table_att[rows].mean()), table_inf[:, rows].mean(axis=1)


def aggregate(gt: GroupTime, kind: str) -> Aggregate:
    """The ``simple``, ``group``, ``calendar`` or ``event`` aggregation (R ``aggte`` types
    ``simple``, ``group``, ``calendar``, ``dynamic``)."""
    c = gt.cells
    ok = c["att"].notna().to_numpy()
    post = (c["period"] >= c["cohort"]).to_numpy() & ok
    if kind == "simple":
        att, inf = _weighted(gt, np.flatnonzero(post))
        return Aggregate(pd.DataFrame({"att": [att]}), inf[:, None], att, inf)
    if kind == "event":
        keys = np.sort(c.loc[ok, "event_time"].unique())
        parts = [_weighted(gt, np.flatnonzero(ok & (c["event_time"] == e).to_numpy())) for e in keys]
        name = "event_time"
        overall_rows = np.flatnonzero(keys >= 0)
    elif kind == "group":
        keys = np.sort(c.loc[post, "cohort"].unique())
        parts = [_weighted(gt, np.flatnonzero(post & (c["cohort"] == g).to_numpy()), with_wif=False) for g in keys]
        name = "cohort"
        overall_rows = np.arange(len(keys))
    elif kind == "calendar":
        keys = np.sort(c.loc[post, "period"].unique())
        parts = [_weighted(gt, np.flatnonzero(post & (c["period"] == t).to_numpy())) for t in keys]
        name = "period"
        overall_rows = np.arange(len(keys))
    else:
        raise ValueError(kind)
    table = pd.DataFrame({name: keys, "att": [p[0] for p in parts]})
    inf = np.column_stack([p[1] for p in parts])
    if kind == "group":
        # the overall group effect weights cohorts by size, with the weights' influence
        sizes = np.array([np.mean(gt.cohort_of_unit == g) for g in keys])
        fake = GroupTime(pd.DataFrame({"cohort": keys, "att": table["att"]}), inf, gt.cohort_of_unit, sizes)
        overall, overall_inf = _weighted(fake, np.arange(len(keys)))
    else:
        overall, overall_inf = _mean_of(table["att"].to_numpy(), inf, overall_rows)
    return Aggregate(table, inf, overall, overall_inf)
