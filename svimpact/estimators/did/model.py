"""Difference-in-differences: before/after data with a comparison group (Maryland SMS level 3).

``estimate_did`` handles panels (``unit`` given: unit fixed effects, by the within
transformation) and repeated cross-sections (``unit=None``: a treated-group dummy). With two
periods it is the classic 2x2; with more (``period`` given) it fits an event study, reports each
period's effect relative to the last pre-period, takes the ATT as the average of the post-period
effects (weighted by treated observations) and tests the pre-period effects jointly (the
pre-trend check, skipped with the reason when the clusters cannot carry it). Standard errors
(``se``): cluster-robust by ``cluster`` (else ``unit`` in a panel) with 30 clusters or more, the
restricted wild cluster bootstrap with fewer, HC1 with no clusters; ``"classical"`` on request;
``ssc`` picks the small-sample convention. With ``cohort`` (staggered start dates) the work
goes to :mod:`~svimpact.estimators.did.staggered`. A design that cannot give an honest interval
(one cluster, one treated cluster, a saturated model) is an
:class:`~svimpact.exceptions.EstimationError` saying why."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from svimpact.estimators.did.covariance import SSC_CONVENTIONS, fit_ols
from svimpact.estimators.did.inference import (
    FEW_CLUSTERS,
    _DidDesign,
    _SeSpec,
    att_interval,
    check_treated_clusters,
    choose_se,
)
from svimpact.estimators.did.results import _DidData, _result
from svimpact.estimators.effects.data import (
    binary_column,
    check_columns,
    covariate_matrix,
    missing_mask,
    outcome_array,
    raise_on_missing,
)
from svimpact.estimators.effects.results import DEFAULT_N_DRAWS, EffectEstimate
from svimpact.exceptions import InputDataError, ParamsError, PreTrendWarning

__all__ = ["FEW_CLUSTERS", "PreTrendWarning", "estimate_did"]


def estimate_did(
    data: pd.DataFrame,
    *,
    outcome: str,
    treated: str | None = None,
    post: str | None = None,
    unit: str | None = None,
    period: str | None = None,
    cohort: str | None = None,
    control_group: str = "never",
    twfe: bool = False,
    covariates: Sequence[str] | None = None,
    cluster: str | None = None,
    se: str | None = None,
    ssc: str = "stata",
    n_boot: int = 999,
    level: float = 0.95,
    n_draws: int = DEFAULT_N_DRAWS,
    dropna: bool = False,
    seed: int | None = 0,
) -> EffectEstimate:
    """Difference-in-differences estimate of the effect on participants.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per unit and period (panel) or per person observed (repeated cross-sections).
    outcome : str
        Outcome column (numeric or 0/1).
    treated : str
        0/1 column: 1 = in the participant group (in every period, before and after).
    post : str
        0/1 column: 1 = observed after the programme started.
    unit : str, optional
        Unit identifier for a panel (unit fixed effects). ``None`` for repeated cross-sections.
    period : str, optional
        Period column; with more than two periods an event study is fitted.
    cohort : str, optional
        Staggered adoption: the column holding each unit's first treated period (0 or empty for
        never treated). Needs ``unit`` and ``period`` (not ``treated``/``post``) and gives the
        Callaway and Sant'Anna (2021) group-time effects; see
        :func:`~svimpact.estimators.did.staggered.estimate_staggered`.
    control_group : {"never", "not_yet"}
        With ``cohort``: compare with never-treated units, or with those not yet treated.
    twfe : bool
        With ``cohort``: fit two-way fixed effects with one post indicator instead (warns when
        start dates are staggered and effects change).
    covariates : sequence of str, optional
        Controls. In a panel, covariates constant within unit are interacted with ``post``
        (they would otherwise be absorbed by the unit effects).
    cluster : str, optional
        Cluster column for the standard errors (default: ``unit`` in a panel).
    se : {"classical", "hc1", "cluster", "wild"}, optional
        Standard errors. Default: cluster-robust with 30 clusters or more, the restricted wild
        cluster bootstrap (Webb weights under 12 clusters) with fewer, HC1 with no clusters.
        With ``cohort``: ``"cluster"`` (influence functions summed by cluster, t(G - 1)),
        ``"wild"`` (multiplier bootstrap-t) or ``"jackknife"`` (leave one cluster out, CV3; the
        default under 30 clusters, where it keeps coverage and the other two do not).
    ssc : {"stata", "areg", "none"}
        Small-sample convention (see :mod:`~svimpact.estimators.did.covariance`): ``"stata"``
        matches ``regress``/``xtreg, fe``/``reghdfe``, ``"areg"`` counts absorbed unit effects,
        ``"none"`` gives HC0/CR0.
    n_boot, level, n_draws, dropna, seed
        Bootstrap replicates, interval level, draws length, drop rows with missing values
        (counted) instead of raising, random seed.

    Returns
    -------
    EffectEstimate
        With ``method="did"``, ``sms_level=3``, ``event_study`` and ``pretrend_p`` when there
        are more than two periods (a :class:`~svimpact.estimators.did.staggered.StaggeredDidEstimate`
        with ``cohort``).

    Raises
    ------
    EstimationError
        When the data cannot support the estimate or its interval: one cluster, one treated
        cluster, a saturated or rank-deficient model, an unbounded bootstrap interval.
    """
    covariates = list(covariates or [])
    _check_params(level, n_boot, ssc)
    if cohort is not None:
        from svimpact.estimators.did.staggered import estimate_staggered

        if treated is not None or post is not None:
            raise ParamsError("give either cohort= (staggered start dates) or treated= and post=, not both",
                              key="cohort")
        return estimate_staggered(
            data, outcome=outcome, unit=unit, period=period, cohort=cohort, control_group=control_group,
            twfe=twfe, covariates=covariates, cluster=cluster, se=se, ssc=ssc, n_boot=n_boot, level=level,
            n_draws=n_draws, dropna=dropna, seed=seed)
    if treated is None or post is None:
        raise ParamsError("needs treated= and post= columns (or cohort= for staggered start dates)",
                          key="treated" if treated is None else "post")
    cols = [c for c in (outcome, treated, post, unit, period, cluster) if c] + covariates
    check_columns(data, cols)
    df, n_dropped = _clean(data, cols, dropna)
    y, binary = outcome_array(df, outcome)
    g = binary_column(df, treated, "participant group")
    p = binary_column(df, post, "after the programme started")
    if unit is not None:
        _check_constant_within(df, unit, g, treated)
    per = df[period].to_numpy() if period else p
    design = _design(df, g, p, per, unit, covariates, bool(period))
    units = df[unit].to_numpy() if unit else None
    yy = _within(y, units) if units is not None else y
    clusters = df[cluster].to_numpy() if cluster else units
    kind = choose_se(se, clusters)
    check_treated_clusters(g, clusters, kind)
    n_units = len(np.unique(units)) if units is not None else 0
    fit = fit_ols(yy, design.X, design.names, absorbed=n_units)
    spec_se = _SeSpec(kind, ssc, clusters, _nested(units, clusters), n_boot, level)
    rng = np.random.default_rng(seed)
    inference = att_interval(fit, design.contrast, spec_se, n_draws, rng)
    spec = {"outcome": outcome, "treated": treated, "unit": unit,
            "covariates": tuple(covariates), "n_dropped": n_dropped,
            "params": {"seed": seed, "cluster": cluster or unit, "n_boot": n_boot, "se": kind, "ssc": ssc,
                       "level": level, "period": period}}
    return _result(_DidData(df, y, g, p, binary), design, fit, inference, spec, rng)


def _check_params(level: float, n_boot: int, ssc: str) -> None:
    if isinstance(level, bool) or not 0 < level < 1:
        raise ParamsError("level must lie strictly between 0 and 1, e.g. 0.95", key="level")
    if n_boot < 99:
        raise ParamsError("n_boot must be at least 99 for the wild bootstrap", key="n_boot")
    if ssc not in SSC_CONVENTIONS:
        raise ParamsError(f"unknown small-sample convention {ssc!r}; choose one of {', '.join(SSC_CONVENTIONS)}",
                          key="ssc")


def _nested(units: np.ndarray | None, clusters: np.ndarray | None) -> bool:
    """Whether every unit sits in one cluster (then unit effects do not count in CR1's K)."""
    if units is None or clusters is None:
        return True
    return bool(pd.DataFrame({"u": units, "c": clusters}).groupby("u")["c"].nunique().max() <= 1)


def _clean(data: pd.DataFrame, cols: list[str], dropna: bool) -> tuple[pd.DataFrame, int]:
    if dropna:
        mask = missing_mask(data, cols)
        return data.loc[~mask].reset_index(drop=True), int(mask.sum())
    raise_on_missing(data, cols)
    return data.reset_index(drop=True), 0


def _check_constant_within(df: pd.DataFrame, unit: str, g: np.ndarray, treated: str) -> None:
    spread = pd.Series(g).groupby(df[unit].to_numpy()).nunique()
    bad = spread[spread > 1].index
    if len(bad):
        rows = np.flatnonzero(df[unit].isin(bad).to_numpy()) + 1
        raise InputDataError(
            f"changes within unit for {len(bad)} unit(s); it must mark the "
            "participant group in every period, before and after",
            column=treated, rows=rows.tolist(),
            hint="use the 'post' column for timing and keep 'treated' fixed per unit",
        )


def _within(v: np.ndarray, units: np.ndarray) -> np.ndarray:
    """Subtract unit means (the within transformation)."""
    _, idx = np.unique(units, return_inverse=True)
    if v.ndim == 1:
        return v - (np.bincount(idx, weights=v) / np.bincount(idx))[idx]
    return np.column_stack([_within(v[:, j], units) for j in range(v.shape[1])])


def _design(
    df: pd.DataFrame, g: np.ndarray, p: np.ndarray, per: np.ndarray,
    unit: str | None, covariates: list[str], event: bool,
) -> _DidDesign:
    """Regressors, their names, the ATT contrast, and event-study bookkeeping."""
    periods = sorted(pd.unique(per))
    pre_periods = sorted(pd.unique(per[p == 0]))
    post_periods = sorted(pd.unique(per[p == 1]))
    if not pre_periods or not post_periods:
        raise InputDataError("needs observations both before (0) and after (1) the programme",
                             column="post")
    if set(pre_periods) & set(post_periods):
        raise InputDataError(
            "the same period is marked both before and after the start",
            column="post", hint="for staggered start dates give cohort= (each unit's first treated "
            "period) instead of treated= and post=")
    if len(np.unique(g)) < 2:
        raise InputDataError("needs both participants (1) and a comparison group (0)",
                             column="treated")
    cols: list[np.ndarray] = []
    names: list[str] = []
    if unit is None:
        cols += [np.ones(len(g)), g]
        names += ["const", "treated"]
    for q in periods[1:]:
        cols.append((per == q).astype(float))
        names.append(f"period[{q}]")
    es_periods = [q for q in periods if q != pre_periods[-1]] if event else []
    if event and len(periods) > 2:
        inter = [(per == q) * g for q in es_periods]
        names += [f"treated x period[{q}]" for q in es_periods]
    else:
        es_periods = []
        inter = [g * p]
        names.append("treated x post")
    cols += inter
    Z, znames = covariate_matrix(df, covariates)
    if Z.shape[1]:
        Z, znames = _panel_covariates(Z, znames, df[unit].to_numpy(), p) if unit else (Z, znames)
        cols += list(Z.T)
        names += znames
    X = np.column_stack(cols)
    if unit is not None:
        X = _within(X, df[unit].to_numpy())
    first = len(names) - len(znames) - len(inter)
    contrast = np.zeros(X.shape[1])
    if es_periods:
        pre_idx = [first + i for i, q in enumerate(es_periods) if q in pre_periods]
        post_idx = [first + i for i, q in enumerate(es_periods) if q in post_periods]
        nt = np.array([((per == es_periods[i - first]) & (g == 1)).sum() for i in post_idx])
        contrast[post_idx] = nt / nt.sum()
    else:
        pre_idx, post_idx = [], [first]
        contrast[first] = 1.0
    return _DidDesign(X, names, contrast, pre_idx, post_idx, es_periods)


def _panel_covariates(
    Z: np.ndarray, names: list[str], units: np.ndarray, p: np.ndarray
) -> tuple[np.ndarray, list[str]]:
    """Time-invariant covariates enter as covariate x post (else absorbed by unit effects)."""
    wz = _within(Z, units)
    out, out_names = [], []
    for j, name in enumerate(names):
        if np.abs(wz[:, j]).max() <= 1e-10 * max(float(np.abs(Z[:, j]).max()), 1e-300):  # scale-free
            out.append(Z[:, j] * p)
            out_names.append(f"{name} x post")
        else:
            out.append(Z[:, j])
            out_names.append(name)
    return np.column_stack(out), out_names
