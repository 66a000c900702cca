"""Staggered adoption: ``estimate_did(..., cohort=...)`` (Callaway and Sant'Anna 2021).

Each unit's ``cohort`` is its first treated period (0 or empty: never treated). The result is a
:class:`StaggeredDidEstimate`: ``att`` is the simple aggregation (the average effect over all
treated unit-periods, cohorts weighted by size), ``group_time`` holds every ``ATT(g, t)``,
``event_time``, ``by_group`` and ``calendar`` the other aggregations, ``aggregations`` the four
overall effects as intervals. Units treated in the first period have no before and are dropped
(counted in ``n_dropped``); cohorts after the last period count as never treated (as the R
``did`` package does). With ``twfe=True`` the headline is the two-way fixed effects regression
on one post indicator instead (see :mod:`~svimpact.estimators.did.twfe`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from svimpact._results import Interval, fmt_number
from svimpact.estimators.did.grouptime import GroupTime, aggregate, group_time
from svimpact.estimators.did.ifinference import IfInference, cluster_sums, if_inference
from svimpact.estimators.did.inference import _t_draws, check_treated_clusters, choose_se
from svimpact.estimators.did.jackknife import estimate_vector, jackknife_inference
from svimpact.estimators.did.panel import staggered_panel
from svimpact.estimators.did.results import headline
from svimpact.estimators.effects.balance import balance_frame
from svimpact.estimators.effects.results import EffectEstimate
from svimpact.exceptions import FewClustersWarning, InputDataError, ParamsError, PreTrendWarning

__all__ = ["CONTROL_GROUPS", "StaggeredDidEstimate", "estimate_staggered"]

#: Comparison groups for the group-time effects.
CONTROL_GROUPS = ("never", "not_yet")
_KINDS = {"simple": None, "group": "cohort", "calendar": "period", "event": "event_time"}


@dataclass(frozen=True, eq=False)
class StaggeredDidEstimate(EffectEstimate):
    """A DiD estimate under staggered adoption: the simple aggregation as ``att``, with tables.

    Attributes (beyond :class:`~svimpact.estimators.effects.results.EffectEstimate`)
    ----------------------------------------------------------------------------------
    group_time : pandas.DataFrame
        ``ATT(g, t)``: cohort, period, base_period, event_time, phase, att, se, lower, upper,
        n_treated, n_control.
    event_time, by_group, calendar : pandas.DataFrame
        The dynamic (event-time), cohort and calendar-period aggregations.
    aggregations : dict of str to Interval
        Overall ``simple``, ``group``, ``calendar`` and ``event`` (average of event times >= 0).
    control_group : str
        ``"never"`` or ``"not_yet"``.
    """

    group_time: pd.DataFrame | None = None
    event_time: pd.DataFrame | None = None
    by_group: pd.DataFrame | None = None
    calendar: pd.DataFrame | None = None
    aggregations: dict[str, Interval] = field(default_factory=dict)
    control_group: str = "never"

    _title = "Effect on participants (staggered difference-in-differences)"

    def _notes(self) -> list[str]:
        aggs = "; ".join(f"{k} {fmt_number(v.value, 4)} [{fmt_number(v.lower, 4)}, {fmt_number(v.upper, 4)}]"
                         for k, v in self.aggregations.items())
        return [*super()._notes(), f"Aggregations of the group-time effects ({self.control_group} treated "
                                   f"comparison units): {aggs}."]


def estimate_staggered(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str | None,
    period: str | None,
    cohort: str,
    control_group: str = "never",
    twfe: bool = False,
    covariates: Sequence[str] = (),
    cluster: str | None = None,
    se: str | None = None,
    ssc: str = "stata",
    n_boot: int = 999,
    level: float = 0.95,
    n_draws: int = 2000,
    dropna: bool = False,
    seed: int | None = 0,
) -> StaggeredDidEstimate:
    """Group-time effects and their aggregations; see :func:`~svimpact.estimators.did.estimate_did`."""
    if unit is None or period is None:
        raise ParamsError("staggered adoption (cohort=) needs a panel: give unit= and period=",
                          key="unit" if unit is None else "period")
    if control_group not in CONTROL_GROUPS:
        raise ParamsError(f"unknown control_group {control_group!r}; choose one of {', '.join(CONTROL_GROUPS)}",
                          key="control_group")
    if covariates:
        raise ParamsError("covariates are not supported with cohort= yet (the group-time effects are "
                          "unconditional); leave covariates out or use one start cohort at a time", key="covariates")
    panel = staggered_panel(data, outcome=outcome, unit=unit, period=period, cohort=cohort,
                            cluster=cluster, dropna=dropna)
    if control_group == "never" and not (panel.cohorts == 0).any():
        raise InputDataError("has no never-treated units to compare with", column=cohort,
                             hint="use control_group='not_yet' to compare with units not yet treated")
    kind = "jackknife" if se == "jackknife" else choose_se(
        se, panel.clusters, stacklevel=4, few="a cluster jackknife (CV3) with t(G - 1)")
    if se is None and kind == "wild":
        kind = "jackknife"
    rng = np.random.default_rng(seed)
    gt = group_time(panel.Y, panel.cohorts, panel.periods, control_group)
    aggs = {k: aggregate(gt, k) for k in _KINDS}
    if kind in ("classical", "hc1") and not twfe:
        raise ParamsError(f"se={kind!r} does not apply to the group-time effects (their standard errors come from "
                          "influence functions); choose se='cluster' or se='wild'", key="se")
    check_treated_clusters((panel.cohorts > 0).astype(float), panel.clusters, kind)
    codes = np.unique(panel.clusters, return_inverse=True)[1]
    blocks = [gt.inf] + [a.inf for a in aggs.values()] + [np.column_stack([a.overall_inf for a in aggs.values()])]
    inf_all = np.column_stack(blocks)
    if kind == "jackknife":
        ifi = jackknife_inference(estimate_vector(gt, aggs), panel.Y, panel.cohorts, panel.clusters, panel.periods,
                                  control_group, level=level)
    else:
        ifi = if_inference(inf_all, codes, kind="wild" if kind == "wild" else "cluster", ssc=ssc, level=level,
                           n_boot=n_boot, rng=rng)
    tables, overall = _tables(gt, aggs, ifi, level)
    pval, notes = _pretrend(gt, inf_all[:, : gt.inf.shape[1]], codes, ifi, ssc)
    notes += _lone_cohorts(panel.cohorts, panel.clusters) if cluster else []
    params = {"seed": seed, "cluster": cluster or unit, "n_boot": n_boot, "se": kind, "ssc": ssc, "level": level,
              "period": period, "cohort": cohort, "control_group": control_group,
              "estimator": "twfe" if twfe else "callaway-santanna"}
    simple = overall["simple"]
    post = gt.cells["period"].to_numpy() >= gt.cells["cohort"].to_numpy()
    w = np.where(post & gt.cells["att"].notna().to_numpy(), gt.pg, 0.0)
    observed = float(gt.cells["observed"].to_numpy() @ (w / w.sum()))
    q = float(ifi.q[-4])
    draws = _t_draws(simple.value, simple.lower, simple.upper, q, ifi.df, n_draws, rng)
    se_value, se_method = float(ifi.se[-4]), f"{ifi.label}; simple aggregation of the group-time effects"
    att, method = simple, "did"
    if twfe:
        from svimpact.estimators.did.twfe import twfe_estimate

        tw = twfe_estimate(panel, kind=kind, ssc=ssc, level=level, n_boot=n_boot, n_draws=n_draws, rng=rng,
                           gt=gt, simple=simple, pooled_inf=inf_all[:, : gt.inf.shape[1]], codes=codes)
        att, draws, se_value, se_method, observed = tw.att, tw.draws, tw.se, tw.se_method, tw.observed
        notes += tw.notes
        method = "did (two-way fixed effects)"
    h = headline(att, draws, observed, panel.Y.ravel(), panel.binary)
    n_c = int((panel.cohorts == 0).sum()) if control_group == "never" else int(
        ((panel.cohorts == 0) | (panel.cohorts > panel.cohorts[panel.cohorts > 0].min())).sum())
    return StaggeredDidEstimate(
        method=method, outcome=outcome, treatment=cohort, covariates=(), att=h.att, observed=Interval.exact(observed),
        counterfactual=h.counterfactual, deadweight=h.deadweight, se=se_value, se_method=se_method,
        n_treated=int((panel.cohorts > 0).sum()), n_comparison=n_c, effective_n_comparison=float(n_c),
        balance=balance_frame(np.empty((len(panel.cohorts), 0)), (panel.cohorts > 0).astype(float), [], None),
        overlap=None, sms_level=3, draws=h.draws, outcome_type="binary" if panel.binary else "continuous",
        n_dropped=panel.n_dropped, warnings=tuple(panel.notes + notes), event_study=tables["event"],
        pretrend_p=pval, params=params, group_time=tables["group_time"], event_time=tables["event"],
        by_group=tables["group"], calendar=tables["calendar"], aggregations=overall, control_group=control_group,
    )


def _lone_cohorts(cohorts: np.ndarray, clusters: np.ndarray) -> list[str]:
    """A warning when a start cohort lies in one cluster: its effects' SEs miss that cluster's shocks."""
    spread = pd.Series(clusters).groupby(cohorts).nunique()
    lone = [g for g, k in spread.items() if g > 0 and k < 2]
    if not lone:
        return []
    note = (f"{len(lone)} start cohort(s) lie in a single cluster: their group-time standard errors cannot see that "
            "cluster's own shocks and may be too small; read their intervals with care.")
    warnings.warn(note, FewClustersWarning, stacklevel=4)
    return [note]


def _tables(
    gt: GroupTime, aggs: dict[str, Any], ifi: IfInference, level: float
) -> tuple[dict[str, pd.DataFrame], dict[str, Interval]]:
    """The group-time and aggregation tables with SEs and intervals, and the overall intervals."""
    start = 0

    def add(frame: pd.DataFrame) -> pd.DataFrame:
        nonlocal start
        m = len(frame)
        sl = slice(start, start + m)
        start += m
        out = frame.copy()
        out["se"] = ifi.se[sl]
        out["lower"] = out["att"] - ifi.halfwidth[sl]
        out["upper"] = out["att"] + ifi.halfwidth[sl]
        return out

    cells = gt.cells.copy()
    cells.insert(4, "phase", np.where(cells["period"] >= cells["cohort"], "post", "pre"))
    tables = {"group_time": add(cells.drop(columns="observed"))}
    for k in _KINDS:
        tables[k] = add(aggs[k].table)
    tables["event"].insert(1, "phase", np.where(tables["event"]["event_time"] >= 0, "post", "pre"))
    overall: dict[str, Interval] = {}
    for i, k in enumerate(_KINDS):
        j = start + i
        v = aggs[k].overall
        overall[k] = Interval(v, v - ifi.halfwidth[j], v + ifi.halfwidth[j], level,
                              "jackknife t" if ifi.replicates is not None else
                              "wild bootstrap-t" if "wild" in ifi.label else "t")
    return tables, overall


def _pretrend(
    gt: GroupTime, inf: np.ndarray, codes: np.ndarray, ifi: IfInference, ssc: str
) -> tuple[float | None, list[str]]:
    """Joint F test that every pre-period ``ATT(g, t)`` is 0 (as R ``did``'s Wald pre-test)."""
    pre = np.flatnonzero((gt.cells["period"] < gt.cells["cohort"]).to_numpy() & gt.cells["att"].notna().to_numpy())
    if not len(pre):
        return None, ["Pre-trend test not possible: no cohort has two periods before its start."]
    n, G = inf.shape[0], ifi.n_clusters
    if ifi.replicates is not None:
        V = ifi.jackknife_cov(pre)
    else:
        S = cluster_sums(inf[:, pre], codes, G)
        V = (1.0 if ssc == "none" else G / (G - 1)) * (S.T @ S) / n**2
    b = gt.cells["att"].to_numpy()[pre]
    q = len(pre)
    rank = np.linalg.matrix_rank(V, tol=1e-10 * max(float(np.abs(V).max()), 1e-300))
    if rank < q:
        return None, [f"Pre-trend test skipped: the {q} pre-period effects cannot be tested jointly with {G} "
                      f"clusters (covariance rank {rank}). Read the event-time table instead."]
    pval = float(stats.f.sf(float(b @ np.linalg.solve(V, b)) / q, q, G - 1))
    notes: list[str] = []
    if pval < 0.05:
        notes.append(f"Pre-trend check failed (p = {pval:.3f}): before their start, the cohorts' outcomes were already "
                     "moving differently from the comparison units'. Parallel trends is doubtful; see event_time.")
        warnings.warn(notes[-1], PreTrendWarning, stacklevel=4)
    return pval, notes

