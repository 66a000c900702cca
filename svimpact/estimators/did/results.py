"""The DiD result: counterfactual, deadweight, balance, event study and the pre-trend check.

A DiD estimate is an :class:`~svimpact.estimators.effects.results.EffectEstimate` with
``method="did"`` and ``sms_level=3``; this module assembles it around the fitted regression.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from svimpact._results import Interval
from svimpact.estimators.did.covariance import OlsFit
from svimpact.estimators.did.inference import _DidDesign, _Inference, coef_table, wald_pretrend
from svimpact.estimators.effects.balance import balance_frame
from svimpact.estimators.effects.data import covariate_matrix
from svimpact.estimators.effects.results import EffectDraws, EffectEstimate
from svimpact.exceptions import PreTrendWarning

__all__: list[str] = []


@dataclass(frozen=True, eq=False)
class _DidData:
    df: pd.DataFrame
    y: np.ndarray
    g: np.ndarray  # participant group
    p: np.ndarray  # after the start
    binary: bool


def _result(
    d: _DidData, design: _DidDesign, fit: OlsFit, inf: _Inference, spec: dict[str, Any], rng: np.random.Generator
) -> EffectEstimate:
    """Counterfactual, deadweight, balance, event study and pre-trend check around the fit."""
    tp = (d.g == 1) & (d.p == 1)
    observed = float(d.y[tp].mean())
    h = headline(inf.att, inf.draws, observed, d.y, d.binary)
    Z, znames = covariate_matrix(d.df, spec["covariates"])
    pre = d.p == 0
    balance = balance_frame(Z[pre], d.g[pre], znames, None)
    event, pval, notes = _event_study(fit, design, inf, rng)
    unit = spec["unit"]
    n_t = d.df.loc[tp, unit].nunique() if unit else int(tp.sum())
    n_c = d.df.loc[d.g == 0, unit].nunique() if unit else int(((d.g == 0) & (d.p == 1)).sum())
    return EffectEstimate(
        method="did", outcome=spec["outcome"], treatment=spec["treated"],
        covariates=spec["covariates"], att=h.att, observed=Interval.exact(observed),
        counterfactual=h.counterfactual, deadweight=h.deadweight, se=inf.se, se_method=inf.se_method,
        n_treated=int(n_t), n_comparison=int(n_c), effective_n_comparison=float(n_c),
        balance=balance, overlap=None, sms_level=3,
        draws=h.draws,
        outcome_type="binary" if d.binary else "continuous", n_dropped=spec["n_dropped"],
        warnings=tuple(notes), event_study=event, pretrend_p=pval, params=spec["params"],
    )


@dataclass(frozen=True, eq=False)
class _Headline:
    att: Interval
    counterfactual: Interval
    deadweight: Interval
    draws: EffectDraws


def headline(att: Interval, att_draws: np.ndarray, observed: float, y: np.ndarray, binary: bool) -> _Headline:
    """counterfactual = observed - ATT (kept within [0, 1] for a binary outcome) and the deadweight
    share counterfactual / observed (NaN when the outcome can be negative), with their draws."""
    lo, hi, val = observed - att.upper, observed - att.lower, observed - att.value
    cf_draws = observed - att_draws
    if binary:
        lo, hi, val = (min(max(v, 0.0), 1.0) for v in (lo, hi, val))
        cf_draws = np.clip(cf_draws, 0.0, 1.0)
        att = Interval(observed - val, observed - hi, observed - lo, att.level, att.method)
    cf = Interval(val, lo, hi, att.level, att.method)
    dw_ok = bool((y >= 0).all() and observed > 0)
    nan = float("nan")
    dw = cf.scale(1 / observed) if dw_ok else Interval(nan, nan, nan, att.level, "not defined")
    dw_draws = cf_draws / observed if dw_ok else np.full(len(cf_draws), np.nan)
    return _Headline(att, cf, dw, _draws(observed - cf_draws, cf_draws, dw_draws))


def _event_study(
    fit: OlsFit, design: _DidDesign, inf: _Inference, rng: np.random.Generator
) -> tuple[pd.DataFrame | None, float | None, list[str]]:
    """Event-study table, pre-trend p-value (or why it was skipped) and plain-English warnings."""
    if not design.es_periods:
        return None, None, []
    idx = sorted(design.pre_idx + design.post_idx)
    pre_set = {design.es_periods[i - idx[0]] for i in design.pre_idx}
    table = coef_table(fit, inf, idx, rng)
    table.insert(0, "phase", ["pre" if q in pre_set else "post" for q in design.es_periods])
    table.insert(0, "period", design.es_periods)
    pval, skipped = wald_pretrend(fit, inf.cov, design.pre_idx)
    notes: list[str] = [skipped] if skipped else []
    if pval is not None and pval < 0.05:
        notes.append(
            f"Pre-trend check failed (p = {pval:.3f}): before the programme, participants' "
            "outcomes were already moving differently from the comparison group's. The "
            "parallel-trends assumption behind DiD is doubtful; see the event-study table."
        )
        warnings.warn(notes[-1], PreTrendWarning, stacklevel=4)
    return table, pval, notes


def _draws(att: np.ndarray, cf: np.ndarray, dw: np.ndarray) -> EffectDraws:
    for arr in (att, cf, dw):
        arr.setflags(write=False)
    return EffectDraws(att, cf, dw)
