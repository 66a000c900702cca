"""Inference for the DiD contrast: cluster-robust t, HC1 normal, or a wild cluster bootstrap-t."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from svimpact._results import Interval
from svimpact.estimators.did.wild import wild_cluster_t

__all__ = ["FEW_CLUSTERS"]

#: Fewer clusters than this and the wild cluster bootstrap is used (Cameron et al. 2008).
FEW_CLUSTERS = 30


@dataclass(frozen=True, eq=False)
class _DidDesign:
    """Regressors (within-transformed in a panel), names, the ATT contrast, event periods."""

    X: np.ndarray
    names: list[str]
    contrast: np.ndarray
    pre_idx: list[int]
    post_idx: list[int]
    es_periods: list[Any]


@dataclass(frozen=True, eq=False)
class _Inference:
    att: Interval
    se: float
    draws: np.ndarray
    se_method: str


def _att_interval(
    fit: Any, design: _DidDesign, clusters: np.ndarray | None, level: float,
    wild: bool | None, n_boot: int, n_draws: int, rng: np.random.Generator,
) -> _Inference:
    """Interval and draws for the ATT contrast: t(G-1), HC1 normal, or wild bootstrap-t."""
    from scipy import stats

    c = design.contrast
    est = float(c @ fit.params)
    se = float(np.sqrt(c @ fit.cov_params() @ c))
    n_cl = len(np.unique(clusters)) if clusters is not None else None
    use_wild = (n_cl is not None and n_cl < FEW_CLUSTERS) if wild is None else wild
    a = (1 - level) / 2
    if use_wild and clusters is not None:
        t_star, se = wild_cluster_t(design.X, fit.resid, clusters, c, n_boot=n_boot, rng=rng)
        t_star = t_star[np.isfinite(t_star)]
        lo, hi = est - np.quantile(t_star, 1 - a) * se, est - np.quantile(t_star, a) * se
        draws = est - se * rng.choice(t_star, n_draws)
        method = f"wild cluster bootstrap-t ({n_cl} clusters, {len(t_star)} replicates)"
        return _Inference(Interval(est, lo, hi, level, "wild cluster bootstrap-t"), se, draws,
                          method)
    if n_cl is not None:
        q = float(stats.t.ppf(1 - a, n_cl - 1))
        draws = est + se * rng.standard_t(n_cl - 1, n_draws)
        method, kind = f"cluster-robust ({n_cl} clusters, t with {n_cl - 1} df)", "t"
    else:
        q = float(stats.norm.ppf(1 - a))
        draws = rng.normal(est, se, n_draws)
        method, kind = "heteroskedasticity-robust (HC1)", "normal"
    return _Inference(Interval(est, est - q * se, est + q * se, level, kind), se, draws, method)
