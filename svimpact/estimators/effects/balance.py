"""Covariate balance: standardised mean differences and the effective sample size."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from svimpact.exceptions import BalanceWarning

__all__ = ["BALANCE_THRESHOLD", "BalanceWarning", "balance_frame", "balance_messages", "kish_ess"]

#: Austin (2009, Stat Med 28:3083): |standardised difference| above 0.1 signals imbalance.
BALANCE_THRESHOLD = 0.1


def kish_ess(w: np.ndarray) -> float:
    """Kish's effective sample size ``(sum w)^2 / sum w^2``."""
    w = np.asarray(w, dtype=float)
    s2 = float((w**2).sum())
    return float(w.sum() ** 2 / s2) if s2 > 0 else 0.0


def _wmean_var(Z: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    w = w / w.sum()
    m = w @ Z
    v = w @ (Z - m) ** 2
    return m, v


def balance_frame(
    Z: np.ndarray,
    t: np.ndarray,
    names: Sequence[str],
    weights_after: np.ndarray | None,
) -> pd.DataFrame:
    """Standardised mean differences per covariate before and after weighting or matching.

    The denominator is the pooled unweighted SD, ``sqrt((s2_t + s2_c) / 2)``, for both columns
    (Austin 2009), so a change in the number reflects a change in means only. ``weights_after``
    are weights for every row (participants and comparison); ``None`` leaves "after" empty.
    """
    treated, control = t == 1, t == 0
    mt, vt = _wmean_var(Z[treated], np.ones(treated.sum()))
    mc, vc = _wmean_var(Z[control], np.ones(control.sum()))
    sd = np.sqrt((vt + vc) / 2)
    sd = np.where(sd > 0, sd, np.nan)
    before = (mt - mc) / sd
    if weights_after is None:
        after = np.full(len(names), np.nan)
        mca = np.full(len(names), np.nan)
        mta = np.full(len(names), np.nan)
    else:
        mta, _ = _wmean_var(Z[treated], weights_after[treated])
        mca, _ = _wmean_var(Z[control], weights_after[control])
        after = (mta - mca) / sd
    return pd.DataFrame(
        {
            "covariate": list(names),
            "mean_treated": mt,
            "mean_comparison": mc,
            "smd_before": before,
            "mean_treated_after": mta,
            "mean_comparison_after": mca,
            "smd_after": after,
        }
    )


def balance_messages(balance: pd.DataFrame, adjusted: bool) -> list[str]:
    """Plain-English warnings for covariates whose |SMD| exceeds 0.1."""
    col = "smd_after" if adjusted else "smd_before"
    bad = balance.loc[balance[col].abs() > BALANCE_THRESHOLD]
    if bad.empty:
        return []
    listed = ", ".join(
        f"{r.covariate} ({_signed(getattr(r, col))})" for r in bad.head(6).itertuples(index=False)
    )
    more = f" and {len(bad) - 6} more" if len(bad) > 6 else ""
    when = "after adjustment" if adjusted else "(no adjustment was made)"
    return [
        f"Balance check failed: {len(bad)} covariate(s) differ between participants and the "
        f"comparison group by more than 0.1 standard deviations {when}: {listed}{more}. "
        "The estimate may still be biased by these differences; consider adding interactions "
        "or a better-matched comparison group."
    ]


def _signed(x: float) -> str:
    from svimpact.present import number

    return number(x, digits=2, plus=True)  # true minus sign in published warnings
