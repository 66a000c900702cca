"""The Dask path's result: an :class:`~svimpact.estimators.effects.results.EffectEstimate` from sums.

As :func:`svimpact.estimators.effects.model._assemble` does from row arrays: the same draws (same
seed, same generator), intervals and warnings (:mod:`svimpact.estimators.effects.finish`), the
balance table from pooled moments and weighted sums, the Kish effective size from ``sum e`` and
``sum e^2``, and the unadjusted Welch difference from the groups' pooled moments.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from svimpact._results import Interval
from svimpact.distributed.design import DaskDesign
from svimpact.distributed.mapreduce import Summary
from svimpact.estimators.effects.balance import BalanceWarning
from svimpact.estimators.effects.finish import effect_intervals, effect_messages
from svimpact.estimators.effects.fitters import Fit
from svimpact.estimators.effects.options import METHODS
from svimpact.estimators.effects.propensity import OverlapWarning
from svimpact.estimators.effects.results import EffectEstimate, make_draws

__all__ = ["assemble", "balance"]


def balance(spec: DaskDesign, extra: Summary) -> pd.DataFrame:
    """:func:`~svimpact.estimators.effects.balance.balance_frame` from pooled moments and weighted sums."""
    assert spec.treated is not None and spec.comparison is not None
    k = len(spec.all_names)
    mt, vt = spec.treated.mean[:k], spec.treated.var[:k]
    mc, vc = spec.comparison.mean[:k], spec.comparison.var[:k]
    sd = np.sqrt((vt + vc) / 2)
    sd = np.where(sd > 0, sd, np.nan)
    if extra["reweights"]:
        mta, mca = mt, extra["ez"] / extra["sum_e"]
        after = (mta - mca) / sd
    else:
        mta = mca = after = np.full(k, np.nan)
    return pd.DataFrame({"covariate": list(spec.all_names), "mean_treated": mt, "mean_comparison": mc,
                         "smd_before": (mt - mc) / sd, "mean_treated_after": mta, "mean_comparison_after": mca,
                         "smd_after": after})


def assemble(spec: DaskDesign, fit: Fit, extra: Summary, *, method: str, outcome: str, treatment: str,
              covariates: tuple[str, ...], level: float, n_draws: int, rng: np.random.Generator,
              params: dict[str, Any], extra_warnings: tuple[str, ...]) -> EffectEstimate:
    """As :func:`svimpact.estimators.effects.model._assemble`, from sums instead of row arrays."""
    assert spec.treated is not None and spec.comparison is not None
    dw_ok = bool(spec.y_min >= 0 and fit.observed > 0)
    draws = make_draws(fit.att, fit.se, fit.observed, binary=spec.binary, deadweight_ok=dw_ok, rng=rng,
                       n_draws=n_draws)
    att, cf, dw = effect_intervals(fit, spec.binary, dw_ok, level)
    table = balance(spec, extra)
    messages = effect_messages(method, table, fit)
    for msg in messages:
        warnings.warn(msg, BalanceWarning if msg.startswith("Balance") else OverlapWarning, stacklevel=4)
    n_c = spec.n - spec.n_treated
    if extra["reweights"]:
        n_comp = int(extra["n_pos"])
        ess = float(extra["sum_e"] ** 2 / extra["sum_e2"]) if extra["sum_e2"] > 0 else 0.0
    else:
        n_comp, ess = n_c, float(n_c)
    yt, yc = spec.treated, spec.comparison
    se_naive = float(np.sqrt(yt.C[-1, -1] / (yt.n - 1) / yt.n + yc.C[-1, -1] / (yc.n - 1) / yc.n))
    iv = Interval.normal(float(yt.mean[-1] - yc.mean[-1]), se_naive, level)
    naive = Interval(iv.value, iv.lower, iv.upper, level, "normal (Welch), unadjusted")
    return EffectEstimate(
        method=method, outcome=outcome, treatment=treatment, covariates=covariates, att=att,
        observed=Interval.exact(fit.observed), counterfactual=cf, deadweight=dw, se=fit.se, se_method=fit.se_method,
        n_treated=fit.n_treated, n_comparison=n_comp, effective_n_comparison=ess, balance=table,
        overlap=fit.overlap, sms_level=METHODS[method], draws=draws,
        outcome_type="binary" if spec.binary else "continuous", n_dropped=spec.n_dropped,
        warnings=(*extra_warnings, *messages), params={**params, "level": level}, naive=naive)
