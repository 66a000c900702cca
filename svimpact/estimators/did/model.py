"""Difference-in-differences: before/after data with a comparison group (Maryland SMS level 3).

``estimate_did`` handles panels (``unit`` given: unit fixed effects, by the within
transformation) and repeated cross-sections (``unit=None``: a treated-group dummy). With two
periods it is the classic 2x2; with more (``period`` given) it fits an event study, reports each
period's effect relative to the last pre-period, takes the ATT as the average of the post-period
effects (weighted by treated observations) and tests the pre-period effects jointly (the
pre-trend check). Standard errors are cluster-robust (by ``cluster``, else by ``unit`` in a
panel, else heteroskedasticity-robust HC1); with fewer than 30 clusters the interval comes from a
wild cluster bootstrap-t.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from svimpact.estimators.did.inference import FEW_CLUSTERS, _att_interval, _DidDesign
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
    treated: str,
    post: str,
    unit: str | None = None,
    period: str | None = None,
    covariates: Sequence[str] | None = None,
    cluster: str | None = None,
    wild_bootstrap: bool | None = None,
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
    covariates : sequence of str, optional
        Controls. In a panel, covariates constant within unit are interacted with ``post``
        (they would otherwise be absorbed by the unit effects).
    cluster : str, optional
        Cluster column for the standard errors (default: ``unit`` in a panel).
    wild_bootstrap : bool, optional
        Force (True) or forbid (False) the wild cluster bootstrap; default: used when there
        are fewer than 30 clusters.
    n_boot, level, n_draws, dropna, seed
        Bootstrap replicates, interval level, draws length, drop rows with missing values
        (counted) instead of raising, random seed.

    Returns
    -------
    EffectEstimate
        With ``method="did"``, ``sms_level=3``, ``event_study`` and ``pretrend_p`` when there
        are more than two periods.
    """
    covariates = list(covariates or [])
    if isinstance(level, bool) or not 0 < level < 1:
        raise ParamsError("level must lie strictly between 0 and 1, e.g. 0.95", key="level")
    if n_boot < 99:
        raise ParamsError("n_boot must be at least 99 for the wild bootstrap", key="n_boot")
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
    yy = _within(y, df[unit].to_numpy()) if unit else y
    clusters = df[cluster].to_numpy() if cluster else (df[unit].to_numpy() if unit else None)
    fit = _ols(yy, design.X, clusters)
    inference = _att_interval(fit, design, clusters, level, wild_bootstrap, n_boot, n_draws,
                              np.random.default_rng(seed))
    spec = {"outcome": outcome, "treated": treated, "unit": unit,
            "covariates": tuple(covariates), "n_dropped": n_dropped,
            "params": {"seed": seed, "cluster": cluster or unit, "n_boot": n_boot,
                       "level": level, "period": period}}
    return _result(_DidData(df, y, g, p, binary), design, fit, inference, spec)


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
            column="post", hint="staggered start dates are not supported: give every "
            "participant the same start, or analyse each start cohort separately")
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
        if np.allclose(wz[:, j], 0):
            out.append(Z[:, j] * p)
            out_names.append(f"{name} x post")
        else:
            out.append(Z[:, j])
            out_names.append(name)
    return np.column_stack(out), out_names


def _ols(y: np.ndarray, X: np.ndarray, clusters: np.ndarray | None) -> Any:
    """statsmodels OLS with cluster-robust (or HC1) covariance."""
    import statsmodels.api as sm

    model = sm.OLS(y, X)
    if clusters is None:
        return model.fit(cov_type="HC1")
    _, codes = np.unique(clusters, return_inverse=True)
    return model.fit(cov_type="cluster", cov_kwds={"groups": codes})
