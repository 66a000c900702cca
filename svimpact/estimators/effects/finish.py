"""The last step of every estimate, shared by the pandas and the Dask paths: intervals and warnings.

``estimate_effect`` (:mod:`.model`) and its Dask counterpart (:mod:`svimpact.distributed.effects`)
turn a :class:`~.fitters.Fit` into the headline intervals and the plain-English balance and overlap
warnings with these two functions, so both paths report the same numbers in the same words.
"""

from __future__ import annotations

import pandas as pd

from svimpact._results import Interval
from svimpact.estimators.effects.balance import balance_messages
from svimpact.estimators.effects.fitters import Fit

__all__ = ["effect_intervals", "effect_messages"]


def effect_intervals(
    fit: Fit, binary: bool, dw_ok: bool, level: float
) -> tuple[Interval, Interval, Interval]:
    """The ATT, counterfactual and deadweight intervals of one fit."""
    kind = "bootstrap normal" if fit.replicates is not None else "normal"
    att = Interval.normal(fit.att, fit.se, level)
    att = Interval(att.value, att.lower, att.upper, level, kind)
    lo, hi, val = fit.observed - att.upper, fit.observed - att.lower, fit.observed - att.value
    if binary:
        lo, hi, val = (min(max(v, 0.0), 1.0) for v in (lo, hi, val))
        att = Interval(att.value, fit.observed - hi, fit.observed - lo, level, kind)
    cf = Interval(val, lo, hi, level, kind)
    nan = float("nan")
    dw = cf.scale(1 / fit.observed) if dw_ok else Interval(nan, nan, nan, level, "not defined")
    return att, cf, dw


def effect_messages(method: str, balance: pd.DataFrame, fit: Fit) -> list[str]:
    """Balance and overlap warnings of one fit (empty when both are fine)."""
    out: list[str] = []
    if method in ("psm", "ipw", "aipw"):
        out += balance_messages(balance, adjusted=True)
    elif method == "difference" and len(balance):
        out += balance_messages(balance, adjusted=False)
    if fit.overlap is not None:
        out += fit.overlap.messages(fit.n_treated + fit.n_unmatched)
    return out
